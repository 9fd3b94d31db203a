"""A running `article-chat serve` while other processes index: rebuilds, killed builds, two
builders, two servers on an empty data dir, and several readings answered by one server."""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import DATA, clean_env, cli_command, free_port, run_cli
from tests.integration.test_index import kill_after_first_progress

pytestmark = pytest.mark.integration

READY_TIMEOUT_S = 120
FOLLOW_TIMEOUT_S = 30  # the server reads the catalog at most every 3 s, then opens the new build
QUESTION = {"question": "What did Powell say?", "history": []}


class Server:
    def __init__(self, home: Path, port: int):
        self.home, self.url = home, f"http://127.0.0.1:{port}/"
        home.mkdir(parents=True, exist_ok=True)
        self.log = home / f"serve-{port}.log"  # a file, not a pipe: a full pipe would stall the server
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*cli_command(), "serve", "--port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=log,
                env=clean_env(home, ARTICLE_CHAT_RATE_LIMIT="off"),
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited {self.process.returncode}: {self.stderr()}")
            try:
                if httpx.get(self.url + "api/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError("the server did not come up")

    def health(self) -> dict[str, Any]:
        return dict(httpx.get(self.url + "api/health", timeout=10).json())

    def ask(self, **extra: Any) -> httpx.Response:
        return httpx.post(self.url + "api/ask", json={**QUESTION, **extra}, timeout=30)

    def wait_for_build(self, build: str) -> None:
        deadline = time.monotonic() + FOLLOW_TIMEOUT_S
        while self.health()["build"] != build:
            assert time.monotonic() < deadline, f"the server never followed build {build}"
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def current_build(home: Path, name: str = "default") -> str:
    from index.catalog import Catalog
    from index.store import open_client

    entry = Catalog(open_client(path=home / "chroma")).get(name)
    assert entry is not None
    return entry.build


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, cli_home: Any) -> Iterator[Server]:
    """A server on a copy of a built data dir."""
    home = tmp_path_factory.mktemp("served")
    shutil.copytree(cli_home.path, home, dirs_exist_ok=True)
    server = Server(home, free_port())
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


class Asker:
    """Asks the server over and over in a thread, recording every status code."""

    def __init__(self, server: Server, **extra: Any):
        self.codes: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, args=(server, extra), daemon=True)
        self.thread.start()

    def run(self, server: Server, extra: dict[str, Any]) -> None:
        while not self.stop.is_set():
            self.codes.append(server.ask(**extra).status_code)
            time.sleep(0.1)

    def finish(self) -> list[int]:
        self.stop.set()
        self.thread.join(60)
        return self.codes


def test_a_server_keeps_answering_during_a_rebuild_and_follows_the_new_build(served: Server) -> None:
    before = served.health()
    assert before["build"] == current_build(served.home) and before["reading"] == "default"
    assert before["chunks"] > 0 and len(before["fingerprint"]) == 64
    asker = Asker(served)
    rebuild = run_cli(["index", "--rebuild"], home=served.home, ARTICLE_CHAT_INDEX_BATCH_SIZE="2")
    assert rebuild.returncode == 0, rebuild.stderr
    new = current_build(served.home)
    assert new != before["build"]
    served.wait_for_build(new)
    codes = asker.finish()
    assert len(codes) >= 5 and set(codes) == {200}, codes
    assert served.ask().json()["article"] == "default"


def test_a_killed_build_leaves_the_old_one_served(served: Server) -> None:
    before = served.health()["build"]
    build = subprocess.Popen(
        [*cli_command(), "index", "--rebuild"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=clean_env(served.home, ARTICLE_CHAT_INDEX_BATCH_SIZE="1"),
    )
    kill_after_first_progress(build)
    assert build.returncode == -signal.SIGKILL
    time.sleep(4)  # past the server's next look at the catalog
    assert served.health()["build"] == before
    assert served.ask().status_code == 200
    resumed = run_cli(["index"], home=served.home)
    assert resumed.returncode == 0 and "resuming the unfinished build" not in resumed.stderr, (
        "a plain `index` finds the served build complete; only a rebuild resumes"
    )
    again = run_cli(["index", "--rebuild"], home=served.home)
    assert again.returncode == 0
    assert "resuming the unfinished build" in again.stderr, again.stderr


def test_two_readings_answered_by_one_server(served: Server) -> None:
    added = run_cli(["index", str(DATA / "other_article.md"), "--name", "tram"], home=served.home)
    assert added.returncode == 0, added.stderr
    deadline = time.monotonic() + FOLLOW_TIMEOUT_S
    while (tram := served.ask(question="How much will the tram cost?", article="tram")).status_code == 404:
        assert time.monotonic() < deadline, tram.text  # a reading added after start is found
        time.sleep(0.5)
    assert tram.status_code == 200 and tram.json()["article"] == "tram"
    assert "412" in tram.json()["answer"]
    default = served.ask().json()
    assert default["article"] == "default" and "Powell" in default["answer"]
    listed = httpx.get(served.url + "api/readings", timeout=10).json()
    assert {r["name"] for r in listed["readings"]} >= {"default", "tram"}
    unknown = served.ask(article="week-9")
    assert unknown.status_code == 404 and "default" in unknown.json()["error"]


def test_a_second_builder_waits_for_the_first(tmp_path: Path, cli_home: Any) -> None:
    home = tmp_path / "home"
    shutil.copytree(cli_home.path, home)
    # Long enough (hundreds of passages, one per batch) that the first build is still running
    # when the second process has started, even on a loaded machine.
    article = tmp_path / "long.md"
    article.write_text("\n\n".join([(DATA / "other_article.md").read_text(encoding="utf-8")] * 12))
    build = ["index", str(article), "--name", "long", "--rebuild"]
    env = clean_env(home, ARTICLE_CHAT_INDEX_BATCH_SIZE="1")
    first = subprocess.Popen([*cli_command(), *build], stderr=subprocess.PIPE, env=env)
    assert first.stderr is not None
    seen = b""
    while b"building article-chat-" not in seen:  # the first holds the lock once it says so
        chunk = first.stderr.read1(4096)  # type: ignore[attr-defined]
        assert chunk, seen
        seen += chunk
    second = run_cli(build, home=home, ARTICLE_CHAT_INDEX_BATCH_SIZE="1")
    first.communicate(timeout=300)
    assert first.returncode == 0
    assert second.returncode == 0, second.stderr
    waited = second.stderr.index("is being built by pid")
    assert "waiting for it" in second.stderr
    assert second.stderr.index("building article-chat-") > waited, "it built only after the first was done"


def test_two_servers_on_an_empty_data_dir_both_come_up(tmp_path: Path) -> None:
    servers = [Server(tmp_path / "home", free_port()) for _ in range(2)]
    try:
        for server in servers:
            server.wait_ready()
        builds = {server.health()["build"] for server in servers}
        assert len(builds) == 1, "both serve the one build"
        for server in servers:
            assert server.ask().status_code == 200
    finally:
        for server in servers:
            server.stop()
