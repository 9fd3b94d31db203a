"""Hostile requests to the real server: each gets a clear 4xx JSON, and the server keeps answering."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from gradio_client import Client

from tests.e2e.conftest import running_server
from ui.server import MAX_BODY_BYTES, MAX_REQUEST_BYTES

pytestmark = pytest.mark.e2e

POWELL = {"question": "What did Powell say?", "history": []}


def post(server: Any, path: str, content: bytes | Iterator[bytes], **kwargs: Any) -> httpx.Response:
    headers = {"content-type": "application/json", **kwargs.pop("headers", {})}
    return httpx.post(server.url + path, content=content, headers=headers, timeout=30, **kwargs)


def assert_still_answers(server: Any) -> None:
    response = httpx.post(server.url + "api/ask", json=POWELL, timeout=30)
    assert response.status_code == 200 and response.json()["citations"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"question": "hi", "history": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested 100,001 levels"),
        (b'{"question": ' + b"9" * 5000 + b"}", "5,000-character number"),
        (b'{"question": "\\ud800"}', "invalid character (U+D800"),
        (b'{"question": "hi", "history": [{"role": ["user"], "content": "x"}]}', "role that is list"),
        (b'{"question": "hi", "history": [{"role": {"x": 1}, "content": "x"}]}', "role that is dict"),
        (b'{"question": "caf\xe9?"}', "not UTF-8"),
    ],
)
def test_hostile_json_gets_400_json(server: Any, body: bytes, message: str) -> None:
    response = post(server, "api/ask", body)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_surrogates_in_history_are_cleaned_and_zero_width_stripped(server: Any) -> None:
    history = [{"role": "user", "content": "Who is \ud800?"}, {"role": "assistant", "content": "\udfff"}]
    body = json.dumps({"question": "What did Pow\u200bell say?", "history": history}).encode()
    response = post(server, "api/ask", body)
    assert response.status_code == 200
    assert response.json()["question"] == "What did Powell say?"


def test_a_body_just_past_the_limit_is_413_json(server: Any) -> None:
    response = post(server, "api/ask", b" " * (MAX_BODY_BYTES + 1))
    assert response.status_code == 413 and "256,000" in response.json()["error"]

    def chunks() -> Iterator[bytes]:  # chunked, no Content-Length
        for _ in range(MAX_REQUEST_BYTES // 65_536 + 2):
            yield b" " * 65_536

    for path in ("api/ask", "gradio_api/queue/join", "gradio_api/run/predict"):
        response = post(server, path, chunks())
        assert response.status_code == 413, path
        assert "over the limit" in response.json()["error"]
    assert_still_answers(server)


def test_uploads_are_off(server: Any) -> None:
    files = {"files": ("notes.txt", b"x" * 100_000, "text/plain")}
    for path in ("gradio_api/upload", "instructor/gradio_api/upload"):
        response = httpx.post(server.url + path, files=files, timeout=30)
        assert response.status_code == 403 and "uploads are off" in response.json()["error"]


def call_gradio_ask(server: Any, body: bytes) -> str:
    """Gradio's two-step HTTP API (gradio_client cannot even encode a lone surrogate): the event stream."""
    started = post(server, "gradio_api/call/ask", body)
    assert started.status_code == 200, started.text
    event = started.json()["event_id"]
    return httpx.get(f"{server.url}gradio_api/call/ask/{event}", timeout=30).text


def test_gradio_api_refuses_a_surrogate_and_a_bad_role_with_a_message(server: Any) -> None:
    stream = call_gradio_ask(server, b'{"data": ["What did \\ud800 say?", []]}')
    assert "event: error" in stream and "invalid character" in stream
    stream = call_gradio_ask(server, b'{"data": ["Why?", [{"role": ["user"], "content": "x"}]]}')
    assert "event: error" in stream and "role that is list" in stream
    client = Client(server.url, verbose=False)
    assert (
        client.predict("What did Pow\u200bell say?", [], api_name="/ask")["question"]
        == "What did Powell say?"
    )


def test_dns_rebinding_and_https_origins_are_refused(server: Any) -> None:
    port = server.netloc.rsplit(":", 1)[1]
    rebound = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}
    for path in ("", "instructor/", "api/health", "gradio_api/info"):
        response = httpx.get(server.url + path, headers=rebound, timeout=30)
        assert response.status_code == 400, path
        assert "ARTICLE_CHAT_TRUSTED_HOSTS" in response.json()["error"]
    https = httpx.post(server.url + "api/ask", json=POWELL, headers={"Origin": f"https://{server.netloc}"})
    assert https.status_code == 403


def test_pages_carry_security_headers(server: Any) -> None:
    page = httpx.get(server.url, timeout=30)
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["content-security-policy"].startswith("frame-ancestors 'self'")


@pytest.fixture(scope="module")
def shipped_limit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A server with the rate limit as shipped (the shared one allows the suite more)."""
    with running_server(tmp_path_factory.mktemp("rate-limited-home"), {}) as started:
        yield started


def test_one_address_over_the_rate_limit_gets_429_and_others_do_not(shipped_limit: Any) -> None:
    # Another loopback address stands for another student, so 127.0.0.1 keeps its quota.
    transport = httpx.HTTPTransport(local_address="127.0.0.3")
    with httpx.Client(transport=transport, timeout=30) as student:
        statuses = [
            student.post(shipped_limit.url + "api/ask", json={"question": ""}).status_code for _ in range(30)
        ]
        refused = student.post(shipped_limit.url + "api/ask", json=POWELL)
    assert statuses == [400] * 30, "the default allows a burst of 30 (then one every 2 s)"
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1 and "try again in" in refused.json()["error"]
    assert_still_answers(shipped_limit)
