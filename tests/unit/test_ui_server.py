"""The HTTP layer in-process (Starlette's TestClient, no sockets): /api/ask, errors, origins, CSP."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.validate import clean_history, clean_question
from index.article import parse_article
from ui.feedback import FeedbackStore
from ui.server import create_server, frame_ancestors, same_origin
from ui.settings import Settings

COURSE = "https://course.example.edu"
TEXT = "Colin Powell said no to the plan.\n\nRumsfeld said yes.\n"


class FakeService:
    def __init__(self) -> None:
        self.article = parse_article(TEXT, source="fake.md")

    def starters(self, n: int = 4) -> list[str]:
        return ["What did Powell say?"]

    def ask(self, question: str, history: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
        question = clean_question(question)
        clean_history(list(history))
        text = "Colin Powell said no to the plan."
        citation = {"n": 1, "paragraph": 1, "start": 0, "end": len(text), "text": text}
        return {
            "question": question,
            "query": question,
            "answer": f"{text} [1]",
            "refused": False,
            "citations": [citation],
            "closest": [],
            "timings_ms": {"total": 1.0},
        }


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def client(home: Path) -> TestClient:
    settings = Settings(home=home, allowed_origins=(COURSE,), instructor_password="s3cret")
    return TestClient(create_server(FakeService(), settings, stream_delay=0), base_url="http://chat.test")


def test_api_ask_returns_the_contract(client: TestClient, home: Path) -> None:
    response = client.post("/api/ask", json={"question": "What did Powell say?", "history": []})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"question", "query", "answer", "refused", "citations", "closest", "timings_ms"}
    assert body["citations"][0]["text"] == "Colin Powell said no to the plan."
    assert FeedbackStore(home / "feedback.sqlite3").questions()[0]["source"] == "api"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"not json", 400, "must be JSON"),
        (b"[1, 2]", 400, '"question"'),
        (b'{"history": []}', 400, '"question"'),
        (b'{"question": ""}', 400, "empty"),
        (b'{"question": 42}', 400, "must be text"),
        (b'{"question": "hi\\u0007there"}', 400, "control character"),
        (b'{"question": "' + b"x" * 2001 + b'"}', 400, "over the limit"),
        (b'{"question": "hi", "history": "oops"}', 400, "history must be a list"),
        (b'{"question": "hi", "history": [{"role": "robot", "content": "x"}]}', 400, "role"),
        (b'{"question": "' + b"x" * 300_000 + b'"}', 413, "over the limit"),
    ],
)
def test_api_ask_bad_requests_get_4xx_json(
    client: TestClient, body: bytes, status: int, message: str
) -> None:
    response = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert message in response.json()["error"]


def test_api_ask_wrong_method(client: TestClient) -> None:
    response = client.get("/api/ask")
    assert response.status_code == 405 and "POST" in response.json()["error"]


def test_foreign_origin_is_refused_with_json(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "hi"}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "ARTICLE_CHAT_ALLOWED_ORIGINS" in response.json()["error"]
    preflight = client.options(
        "/api/ask", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 403


def test_allowed_and_same_origin_pass(client: TestClient) -> None:
    allowed = client.post("/api/ask", json={"question": "hi"}, headers={"Origin": COURSE})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == COURSE
    same = client.post("/api/ask", json={"question": "hi"}, headers={"Origin": "http://chat.test"})
    assert same.status_code == 200
    preflight = client.options(
        "/api/ask", headers={"Origin": COURSE, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == COURSE


def test_pages_carry_frame_ancestors(client: TestClient) -> None:
    for path in ("/", "/instructor/", "/api/health"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == f"frame-ancestors 'self' {COURSE}"


def test_serves_gradio_web_component_loader(client: TestClient) -> None:
    response = client.get("/gradio.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "import(" in response.text


def test_instructor_without_slash_redirects(client: TestClient) -> None:
    response = client.get("/instructor", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "instructor/"
    assert client.get("/instructor").status_code == 200


def test_health(client: TestClient) -> None:
    assert client.get("/api/health").json() == {
        "ok": True,
        "article": "fake.md",
        "paragraphs": 2,
        "answerer": "extractive",
    }


def test_same_origin_rules() -> None:
    assert same_origin("http://127.0.0.1:7860", "127.0.0.1:7860")
    assert same_origin("https://chat.example", "chat.example")
    assert same_origin("https://chat.example", "chat.example:443")
    assert not same_origin("http://127.0.0.1:7861", "127.0.0.1:7860")
    assert not same_origin("http://localhost:7860", "127.0.0.1:7860")
    assert not same_origin("null", "127.0.0.1:7860")
    assert not same_origin("http://127.0.0.1:7860", None)


def test_frame_ancestors_lists_self_first() -> None:
    assert frame_ancestors([]) == "frame-ancestors 'self'"
    assert (
        frame_ancestors(["https://a.edu", "http://b:8000"])
        == "frame-ancestors 'self' https://a.edu http://b:8000"
    )
