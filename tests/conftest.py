"""Shared fixtures: the tiny test article, fake embeddings and an in-memory Chroma index over them.

Unit tests (tests/unit) run with sockets blocked and with the real sentence-transformer made
unloadable, so a unit test that reaches for the network or the real model fails loudly.
"""

from __future__ import annotations

import contextlib
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding, Embeddings

DATA = Path(__file__).resolve().parent / "data"
TINY_ARTICLE = DATA / "tiny_article.md"


class UnitFakeEmbedding(DeterministicFakeEmbedding):
    """``DeterministicFakeEmbedding`` scaled to unit length, as sentence-transformers normalises.

    Unrelated texts get near-orthogonal vectors and identical texts identical ones, so dense
    similarity is noise except for exact matches: tests must not lean on meaning from it.
    """

    model_id: str = "fake-unit-embedding"

    def _get_embedding(self, seed: int) -> list[float]:
        vector = np.asarray(super()._get_embedding(seed))
        return list(vector / np.linalg.norm(vector))


class CountingEmbeddings(Embeddings):
    """Wraps embeddings and counts the texts embedded, to prove an index was (not) rebuilt."""

    def __init__(self, inner: Embeddings):
        self.inner = inner
        self.documents = 0
        self.queries = 0

    @property
    def model_id(self) -> str:
        return str(getattr(self.inner, "model_id", type(self.inner).__name__))

    @property
    def model_name(self) -> str:
        return str(getattr(self.inner, "model_name", self.model_id))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        self.queries += 1
        return self.inner.embed_query(text)


