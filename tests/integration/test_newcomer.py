"""What a new student tries first, with the real model: whole-article questions, typos, another
language, follow-ups, people the article never quotes. Properties of the answers, not wordings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.language import NOT_ENGLISH
from bot.service import ChatService
from index.article import read_article
from index.store import ensure_index, open_client

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, real_embeddings: Any) -> ChatService:
    home = tmp_path_factory.mktemp("newcomer")
    return ChatService(
        ensure_index(read_article(), client=open_client(path=home / "chroma"), embeddings=real_embeddings)
    )


def cited(result: dict[str, Any]) -> str:
    return " ".join(c["text"] for c in result["citations"])


def test_main_argument_recommendation_and_summary_differ(service: ChatService) -> None:
    argument = service.ask("What is the author's main argument?")
    recommends = service.ask("What does the author recommend?")
    bullets = service.ask("Summarize in 3 bullet points")
    for result in (argument, recommends, bullets):
        assert not result["refused"] and result["citations"]
        assert result["citations"][0]["paragraph"] > 1 or service.article.paragraphs[0].kind == "body"
    assert cited(argument) != cited(recommends)
    assert len(re.findall(r"^- ", bullets["answer"], re.M)) == 3


def test_what_the_author_wants_is_answered_with_should_sentences(service: ChatService) -> None:
    result = service.ask("What does the author want the U.S. to do?")
    assert not result["refused"]
    assert re.search(r"\b(should|must|could|need)\b", cited(result))


def test_a_comparison_and_the_counterarguments_are_answered(service: ChatService) -> None:
    comparison = service.ask("Explain the Lebanon comparison")
    assert not comparison["refused"] and "Leban" in cited(comparison)
    counter = service.ask("What are the counterarguments?")
    assert not counter["refused"]


@pytest.mark.parametrize(
    ("typed", "person"), [("wat did powel say abt lebanon", "Powell"), ("Wht did rumsfled say?", "Rumsfeld")]
)
def test_typos_are_read_as_meant(service: ChatService, typed: str, person: str) -> None:
    result = service.ask(typed)
    assert not result["refused"]
    assert person in result["query"], "the corrected question is what was searched for"
    assert person in result["answer"]


def test_a_question_in_another_language_gets_a_clear_message(service: ChatService) -> None:
    result = service.ask("¿Qué dijo Powell sobre el Líbano?")
    assert result["refused"] and result["answer"] == NOT_ENGLISH and result["citations"] == []


def test_someone_mentioned_but_never_quoted(service: ChatService) -> None:
    result = service.ask("What did Bush say?")
    assert result["refused"] and result["citations"] == []
    assert "never quotes" in result["answer"]
    assert result["closest"], "it offers where the article does mention him, apart from any answer"


def test_a_pronoun_inside_the_question_is_not_rewritten(service: ChatService) -> None:
    first = service.ask("What did Powell say?")
    history = [
        {"role": "user", "content": "What did Powell say?"},
        {"role": "assistant", "content": first["answer"]},
    ]
    result = service.ask("Who is Sistani and why does he matter?", history)
    assert "Powell" not in result["query"]


def test_a_title_line_is_never_the_answer(tmp_path: Path, real_embeddings: Any) -> None:
    article = read_article(DATA / "other_article.md")
    service = ChatService(
        ensure_index(article, client=open_client(path=tmp_path), embeddings=real_embeddings)
    )
    titles = {p.number for p in article.paragraphs if p.kind != "body"}
    for question in ("What did the council back?", "How much will the tram line cost?", "What is it about?"):
        result = service.ask(question)
        assert all(c["paragraph"] not in titles for c in result["citations"]), question
    mayor = service.ask("Who is the mayor of Riverton?")
    assert mayor["refused"] and "Riverton" in mayor["answer"]
