"""Integration fixtures: the real packaged MiniLM model, on-disk Chroma under tmp dirs, the real CLI.

The model is loaded once per session for in-process tests; CLI tests run `article-chat` as a
subprocess against one session-scoped ARTICLE_CHAT_HOME, so the default article is embedded once.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
# The workspace's shared folder (dev set, QA format) sits next to the repository.
SHARED = REPO.parent / "shared"
CLI_TIMEOUT_S = 180

Cli = Callable[..., subprocess.CompletedProcess[str]]


def cli_command() -> list[str]:
    """The installed console script next to this interpreter, else the module."""
    script = Path(sys.executable).parent / "article-chat"
    return [str(script)] if script.exists() else [sys.executable, "-m", "ui.cli"]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment minus any ARTICLE_CHAT_* of the caller, offline, with ``home`` as data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLE_CHAT_")}
    env.update(
        ARTICLE_CHAT_HOME=str(home),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def run_cli(
    args: Sequence[str],
    *,
    home: Path,
    input: str | bytes | None = None,
    timeout: float = CLI_TIMEOUT_S,
    **env: str,
) -> subprocess.CompletedProcess[Any]:
    return subprocess.run(
        [*cli_command(), *args],
        input=input,
        capture_output=True,
        text=not isinstance(input, bytes),
        env=clean_env(home, **env),
        cwd=REPO,
        timeout=timeout,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[Any], code: int) -> str:
    """Exit ``code``, nothing on stdout, one ``article-chat: ...`` line on stderr, no traceback."""
    stderr = result.stderr if isinstance(result.stderr, str) else result.stderr.decode("utf-8", "replace")
    assert result.returncode == code, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("article-chat: ")
    assert not result.stdout
    return lines[0]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def real_embeddings() -> Any:
    """The packaged all-MiniLM-L6-v2, loaded once for every in-process integration test."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from index.embeddings import SentenceEmbeddings

    embeddings = SentenceEmbeddings()
    embeddings.embed_query("warm up")  # load it now, not inside the first timed test
    return embeddings


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "dev_qa.jsonl").is_file():
        pytest.skip(f"the shared folder with dev_qa.jsonl is not next to the repo (looked in {SHARED})")
    return SHARED


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    """A writable copy of the tiny test article."""
    path = tmp_path / "article.md"
    shutil.copy(DATA / "tiny_article.md", path)
    return path


@dataclass(frozen=True)
class CliHome:
    path: Path
    first_index: subprocess.CompletedProcess[str]  # the `article-chat index` run that built it


@pytest.fixture(scope="session")
def cli_home(tmp_path_factory: pytest.TempPathFactory) -> CliHome:
    """A data dir where `article-chat index` has built the default article's index once."""
    home = tmp_path_factory.mktemp("cli-home")
    result = run_cli(["index"], home=home)
    assert result.returncode == 0, result.stderr
    return CliHome(home, result)


@pytest.fixture(scope="session")
def cli() -> Cli:
    """``cli(args, home=..., input=..., **ARTICLE_CHAT_vars)`` runs `article-chat` as a subprocess."""
    return run_cli


@pytest.fixture(scope="session")
def one_line_error() -> Callable[[subprocess.CompletedProcess[Any], int], str]:
    return assert_one_line_error


@pytest.fixture(scope="session")
def port() -> Callable[[], int]:
    """A free loopback port (nothing listens on it until someone binds it)."""
    return free_port


@pytest.fixture
def cli_popen() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start `article-chat` without waiting (stderr piped); any still running is killed at teardown."""
    started: list[subprocess.Popen[bytes]] = []

    def start(args: Sequence[str], *, home: Path, **env: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [*cli_command(), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=clean_env(home, **env),
            cwd=REPO,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()