@pytest.fixture(autouse=True)
def _unit_tests_stay_offline(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Unit tests: no sockets (loopback included) and no real model."""
    if "unit" not in request.node.path.parts:
        yield
        return
    from index.embeddings import SentenceEmbeddings
    from index.onnx_embeddings import OnnxEmbeddings

    def refuse(self: Any) -> Any:
        raise AssertionError("a unit test tried to load the real sentence-transformer; use a fake")

    monkeypatch.setattr(SentenceEmbeddings, "_load", refuse)
    monkeypatch.setattr(OnnxEmbeddings, "_load", refuse)
    try:
        import pytest_socket
    except ImportError:  # pragma: no cover - langchain-tests depends on it
        yield
        return
    pytest_socket.disable_socket(allow_unix_socket=True)  # asyncio needs its socketpair
    try:
        yield
    finally:
        pytest_socket.enable_socket()


@pytest.fixture(scope="session")
def fake_embeddings() -> UnitFakeEmbedding:
    return UnitFakeEmbedding(size=64)


@pytest.fixture(scope="session")
def chroma_client() -> Any:
    """An in-memory Chroma client; every test deletes the collections it makes."""
    import chromadb
    from chromadb.config import Settings

    return chromadb.EphemeralClient(settings=Settings(anonymized_telemetry=False))


@pytest.fixture(scope="session")
def tiny_text() -> str:
    return TINY_ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def tiny_article() -> Any:
    from index.article import read_article

    return read_article(TINY_ARTICLE)


@pytest.fixture(scope="session")
def counting_embeddings() -> type[CountingEmbeddings]:
    """The ``CountingEmbeddings`` wrapper class, for tests that prove what got embedded."""
    return CountingEmbeddings


def unique_source() -> str:
    """A source name no other test uses, so pruning "older versions" never touches their index."""
    return f"test-{uuid.uuid4().hex[:12]}.md"


def drop_collections(client: Any, *names: str) -> None:
    existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    for name in dict.fromkeys(names):
        if name in existing:
            client.delete_collection(name)


@pytest.fixture(scope="session")
def tiny_index(tiny_article: Any, chroma_client: Any, fake_embeddings: UnitFakeEmbedding) -> Iterator[Any]:
    """The tiny article indexed with fake embeddings in a fresh in-memory collection."""
    from index.store import ensure_index

    index = ensure_index(tiny_article, client=chroma_client, embeddings=fake_embeddings)
    yield index
    drop_collections(chroma_client, index.name)


@pytest.fixture(scope="session")
def tiny_service(tiny_index: Any) -> Any:
    """The whole pipeline (retrieval, grounding, extractive answers) over the fake index."""
    from bot.service import ChatService

    return ChatService(tiny_index)


@pytest.fixture
def make_index(chroma_client: Any, fake_embeddings: UnitFakeEmbedding) -> Iterator[Any]:
    """Build an in-memory index of any text (under its own source name); dropped in teardown."""
    from index.article import parse_article
    from index.store import ensure_index

    made: list[str] = []

    def build(
        text: str, *, source: str | None = None, embeddings: Embeddings | None = None, **kwargs: Any
    ) -> Any:
        article = parse_article(text, source=source or unique_source())
        index = ensure_index(
            article, client=chroma_client, embeddings=embeddings or fake_embeddings, **kwargs
        )
        made.append(index.name)
        return index

    yield build
    drop_collections(chroma_client, *made)


# ---------------------------------------------------------------- PostgreSQL (integration and e2e tests)

PG_START_TIMEOUT_S = 60


def postgres_bin() -> Path | None:
    """Debian's newest PostgreSQL (``/usr/lib/postgresql/N/bin``), else ``initdb`` on the PATH."""
    import glob
    import shutil

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    initdb = found[-1] if found else shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Our own PostgreSQL: initdb + pg_ctl in a tmp dir, on 127.0.0.1 and a free port; stopped at teardown.

    Yields the server's URL without a database name. Skipped when PostgreSQL is not installed,
    except in CI (``CI=true``), where that is a failure.
    """
    import os
    import pwd
    import shutil
    import socket
    import tempfile

    bin_dir = postgres_bin()
    if bin_dir is None:
        message = "PostgreSQL is not installed (Debian: apt-get install postgresql; .ci/run does it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    # PostgreSQL refuses to run as root: as root, run it as the package's postgres user.
    as_user: list[str] = []
    data = Path(tempfile.mkdtemp(prefix="article-chat-pg-"))  # not under pytest's 0700 dirs
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("PostgreSQL refuses to run as root and there is no postgres user to run it as")
        os.chown(data, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cluster = data / "cluster"

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, timeout=PG_START_TIMEOUT_S)

    run(str(bin_dir / "initdb"), "-D", str(cluster), "-U", "chat", "--auth=trust", "-E", "UTF8")
    options = f"-h 127.0.0.1 -p {port} -k {data} -c fsync=off"
    try:
        run(
            str(bin_dir / "pg_ctl"), "-D", str(cluster), "-l", str(data / "log"), "-w", "-o", options, "start"
        )
        yield f"postgresql://chat@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(cluster), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=PG_START_TIMEOUT_S,
        )
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def postgres_database(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on that server for one test; dropped after it."""
    import psycopg

    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    yield f"{postgres_server}/{name}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# ---------------------------------------------------------------- Chroma server (integration and e2e tests)

CHROMA_START_TIMEOUT_S = 60


@contextlib.contextmanager
def chroma_server(data: Path, port: int) -> Iterator[str]:
    """`chroma run` on 127.0.0.1:``port`` with its data in ``data``; yields its URL, stopped on exit.

    Skipped when the ``chroma`` command (the chromadb package's) is missing, except in CI.
    """
    import os
    import shutil
    import sys
    import time

    import httpx

    script = Path(sys.executable).with_name("chroma")
    command = str(script) if script.exists() else shutil.which("chroma")
    if not command:
        message = "the `chroma` command from the chromadb package is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    url = f"http://127.0.0.1:{port}"
    with (data.parent / f"{data.name}.log").open("wb") as log:
        process = subprocess.Popen(
            [command, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + CHROMA_START_TIMEOUT_S
        while True:
            assert process.poll() is None, f"chroma run exited with {process.returncode}"
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"no heartbeat from {url} after {CHROMA_START_TIMEOUT_S}s"
            time.sleep(0.2)
        yield url
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)
