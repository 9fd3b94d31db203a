"""A real `article-chat serve` on a free loopback port, static "course pages", headless Chromium.

One server for the whole e2e package (starting it loads the model and builds the index), stopped
when the package is done; every test talks to 127.0.0.1 only, and every process, thread and
browser started here is stopped at teardown.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import stop

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
PASSWORD = "e2e-instructor-secret"
START_TIMEOUT_S = 240  # first start embeds the article and loads the model


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    url: str  # "http://127.0.0.1:PORT/"
    home: Path
    log: Path

    @property
    def origin(self) -> str:
        return self.url.rstrip("/")

    @property
    def netloc(self) -> str:
        return self.origin.split("//", 1)[1]


@dataclass(frozen=True)
class Site:
    """A static page server on another loopback port, standing in for a course site."""

    url: str

    @property
    def origin(self) -> str:
        return self.url.rstrip("/")


@pytest.fixture(scope="package")
def instructor_password() -> str:
    return PASSWORD


@pytest.fixture(scope="package")
def course_port() -> int:
    return free_port()


def _command() -> list[str]:
    script = Path(sys.executable).with_name("article-chat")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ui.cli"]


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory, course_port: int) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("article-chat-home")
    env = {
        "ARTICLE_CHAT_ALLOWED_ORIGINS": f"http://127.0.0.1:{course_port}",
        "ARTICLE_CHAT_INSTRUCTOR_PASSWORD": PASSWORD,
        # Every test here asks from 127.0.0.1; the shipped limit has its own server in test_hostile.
        "ARTICLE_CHAT_RATE_LIMIT": "600/minute",
        "ARTICLE_CHAT_RATE_LIMIT_BURST": "600",
    }
    with running_server(home, env) as started:
        yield started


@contextlib.contextmanager
def running_server(home: Path, env: dict[str, str]) -> Iterator[Server]:
    """`article-chat serve` on a free loopback port with ``home`` as its data dir; stopped on exit."""
    port = free_port()
    env = {
        **os.environ,
        "ARTICLE_CHAT_HOME": str(home),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        **env,
    }
    env.pop("ARTICLE_CHAT_ARTICLE", None)
    with serving(home, env, port=port) as running:
        yield running


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`chroma run` on a free loopback port, its data in a tmp dir; stopped at teardown."""
    from tests.conftest import chroma_server

    with chroma_server(tmp_path_factory.mktemp("chroma-server"), free_port()) as url:
        yield url


@contextlib.contextmanager
def two_replicas(
    tmp_path_factory: pytest.TempPathFactory,
    *,
    chroma_url: str,
    postgres_server: str,
    database: str,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[Server, Server]]:
    """Two `article-chat serve` on one Chroma server and a new PostgreSQL ``database``; stopped on exit."""
    import psycopg

    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as db:
        db.execute(f"CREATE DATABASE {database}")
    env = {
        "ARTICLE_CHAT_CHROMA_URL": chroma_url,
        "ARTICLE_CHAT_DATABASE_URL": f"{postgres_server}/{database}",
        "ARTICLE_CHAT_INSTRUCTOR_PASSWORD": PASSWORD,
        "ARTICLE_CHAT_RATE_LIMIT": "off",
        **(env or {}),
    }
    # One after the other: the first builds the index on the Chroma server, the second finds it.
    with (
        running_server(tmp_path_factory.mktemp(f"{database}-1"), env) as first,
        running_server(tmp_path_factory.mktemp(f"{database}-2"), env) as second,
    ):
        yield first, second


@contextlib.contextmanager
def serving(home: Path, env: dict[str, str], *, port: int) -> Iterator[Server]:
    """``article-chat serve`` on ``port`` with ``env``, its log in ``home``; stopped on exit."""
    log = home / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=home,  # whatever the server writes stays in the temporary home
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_ready(url, process, log)
        yield Server(url=url, home=home, log=log)
    finally:
        stop(process)


def wait_ready(
    url: str,
    process: subprocess.Popen[bytes],
    log: Path,
    *,
    what: str = "article-chat serve",
    timeout_s: float = START_TIMEOUT_S,
) -> None:
    """Until ``url`` + ``api/health`` answers 200; fails if ``process`` exits or ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url + "api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{what} not ready after {timeout_s}s:\n{log.read_text()[-4000:]}")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


def _serve_dir(directory: Path, port: int) -> Iterator[Site]:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(url=f"http://127.0.0.1:{port}/")
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def course_pages(server: Server) -> dict[str, str]:
    """What an instructor pastes into a course page (the snippets docs/web.md shows)."""
    page = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Week 3: the reading</title>{head}
<style>body {{ font-family: sans-serif; margin: 24px; display: flex; gap: 32px; }}
main {{ max-width: 420px; color: #374151; }} .box {{ width: 400px; height: 600px; }}</style></head>
<body><main><h1>Week 3: the reading</h1>
<p>Read the article, then ask the chat about it. Every answer quotes the article and links to the
passage it comes from.</p></main>
<div class="box">{chat}</div></body></html>
"""
    script = f'<script type="module" src="{server.url}gradio.js"></script>'
    return {
        "webcomponent.html": page.format(
            head=script, chat=f'<gradio-app src="{server.url}?embed=1" initial_height="600px"></gradio-app>'
        ),
        "iframe.html": page.format(
            head="",
            chat=f'<iframe id="chat" src="{server.url}?embed=1" width="400" height="600" '
            'style="border:1px solid #d1d5db;border-radius:8px" title="Ask the article"></iframe>',
        ),
    }


@pytest.fixture(scope="package")
def course_site(server: Server, course_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The course site, on the origin the server allows."""
    folder = tmp_path_factory.mktemp("course")
    for name, html in course_pages(server).items():
        (folder / name).write_text(html, encoding="utf-8")
    yield from _serve_dir(folder, course_port)


@pytest.fixture(scope="package")
def foreign_site(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The same pages from an origin that is not on the allow-list."""
    folder = tmp_path_factory.mktemp("foreign")
    for name, html in course_pages(server).items():
        (folder / name).write_text(html, encoding="utf-8")
    yield from _serve_dir(folder, free_port())


@pytest.fixture(scope="module")  # Playwright's sync loop must not outlive the module (async tests)
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def sign_in(context: Any, url: str) -> Any:
    """A page on the instructor view of the chat at ``url``, past the password."""
    page = context.new_page()
    page.goto(url + "instructor/", wait_until="load")
    page.locator("#ac-password input").fill(PASSWORD)
    page.locator("#ac-unlock").click()
    page.locator("#ac-summary").get_by_text("Questions asked").wait_for()
    return page


def ask_in(root: Any, question: str) -> Any:
    """Type ``question`` into the chat inside ``root`` (a page or a frame) and wait for the answer."""
    box = root.locator("#ac-question textarea")
    box.wait_for()
    answers = root.locator("#ac-chatbot .ac-answer:not(.ac-pending)")
    before = answers.count()
    box.fill(question)
    box.press("Enter")
    answer = answers.nth(before)
    answer.locator(".ac-chip").first.wait_for()  # chips come with the finished answer
    return answer


@pytest.fixture(scope="session")
def ask() -> Any:
    return ask_in
