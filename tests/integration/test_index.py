"""The on-disk index with the real model: build, reuse, rebuild on change, crash safety, corruption."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.service import ChatService
from index.article import parse_article, read_article
from index.catalog import CATALOG_NAME, Catalog
from index.store import COLLECTION_PREFIX, ensure_index, open_client

pytestmark = pytest.mark.integration

KILL_TIMEOUT_S = 120


def collections(client: Any) -> dict[str, dict[str, Any]]:
    """Our collections in ``client``, by name, with their metadata."""
    found = {}
    for item in client.list_collections():
        name = item if isinstance(item, str) else item.name
        if name.startswith(COLLECTION_PREFIX) and name != CATALOG_NAME and not name.endswith("-derived"):
            found[name] = client.get_collection(name).metadata or {}
    return found


def test_build_then_reopen_does_not_embed_again(
    tmp_path: Path, tiny_copy: Path, real_embeddings: Any, counting_embeddings: Any
) -> None:
    article = read_article(tiny_copy)
    first = counting_embeddings(real_embeddings)
    index = ensure_index(article, client=open_client(path=tmp_path / "chroma"), embeddings=first)
    assert first.documents >= len(index.chunks) > 0
    assert index.collection.metadata["complete"] is True
    assert (tmp_path / "chroma" / "chroma.sqlite3").is_file(), "the index is on disk"

    second = counting_embeddings(real_embeddings)
    reopened = ensure_index(
        read_article(tiny_copy), client=open_client(path=tmp_path / "chroma"), embeddings=second
    )
    assert second.documents == 0
    assert reopened.name == index.name
    assert reopened.collection.metadata["created"] == index.collection.metadata["created"]
    answer = ChatService(reopened).ask("How much will the work cost?")
    assert not answer["refused"]
    assert "$48 million" in answer["citations"][0]["text"]


def test_a_changed_article_is_rebuilt_and_answers_from_the_new_text(
    tmp_path: Path, tiny_copy: Path, real_embeddings: Any
) -> None:
    client = open_client(path=tmp_path / "chroma")
    old = ensure_index(read_article(tiny_copy), client=client, embeddings=real_embeddings)
    tiny_copy.write_text(
        tiny_copy.read_text(encoding="utf-8").replace("$48 million", "$61 million"), encoding="utf-8"
    )
    new = ensure_index(read_article(tiny_copy), client=client, embeddings=real_embeddings)
    assert new.name != old.name
    assert set(collections(client)) == {new.name, old.name}, (
        "the version before stays for servers still answering from it"
    )
    answer = ChatService(new).ask("How much will the work cost?")
    assert "$61 million" in answer["answer"]
    assert "$48 million" not in answer["answer"]


def big_version_of(text: str, paragraphs: int = 150) -> str:
    """The article plus many distinct paragraphs, so embedding it one passage at a time is slow."""
    extra = [
        f"Inspection {i} found that stretch {i} of the river wall needed {i % 9 + 2} new stones. "
        f"The crew for stretch {i} worked {i % 5 + 1} nights. Their report {i} went to the council. "
        f"Nobody disputed report {i}."
        for i in range(paragraphs)
    ]
    body, _, tail = text.partition("\n---\n")
    return body.rstrip() + "\n\n" + "\n\n".join(extra) + "\n\n---\n" + tail


def kill_after_first_progress(process: subprocess.Popen[bytes]) -> str:
    """Read the progress bar until at least one batch is stored, then SIGKILL the build."""
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + KILL_TIMEOUT_S
    while time.monotonic() < deadline:
        chunk = os.read(process.stderr.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
        if any(int(done) >= 1 for done in re.findall(rb"\|\s*(\d+)/\d+ \[", seen)):
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=30)
    return seen.decode("utf-8", "replace")


def test_a_build_killed_halfway_leaves_the_old_index_answering_and_is_resumed(
    tmp_path: Path, tiny_copy: Path, real_embeddings: Any, counting_embeddings: Any, cli_popen: Any, cli: Any
) -> None:
    home = tmp_path / "home"
    old_text = tiny_copy.read_text(encoding="utf-8")
    client = open_client(path=home / "chroma")
    old = ensure_index(read_article(tiny_copy), client=client, embeddings=real_embeddings, reading="default")
    old_created = old.collection.metadata["created"]

    # Change the article and rebuild it in another process, one passage per write, then kill it.
    tiny_copy.write_text(big_version_of(old_text), encoding="utf-8")
    build = cli_popen(["index", str(tiny_copy)], home=home, ARTICLE_CHAT_INDEX_BATCH_SIZE="1")
    progress = kill_after_first_progress(build)
    assert build.returncode == -signal.SIGKILL, (
        f"the build ended on its own before it was killed:\n{progress}"
    )

    # The half-built collection is there, marked unfinished; the catalog still serves the old one.
    found = collections(client)
    half = [name for name, meta in found.items() if name != old.name]
    assert len(half) == 1, found
    assert found[half[0]]["complete"] is False
    assert found[old.name]["complete"] is True
    entry = Catalog(client).get("default")
    assert entry is not None and (entry.build, entry.building) == (old.name, half[0])

    # The old article still opens from its complete collection, embeds nothing, and answers.
    counter = counting_embeddings(real_embeddings)
    reopened = ensure_index(
        parse_article(old_text, source=tiny_copy.name), client=client, embeddings=counter, reading="default"
    )
    assert counter.documents == 0
    assert reopened.name == old.name
    assert reopened.collection.metadata["created"] == old_created
    answer = ChatService(reopened).ask("How much will the work cost?")
    assert not answer["refused"] and "$48 million" in answer["citations"][0]["text"]

    # The next `index` says it resumes the unfinished build, and embeds only what is missing.
    already = client.get_collection(half[0]).count()
    resumed = cli(["index", str(tiny_copy)], home=home)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming the unfinished build {half[0]}" in resumed.stderr
    assert f"({already} of " in resumed.stderr
    assert set(collections(client)) == {half[0], old.name}, (
        "the version before stays for servers still answering from it; nothing half-built is left"
    )
    assert collections(client)[half[0]]["complete"] is True
    assert Catalog(client).get("default").build == half[0]  # type: ignore[union-attr]


@pytest.fixture
def corrupt_home(tmp_path: Path, cli_home: Any) -> Path:
    """A copy of a built data dir whose Chroma database file has been overwritten with garbage."""
    home = tmp_path / "home"
    shutil.copytree(cli_home.path / "chroma", home / "chroma")
    (home / "chroma" / "chroma.sqlite3").write_bytes(os.urandom(8192))
    return home


def test_a_corrupt_index_gives_a_clear_error(cli: Any, one_line_error: Any, corrupt_home: Path) -> None:
    message = one_line_error(cli(["ask", "What did Powell say?"], home=corrupt_home), 1)
    assert str(corrupt_home / "chroma") in message
    assert "article-chat index --rebuild" in message


def test_rebuild_recovers_from_a_corrupt_index_and_keeps_the_broken_one(cli: Any, corrupt_home: Path) -> None:
    garbage = (corrupt_home / "chroma" / "chroma.sqlite3").read_bytes()
    rebuild = cli(["index", "--rebuild"], home=corrupt_home)
    assert rebuild.returncode == 0, rebuild.stderr
    kept = list(corrupt_home.glob("chroma.broken-*"))
    assert len(kept) == 1, "the broken index is moved aside, not deleted"
    assert (kept[0] / "chroma.sqlite3").read_bytes() == garbage
    ask = cli(["ask", "--json", "What did Powell say?"], home=corrupt_home)
    assert ask.returncode == 0, ask.stderr


def test_processes_opening_one_empty_index_at_once_all_succeed(tmp_path: Path) -> None:
    # Chroma creates its tables on first open; racing processes used to fail "already exists"
    # (about one round in three), so a few rounds.
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for round_ in range(4):
        opener = f"from index.store import open_client; open_client(path={str(tmp_path / str(round_))!r})"
        started = [
            subprocess.Popen([sys.executable, "-c", opener], stderr=subprocess.PIPE, text=True, env=env)
            for _ in range(6)
        ]
        for process in started:
            _, stderr = process.communicate(timeout=KILL_TIMEOUT_S)
            assert process.returncode == 0, stderr
