"""The two APIs against the real server: gradio_client's /ask and plain-HTTP POST /api/ask."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

pytestmark = pytest.mark.e2e

POWELL = "What did Powell say?"


def assert_cited(result: dict[str, Any]) -> None:
    assert not result["refused"]
    assert result["citations"], result
    for citation in result["citations"]:
        assert f"[{citation['n']}]" in result["answer"]
        assert citation["text"] in result["answer"]
        assert citation["end"] - citation["start"] == len(citation["text"])


@pytest.fixture(scope="module")
def client(server: Any) -> Client:
    return Client(server.url, verbose=False)


def test_gradio_client_ask_returns_cited_answer(client: Client, server: Any) -> None:
    result = client.predict(POWELL, [], api_name="/ask")
    assert_cited(result)
    assert "Powell" in result["citations"][0]["text"]
    plain = httpx.post(server.url + "api/ask", json={"question": POWELL, "history": []}, timeout=30).json()
    assert {k: v for k, v in result.items() if k != "timings_ms"} == {
        k: v for k, v in plain.items() if k != "timings_ms"
    }, "both APIs return the same object"


def test_gradio_client_follow_up_uses_history(client: Client) -> None:
    first = client.predict(POWELL, [], api_name="/ask")
    history = [{"role": "user", "content": POWELL}, {"role": "assistant", "content": first["answer"]}]
    result = client.predict("What did he oppose?", history, api_name="/ask")
    assert result["query"] != result["question"], "the follow-up is rewritten with the earlier turn"
    assert set(result) >= {"question", "query", "answer", "refused", "citations", "closest", "timings_ms"}


def test_gradio_client_bad_question_is_an_error(client: Client) -> None:
    with pytest.raises(AppError, match="empty"):
        client.predict("   ", [], api_name="/ask")


def test_http_api_returns_cited_answers(server: Any) -> None:
    result = httpx.post(server.url + "api/ask", json={"question": POWELL}, timeout=30)
    assert result.status_code == 200
    assert_cited(result.json())
    refused = httpx.post(
        server.url + "api/ask", json={"question": "What is the weather in Paris?"}, timeout=30
    )
    body = refused.json()
    assert refused.status_code == 200 and body["refused"] and body["citations"] == []


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"content": b"{not json"}, 400, "must be JSON"),
        ({"json": {"history": []}}, 400, '"question"'),
        ({"json": {"question": ""}}, 400, "empty"),
        ({"json": {"question": "x" * 2001}}, 400, "over the limit"),
        ({"json": {"question": "hi", "history": [{"role": "robot", "content": "x"}]}}, 400, "role"),
    ],
)
def test_http_api_bad_requests_get_4xx_json(server: Any, kwargs: dict, status: int, message: str) -> None:
    response = httpx.post(server.url + "api/ask", timeout=30, **kwargs)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert message in response.json()["error"]


def test_http_api_origin_allow_list(server: Any, course_port: int) -> None:
    course = f"http://127.0.0.1:{course_port}"
    allowed = httpx.post(
        server.url + "api/ask", json={"question": POWELL}, headers={"Origin": course}, timeout=30
    )
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == course
    foreign = httpx.post(
        server.url + "api/ask",
        json={"question": POWELL},
        headers={"Origin": "http://127.0.0.1:9"},
        timeout=30,
    )
    assert foreign.status_code == 403 and "not allowed" in foreign.json()["error"]
    page = httpx.get(server.url, timeout=30)
    assert page.headers["content-security-policy"] == f"frame-ancestors 'self' {course}"
