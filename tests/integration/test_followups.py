"""Conversations of three and four turns on a test article, through the real service: each
follow-up's pronoun becomes the right person, and a question with its own topic stands alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.service import ChatService
from index.article import read_article
from index.store import ensure_index, open_client

pytestmark = pytest.mark.integration

ARTICLE = Path(__file__).resolve().parents[1] / "data" / "other_article.md"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, real_embeddings: Any) -> ChatService:
    client = open_client(path=tmp_path_factory.mktemp("followups") / "chroma")
    return ChatService(ensure_index(read_article(ARTICLE), client=client, embeddings=real_embeddings))


def converse(service: ChatService, questions: list[str]) -> list[dict[str, Any]]:
    """Ask ``questions`` in turn, each with the conversation so far."""
    history: list[dict[str, str]] = []
    results = []
    for question in questions:
        result = service.ask(question, history)
        results.append(result)
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": result["answer"]}]
    return results


def first_cited(result: dict[str, Any]) -> str:
    assert not result["refused"], result["answer"]
    return str(result["citations"][0]["text"])


def test_four_turns_about_one_person_then_a_new_topic(service: ChatService) -> None:
    _, how_long, said, stops = converse(
        service,
        [
            "Who is Rosa Delgado?",
            "How long has she run it?",
            "What did she say about the tram?",
            "How many stops will the line have?",
        ],
    )
    assert "Delgado" in how_long["query"] and "22 years" in first_cited(how_long)
    assert "Delgado" in said["query"] and "I believe in the tram" in said["answer"]
    # A question with its own topic carries nothing of the conversation into the search.
    assert stops["query"] == "How many stops will the line have?"
    assert "14 stops" in first_cited(stops)


def test_a_person_named_only_in_the_answer_is_followed_for_three_turns(service: ChatService) -> None:
    _, warned, pointed = converse(
        service, ["Who leads the opposition group?", "What did he warn?", "What did he point to?"]
    )
    assert "Wójcik" in warned["query"] and "built on hope" in first_cited(warned)
    assert "Wójcik" in pointed["query"] and "Ferrybridge" in first_cited(pointed)


def test_she_is_the_woman_the_last_answer_named(service: ChatService) -> None:
    _, called = converse(
        service,
        ["Who made the tram the centrepiece of her election campaign?", "What did she call the vote?"],
    )
    assert "Brandt" in called["query"]
    assert "most important transport decision" in first_cited(called)
