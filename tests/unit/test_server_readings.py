"""Several readings over HTTP, in-process: "article" in POST /api/ask, GET /api/readings, health."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.library import Library
from bot.validate import clean_question
from index.article import parse_article
from ui.server import create_server
from ui.settings import Settings


class ReadingService:
    """Answers every question with its own first sentence, named after its reading."""

    def __init__(self, reading: str, text: str):
        self.reading = reading
        self.article = parse_article(text, source=f"{reading}.md")

    def starters(self, n: int = 4) -> list[str]:
        return []

    def served(self) -> dict[str, Any]:
        return {"reading": self.reading, "build": f"build-{self.reading}", "fingerprint": "f", "chunks": 2}

    def ask(self, question: str, history: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
        first = self.article.sentences[0]
        text = self.article.text[first.start : first.end]
        return {
            "question": clean_question(question),
            "query": question,
            "answer": f"{text} [1]",
            "refused": False,
            "citations": [{"n": 1, "paragraph": 1, "start": first.start, "end": first.end, "text": text}],
            "closest": [],
            "article": self.reading,
        }


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    home: Path = tmp_path_factory.mktemp("home")
    default = ReadingService("default", "Colin Powell said no.\n\nRumsfeld said yes.\n")
    tram = ReadingService("tram", "The tram will cost 412 million pounds.\n\nShops worry.\n")
    library = Library.of({"default": default, "tram": tram})
    settings = Settings(home=home, rate_limit="off")
    return TestClient(
        create_server(default, settings, library=library, stream_delay=0), base_url="http://127.0.0.1:7860"
    )


def test_each_reading_answers_under_its_name(client: TestClient) -> None:
    tram = client.post("/api/ask", json={"question": "How much?", "article": "tram"}).json()
    assert tram["article"] == "tram" and "412 million" in tram["answer"]
    default = client.post("/api/ask", json={"question": "What did Powell say?"}).json()
    assert default["article"] == "default" and "Powell" in default["answer"]


def test_an_unknown_reading_is_a_404_listing_the_readings(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "Why?", "article": "week-9"})
    assert response.status_code == 404
    assert response.json() == {"error": "no reading named 'week-9'; readings: default, tram"}


def test_a_reading_that_is_not_a_name_is_a_400(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "Why?", "article": ["tram"]})
    assert response.status_code == 400 and "GET /api/readings" in response.json()["error"]


def test_readings_are_listed(client: TestClient) -> None:
    listed = client.get("/api/readings").json()
    assert listed["default"] == "default"
    assert [(r["name"], r["source"], r["default"]) for r in listed["readings"]] == [
        ("default", "default.md", True),
        ("tram", "tram.md", False),
    ]


def test_health_says_what_is_served(client: TestClient) -> None:
    health = client.get("/api/health").json()
    assert health["ok"] is True
    assert (health["reading"], health["build"], health["chunks"]) == ("default", "build-default", 2)


def test_the_page_still_shows_the_default_reading(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
