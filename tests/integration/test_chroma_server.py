"""A real Chroma server (`chroma run` on loopback) as the index, and a clear error when it is down."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.service import ChatService
from index.article import read_article
from index.errors import IndexUnavailable
from index.store import ensure_index, open_client
from tests.conftest import chroma_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory, port: Any) -> Iterator[str]:
    """`chroma run` on a free loopback port with its data in a tmp dir; stopped at teardown."""
    with chroma_server(tmp_path_factory.mktemp("chroma-server"), port()) as url:
        yield url


def test_an_index_on_a_chroma_server_answers_and_is_reused(
    chroma_url: str, tiny_copy: Path, real_embeddings: Any, counting_embeddings: Any
) -> None:
    article = read_article(tiny_copy)
    first = counting_embeddings(real_embeddings)
    index = ensure_index(article, client=open_client(url=chroma_url), embeddings=first)
    assert first.documents > 0
    answer = ChatService(index).ask("How much will the work cost?")
    assert not answer["refused"]
    assert (
        article.text[answer["citations"][0]["start"] : answer["citations"][0]["end"]]
        == answer["citations"][0]["text"]
    )

    again = counting_embeddings(real_embeddings)
    reopened = ensure_index(read_article(tiny_copy), client=open_client(url=chroma_url), embeddings=again)
    assert again.documents == 0
    assert reopened.name == index.name


def test_the_cli_uses_the_server_from_the_flag_and_the_variable(
    chroma_url: str, tmp_path: Path, cli: Any
) -> None:
    home = tmp_path / "home"
    # The same text as the test above indexed, so the server usually has it already.
    article = Path(__file__).resolve().parents[1] / "data" / "tiny_article.md"
    built = cli(["--chroma-url", chroma_url, "--article", str(article), "index"], home=home)
    assert built.returncode == 0, built.stderr
    asked = cli(
        ["--article", str(article), "ask", "--json", "What did Finch warn?"],
        home=home,
        ARTICLE_CHAT_CHROMA_URL=chroma_url,
    )
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["refused"] is False and answer["citations"]
    text = article.read_text(encoding="utf-8")
    for citation in answer["citations"]:
        assert text[citation["start"] : citation["end"]] == citation["text"]
    assert not (home / "chroma").exists(), "with a server, nothing is written to the local data dir"


def test_a_dead_chroma_server_is_a_clear_one_line_error(
    cli: Any, one_line_error: Any, tmp_path: Path, port: Any
) -> None:
    dead = f"http://127.0.0.1:{port()}"
    message = one_line_error(cli(["--chroma-url", dead, "ask", "What did Powell say?"], home=tmp_path), 1)
    assert dead in message
    assert "chroma run" in message or "ARTICLE_CHAT_CHROMA_URL" in message


def test_open_client_on_a_dead_server_raises_index_unavailable(port: Any) -> None:
    with pytest.raises(IndexUnavailable, match="Chroma server"):
        open_client(url=f"http://127.0.0.1:{port()}")
