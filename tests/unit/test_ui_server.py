"""The HTTP layer in-process (Starlette's TestClient, no sockets): /api/ask, errors, origins, CSP."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from bot.errors import InputError
from bot.validate import clean_history, clean_question, parse_json
from index.article import parse_article
from ui.app import ChatDesk, ChatHandlers
from ui.feedback import FeedbackStore
from ui.server import (
    MAX_BODY_BYTES,
    MAX_REQUEST_BYTES,
    ClientTurns,
    RateLimit,
    Tarpit,
    TokenBuckets,
    create_server,
    frame_ancestors,
    host_name,
    same_origin,
    trusted_hosts,
)
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
    settings = Settings(
        home=home,
        allowed_origins=(COURSE,),
        instructor_password="s3cret",
        trusted_hosts=("chat.test",),
        rate_limit="off",  # the rate limit has its own tests
    )
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


def test_pages_carry_frame_ancestors_and_security_headers(client: TestClient) -> None:
    for path in ("/", "/instructor/", "/api/health", "/gradio_api/upload"):
        response = client.get(path)
        assert response.status_code in (200, 403), path
        assert response.headers["content-security-policy"] == f"frame-ancestors 'self' {COURSE}"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"


def test_dns_rebinding_is_refused_before_origins(client: TestClient) -> None:
    # evil.example re-pointed at this server: the browser sends its own name as Host and Origin.
    rebound = {"Host": "evil.example:7860", "Origin": "http://evil.example:7860"}
    for method, path in [("POST", "/api/ask"), ("GET", "/instructor/"), ("GET", "/"), ("GET", "/api/health")]:
        response = client.request(method, path, json={"question": "hi"}, headers=rebound)
        assert response.status_code == 400, path
        assert "ARTICLE_CHAT_TRUSTED_HOSTS" in response.json()["error"]
        assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/api/health", headers={"Host": "localhost:7860"}).status_code == 200
    assert client.get("/api/health", headers={"Host": "[::1]:7860"}).status_code == 200


def test_an_https_origin_is_not_the_same_origin_as_this_http_server(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "hi"}, headers={"Origin": "https://chat.test"})
    assert response.status_code == 403


def test_trusted_hosts_are_loopback_the_bound_address_and_the_setting() -> None:
    assert trusted_hosts(Settings()) == {"127.0.0.1", "localhost", "[::1]"}
    assert trusted_hosts(Settings(host="0.0.0.0")) == {"127.0.0.1", "localhost", "[::1]"}
    assert "10.0.0.5" in trusted_hosts(Settings(host="10.0.0.5"))
    assert "[fe80::1]" in trusted_hosts(Settings(host="fe80::1"))
    assert "chat.example.edu" in trusted_hosts(Settings(trusted_hosts=("Chat.Example.edu:443",)))
    assert host_name("[::1]:7860") == "[::1]" and host_name("Chat.Test:80") == "chat.test"


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
    assert same_origin("http://127.0.0.1:7860", "127.0.0.1:7860", "http")
    assert same_origin("https://chat.example", "chat.example", "https")
    assert same_origin("https://chat.example", "chat.example:443", "https")
    assert same_origin("http://127.0.0.1:7860", "127.0.0.1:7860", "ws")
    assert not same_origin("https://127.0.0.1:7860", "127.0.0.1:7860", "http"), "the scheme counts"
    assert not same_origin("http://chat.example", "chat.example", "https")
    assert not same_origin("http://127.0.0.1:7861", "127.0.0.1:7860", "http")
    assert not same_origin("http://localhost:7860", "127.0.0.1:7860", "http")
    assert not same_origin("null", "127.0.0.1:7860", "http")
    assert not same_origin("http://127.0.0.1:7860", None, "http")


def test_frame_ancestors_lists_self_first() -> None:
    assert frame_ancestors([]) == "frame-ancestors 'self'"
    assert (
        frame_ancestors(["https://a.edu", "http://b:8000"])
        == "frame-ancestors 'self' https://a.edu http://b:8000"
    )


# ---------------------------------------------------------------- hostile input


def deep(n: int) -> bytes:
    return b'{"question": "hi", "history": ' + b"[" * n + b"]" * n + b"}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (deep(100_000), "nested 100,001 levels deep"),
        (b'{"question": ' + b"7" * 5000 + b"}", "5,000-character number"),
        (b'{"question": "hi", "n": NaN}', "NaN"),
        (b'{"question": "caf\xe9"}', "not UTF-8"),
        (b'{"question": "\\ud800"}', "invalid character (U+D800"),
        (b'{"question": "What did \\udcff say?"}', "invalid character"),
        (b'{"question": "hi", "history": [{"role": ["user"], "content": "x"}]}', "role that is list"),
        (b'{"question": "hi", "history": [{"role": {"a": 1}, "content": "x"}]}', "role that is dict"),
        (b'{"question": "hi", "history": [{"role": null, "content": "x"}]}', "role that is NoneType"),
    ],
)
def test_api_ask_hostile_json_gets_400_json(client: TestClient, body: bytes, message: str) -> None:
    response = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]


def test_api_ask_cleans_history_and_zero_width_characters(client: TestClient) -> None:
    history = [
        {"role": "user", "content": "Who is \ud800?"},
        {"role": "assistant", "content": "A\ufeff man."},
    ]
    body = json.dumps({"question": "What did Pow\u200bell say?", "history": history})
    response = client.post("/api/ask", content=body.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json()["question"] == "What did Powell say?"


def run_asgi(
    app: Any, path: str, chunks: Iterator[bytes], *, headers: Sequence[tuple[bytes, bytes]] = ()
) -> tuple[int, dict[str, Any], int]:
    """One POST straight through the ASGI app with a chunked body (no Content-Length).

    Returns the status, the JSON body and how many bytes the app pulled from ``chunks``:
    TestClient reads a streamed body whole before the app sees it, so it cannot show that.
    """
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:7860"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 7860),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body), pulled


def endless(chunk: int = 65_536, limit: int = 50_000_000) -> Iterator[bytes]:
    """A 50 MB body, in chunks; a server that reads it whole pulls all of it."""
    for _ in range(limit // chunk):
        yield b" " * chunk


@pytest.fixture(scope="module")
def app(home: Path) -> Any:
    return create_server(FakeService(), Settings(home=home), stream_delay=0)


def test_api_ask_stops_reading_a_chunked_body_at_the_limit(app: Any) -> None:
    status, body, pulled = run_asgi(app, "/api/ask", endless())
    assert status == 413 and "256,000" in body["error"]
    assert pulled < MAX_BODY_BYTES + 65_536 * 2


@pytest.mark.parametrize(
    "path", ["/gradio_api/queue/join", "/gradio_api/run/predict", "/instructor/gradio_api/queue/join"]
)
def test_gradio_routes_stop_reading_at_the_limit(app: Any, path: str) -> None:
    status, body, pulled = run_asgi(app, path, endless())
    assert status == 413 and f"{MAX_REQUEST_BYTES:,}" in body["error"]
    assert pulled < MAX_REQUEST_BYTES + 65_536 * 2


def test_a_declared_length_over_the_limit_is_refused_before_reading(client: TestClient) -> None:
    headers = {"content-length": str(MAX_REQUEST_BYTES + 1), "content-type": "application/json"}
    response = client.post("/gradio_api/queue/join", content=b"x" * (MAX_REQUEST_BYTES + 1), headers=headers)
    assert response.status_code == 413 and "over the limit" in response.json()["error"]


@pytest.mark.parametrize(
    "path", ["/gradio_api/upload", "/gradio_api/upload/", "/instructor/gradio_api/upload"]
)
def test_uploads_are_off(client: TestClient, path: str) -> None:
    files = {"files": ("a.txt", b"x" * 1000, "text/plain")}
    response = client.post(path, files=files)
    assert response.status_code == 403 and "uploads are off" in response.json()["error"]


def test_chat_handler_with_a_surrogate_warns_and_sends_back_encodable_text(home: Path) -> None:
    handlers = ChatHandlers(
        ChatDesk(FakeService(), FeedbackStore(home / "h.sqlite3")), downloads=home / "dl", stream_delay=0
    )
    with pytest.warns(UserWarning, match="invalid character"):
        box, _ = handlers.submit("What did \ud800 say?", gr.Request(session_hash="tab"))
    box.encode("utf-8")  # Gradio sends this back to the page: it must encode
    with pytest.raises(gr.Error, match="invalid character"):
        handlers.api_ask("\ud800", [])
    with pytest.raises(gr.Error, match="role that is list"):
        handlers.api_ask("hi", [{"role": ["user"], "content": "x"}])


# ---------------------------------------------------------------- fair sharing


def test_token_buckets_refill_per_client_and_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    buckets = TokenBuckets(3, 60.0, clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(20.0), "one question regained every 20 s"
    assert buckets.take("b") == 0.0, "another client has its own bucket"
    now[0] = 20.0
    assert buckets.take("a") == 0.0 and buckets.take("a") > 0
    monkeypatch.setattr("ui.server.MAX_TRACKED_CLIENTS", 100)
    for n in range(1000):
        now[0] += 60.0  # each earlier client has refilled by now
        buckets.take(f"client-{n}")
    assert len(buckets.buckets) <= 102


def test_a_small_burst_then_the_rate_keeps_a_client_from_spending_a_minute_at_once() -> None:
    now = [0.0]
    buckets = TokenBuckets(30, 60.0, burst=5, clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(5)] == [0.0] * 5
    assert buckets.take("a") == pytest.approx(2.0), "then one question every 2 s: still 30 a minute"
    now[0] = 2.0
    assert buckets.take("a") == 0.0 and buckets.take("a") > 0
    now[0] = 600.0
    assert [buckets.take("a") for _ in range(6)].count(0.0) == 5, "never more than the burst saved up"


def test_the_server_takes_its_burst_from_the_settings(home: Path) -> None:
    settings = Settings.from_env(
        {
            "ARTICLE_CHAT_HOME": str(home),
            "ARTICLE_CHAT_RATE_LIMIT_BURST": "2",
            "ARTICLE_CHAT_RATE_LIMIT_HOLD": "0",
        }
    )
    assert settings.rate_limit_burst == 2 and Settings.from_env({}).rate_limit_burst == 30
    limited = TestClient(
        create_server(FakeService(), settings, stream_delay=0), base_url="http://127.0.0.1:7860"
    )
    asks = [limited.post("/api/ask", json={"question": "What did Powell say?"}) for _ in range(3)]
    assert [r.status_code for r in asks] == [200, 200, 429]
    assert asks[2].headers["retry-after"] == "2", "30 a minute: the next one in 2 s"
    with pytest.raises(InputError, match="ARTICLE_CHAT_RATE_LIMIT_BURST must be positive"):
        Settings.from_env({"ARTICLE_CHAT_RATE_LIMIT_BURST": "0"})


def test_questions_over_the_rate_limit_get_429_with_the_wait(home: Path) -> None:
    settings = Settings(home=home, rate_limit="2/minute", rate_limit_hold=0)
    limited = TestClient(
        create_server(FakeService(), settings, stream_delay=0), base_url="http://127.0.0.1:7860"
    )
    asks = [limited.post("/api/ask", json={"question": "What did Powell say?"}) for _ in range(3)]
    assert [r.status_code for r in asks] == [200, 200, 429]
    assert asks[2].headers["retry-after"] == "30"
    assert "(the limit is 2/minute); try again in 30 s" in asks[2].json()["error"]
    for path in ("/gradio_api/queue/join", "/gradio_api/call/ask", "/instructor/gradio_api/queue/join"):
        assert limited.post(path, json={}).status_code == 429, path
    assert limited.get("/api/health").status_code == 200, "pages and health are not questions"
    page_step = limited.post("/gradio_api/run/predict", json={"data": [], "fn_index": 0})
    assert page_step.status_code != 429, "the page's unqueued steps (saving, queuing) are not questions"


def test_an_answer_cannot_be_run_past_the_queue_and_the_rate_limit(home: Path) -> None:
    """/run/predict is not counted as a question, so no answering event may run at /run/..."""
    client = TestClient(
        create_server(FakeService(), Settings(home=home, rate_limit="off"), stream_delay=0),
        base_url="http://127.0.0.1:7860",
    )
    direct = client.post("/gradio_api/run/ask", json={"data": ["What did Powell say?", []]})
    assert direct.status_code == 404, direct.text
    assert "join the queue" in direct.text


def test_a_client_refused_many_times_is_logged_once(home: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(home=home, rate_limit="1/minute", rate_limit_hold=0)
    limited = TestClient(
        create_server(FakeService(), settings, stream_delay=0), base_url="http://127.0.0.1:7860"
    )
    with caplog.at_level("WARNING", logger="article-chat"):
        statuses = [limited.post("/api/ask", json={"question": "Who?"}).status_code for _ in range(6)]
    assert statuses == [200, 429, 429, 429, 429, 429]
    assert [r.getMessage() for r in caplog.records if "rate limit" in r.getMessage()] == [
        "rate limit: testclient refused (the limit is 1/minute)"
    ]


def test_the_chat_queue_is_bounded(home: Path) -> None:
    from ui.app import QUEUE_SIZE, build_app

    chat = build_app(FakeService(), Settings(home=home), stream_delay=0)
    assert chat._queue.max_size == QUEUE_SIZE and QUEUE_SIZE <= 64


def test_serve_times_out_idle_connections_and_shuts_down_promptly(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from ui.server import serve

    async def uvicorn_shutdown(self: Any, sockets: Any = None) -> None:
        pass

    seen: dict[str, Any] = {}

    def uvicorn_run(self: Any, sockets: Any = None) -> None:
        seen["server"], self.started = self, True

    monkeypatch.setattr(uvicorn.Server, "run", uvicorn_run)
    monkeypatch.setattr(uvicorn.Server, "shutdown", uvicorn_shutdown)
    gc.unfreeze()
    try:
        serve(FakeService(), Settings(home=home))
        assert gc.get_freeze_count() > 0, "the start-up heap is frozen: full collections skip it"
    finally:
        gc.unfreeze()
    server = seen["server"]
    assert 0 < server.config.timeout_keep_alive <= 10
    assert 0 < server.config.timeout_graceful_shutdown <= 10, "SIGTERM must not wait for open browser tabs"

    async def held_through_a_shutdown() -> float:
        held = asyncio.create_task(server.config.app.state.tarpit.hold("abuser", 60.0))
        await asyncio.sleep(0.01)
        await server.shutdown()
        return await asyncio.wait_for(held, 1.0)

    assert asyncio.run(held_through_a_shutdown()) < 1.0, "held 429s go out when the server stops"


def test_tarpit_holds_a_refusal_for_the_wait_bounded_per_client_and_in_all() -> None:
    async def scenario() -> tuple[list[float], list[float], float]:
        tarpit = Tarpit(0.2, per_client=2, total=3)
        first = [asyncio.create_task(tarpit.hold("abuser", 30.0)) for _ in range(3)]
        await asyncio.sleep(0.01)
        other = [asyncio.create_task(tarpit.hold(c, 30.0)) for c in ("student", "late")]
        await asyncio.sleep(0.01)
        assert tarpit.held == {"abuser": 2, "student": 1}
        done = await asyncio.gather(*first), await asyncio.gather(*other)
        assert not tarpit.held
        return *done, await tarpit.hold("quick", 0.05)

    abuser, others, short = asyncio.run(scenario())
    assert [round(h, 1) for h in abuser] == [0.2, 0.2, 0.0], (
        "two held for the hold time, the third sent at once"
    )
    assert round(others[0], 1) == 0.2 and others[1] == 0.0, "past the total, sent at once"
    assert 0.04 < short < 0.15, "never longer than the client's wait"


def test_tarpit_is_off_at_zero_and_holds_nothing_once_released() -> None:
    async def scenario() -> tuple[float, float]:
        off = await Tarpit(0.0).hold("abuser", 30.0)
        tarpit = Tarpit(60.0)
        tarpit.release()
        return off, await tarpit.hold("abuser", 30.0)

    assert asyncio.run(scenario()) == (0.0, 0.0)


def test_a_refused_question_is_held_and_its_wait_shortened_by_the_hold() -> None:
    held: list[tuple[str, float]] = []

    class FakeTarpit(Tarpit):
        async def hold(self, client: str, seconds: float) -> float:
            held.append((client, seconds))
            return 10.0

    reached: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])
        await JSONResponse({"ok": True})(scope, receive, send)

    buckets = TokenBuckets(1, 60.0, clock=lambda: 0.0)
    limited = TestClient(RateLimit(inner, buckets=buckets, limit="1/minute", tarpit=FakeTarpit(2.0)))
    asks = [limited.post("/api/ask", json={"question": "Who?"}) for _ in range(2)]
    assert [r.status_code for r in asks] == [200, 429] and reached == ["/api/ask"]
    assert held == [("testclient", 60.0)]
    assert asks[1].headers["retry-after"] == "50", "60 s to wait, 10 of them spent held"
    assert asks[1].headers["x-content-type-options"] == "nosniff"


def asgi_post(app: Any, client: str, path: str = "/api/ask") -> Any:
    """One POST through an ASGI app from ``client``: a coroutine for (status, body)."""

    async def post() -> tuple[int, str]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"{}", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(
            {"type": "http", "method": "POST", "path": path, "client": (client, 1), "headers": []},
            receive,
            send,
        )
        return sent[0]["status"], sent[1]["body"].decode()

    return post()


def test_a_burst_from_one_client_is_answered_one_at_a_time_and_others_go_first() -> None:
    answering: list[str] = []
    answered: list[str] = []
    gates = {"abuser": asyncio.Event(), "student": asyncio.Event()}

    async def answer(scope: Any, receive: Any, send: Any) -> None:
        client = scope["client"][0]
        answering.append(client)
        await gates[client].wait()
        answered.append(client)
        await JSONResponse({"ok": True})(scope, receive, send)

    buckets = TokenBuckets(30, 60.0, clock=lambda: 0.0)
    turns = ClientTurns(per_client=2, total=10)
    limit = RateLimit(answer, buckets=buckets, limit="30/minute", tarpit=Tarpit(0.0), turns=turns)

    async def burst() -> list[tuple[int, str]]:
        asks = [asyncio.create_task(asgi_post(limit, "abuser")) for _ in range(4)]
        await asyncio.sleep(0.01)
        student = asyncio.create_task(asgi_post(limit, "student"))
        await asyncio.sleep(0.01)
        assert answering == ["abuser", "student"], "one of the abuser's at a time; the student at once"
        assert asks[3].done(), "a third waiting from one address is refused"
        gates["student"].set()
        await student
        gates["abuser"].set()
        return list(await asyncio.gather(*asks))

    results = asyncio.run(asyncio.wait_for(burst(), 5.0))
    assert [status for status, _ in results] == [200, 200, 200, 429]
    assert "too many questions at once from your address" in results[3][1]
    assert answered == ["student", "abuser", "abuser", "abuser"]
    assert not turns.busy and not turns.waiting


def test_questions_refused_a_turn_are_logged_once_per_streak(caplog: pytest.LogCaptureFixture) -> None:
    """A refused turn is a click on the page that did nothing: the log must say so, like a rate refusal."""
    gate = asyncio.Event()

    async def answer(scope: Any, receive: Any, send: Any) -> None:
        await gate.wait()
        await JSONResponse({"ok": True})(scope, receive, send)

    buckets = TokenBuckets(30, 60.0, clock=lambda: 0.0)
    turns = ClientTurns(per_client=1, total=10)
    limit = RateLimit(answer, buckets=buckets, limit="30/minute", tarpit=Tarpit(0.0), turns=turns)

    async def burst() -> list[int]:
        asks = [asyncio.create_task(asgi_post(limit, "abuser")) for _ in range(4)]
        await asyncio.sleep(0.01)
        gate.set()
        return [status for status, _ in await asyncio.gather(*asks)]

    with caplog.at_level("WARNING", logger="article-chat"):
        assert asyncio.run(asyncio.wait_for(burst(), 5.0)) == [200, 200, 429, 429]
    assert [r.getMessage() for r in caplog.records if "refused" in r.getMessage()] == [
        "rate limit: abuser refused a turn (too many questions at once)"
    ]


def asgi_get(app: Any, client: str, path: str) -> Any:
    """One GET through an ASGI app from ``client``: a coroutine for its status."""

    async def get() -> int:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": path, "client": (client, 1), "headers": []}
        await app(scope, receive, send)
        return int(sent[0]["status"])

    return get()


def fake_gradio(queued: list[str]) -> Any:
    """Gradio's HTTP API in miniature: POST .../call/ask queues a job, GET .../call/ask/ID streams it."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["method"] == "POST":
            queued.append(scope["client"][0])
            await JSONResponse({"event_id": f"job-{len(queued)}"})(scope, receive, send)
        else:
            await JSONResponse({"streamed": scope["path"]})(scope, receive, send)

    return app


def test_a_gradio_job_keeps_its_address_turn_until_its_stream_is_read() -> None:
    """POST /gradio_api/call/ask answers at once: the turn passes on when the job's stream ends."""
    queued: list[str] = []
    buckets = TokenBuckets(30, 60.0, clock=lambda: 0.0)
    limit = RateLimit(fake_gradio(queued), buckets=buckets, limit="30/minute", tarpit=Tarpit(0.0))
    call = "/gradio_api/call/ask"

    async def scenario() -> None:
        assert (await asgi_post(limit, "abuser", call))[0] == 200
        second = asyncio.create_task(asgi_post(limit, "abuser", call))
        await asyncio.sleep(0.01)
        assert queued == ["abuser"], "the second job waits: the first one's stream is not read yet"
        assert (await asgi_post(limit, "student", call))[0] == 200
        assert queued == ["abuser", "student"], "another address goes at once"
        assert await asgi_get(limit, "abuser", f"{call}/job-1") == 200
        assert (await asyncio.wait_for(second, 1.0))[0] == 200
        assert queued == ["abuser", "student", "abuser"]

    asyncio.run(asyncio.wait_for(scenario(), 5.0))


def test_a_gradio_job_whose_stream_is_never_read_gives_its_turn_back_after_a_while() -> None:
    queued: list[str] = []
    buckets = TokenBuckets(30, 60.0, clock=lambda: 0.0)
    limit = RateLimit(fake_gradio(queued), buckets=buckets, limit="30/minute", tarpit=Tarpit(0.0))
    limit.jobs.timeout_s = 0.01

    async def scenario() -> list[int]:
        first = await asgi_post(limit, "abuser", "/gradio_api/call/ask")
        second = await asyncio.wait_for(asgi_post(limit, "abuser", "/gradio_api/call/ask"), 1.0)
        await asyncio.sleep(0.02)
        return [first[0], second[0]]

    assert asyncio.run(scenario()) == [200, 200]
    assert not limit.jobs.jobs and not limit.turns.busy


def test_a_turn_waited_for_too_long_is_refused() -> None:
    async def scenario() -> list[bool]:
        turns = ClientTurns(timeout_s=0.01)
        first = await turns.enter("abuser")
        second = await turns.enter("abuser")
        turns.leave("abuser")
        return [first, second, await turns.enter("abuser")]

    assert asyncio.run(scenario()) == [True, False, True]


def test_api_ask_parses_json_off_the_event_loop(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting 100,000 brackets takes tens of ms: on the loop, every other client would wait."""
    on_the_loop: list[bool] = []

    def parse(raw: bytes) -> Any:
        try:
            asyncio.get_running_loop()
            on_the_loop.append(True)
        except RuntimeError:  # a worker thread has no loop
            on_the_loop.append(False)
        return parse_json(raw)

    monkeypatch.setattr("ui.server.parse_json", parse)
    assert client.post("/api/ask", json={"question": "Who?"}).status_code == 200
    assert on_the_loop == [False]


def test_the_rate_limit_refuses_before_any_other_check(home: Path) -> None:
    """A refused question costs no host or origin check, body read or Gradio work."""
    app = create_server(
        FakeService(), Settings(home=home, rate_limit="1/minute", rate_limit_hold=0), stream_delay=0
    )
    assert app.user_middleware[0].cls is RateLimit
    limited = TestClient(app, base_url="http://127.0.0.1:7860")
    assert limited.post("/api/ask", json={"question": "Who?"}).status_code == 200
    foreign = {"host": "evil.example", "origin": "http://evil.example"}
    assert limited.post("/api/ask", content=b"x" * 300_000, headers=foreign).status_code == 429


# ---------------------------------------------------------------- a blocked embed explains itself


def framed_from(site: str) -> dict[str, str]:
    """What a browser sends when a page on ``site`` opens the chat in an iframe."""
    return {"sec-fetch-dest": "iframe", "sec-fetch-mode": "navigate", "referer": f"{site}/week3.html"}


def test_a_frame_on_a_site_not_allowed_gets_an_explanation_and_no_chat(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    foreign = "https://elsewhere.example"
    with caplog.at_level(logging.WARNING, logger="article-chat"):
        pages = [client.get("/?embed=1", headers=framed_from(foreign)) for _ in range(3)]
    page = pages[0]
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors *" in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"], "the explanation runs nothing"
    assert foreign in page.text and "ARTICLE_CHAT_ALLOWED_ORIGINS" in page.text
    assert "gradio" not in page.text.lower() and "<script" not in page.text
    logged = [r.getMessage() for r in caplog.records if foreign in r.getMessage()]
    assert len(logged) == 1 and "ARTICLE_CHAT_ALLOWED_ORIGINS" in logged[0], "logged once, not per request"


def test_allowed_and_own_frames_and_plain_visits_get_the_chat(client: TestClient) -> None:
    for headers in (
        framed_from(COURSE),
        framed_from("http://chat.test"),
        {},
        {"referer": "https://x.example/"},
    ):
        page = client.get("/?embed=1", headers=headers)
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == f"frame-ancestors 'self' {COURSE}"
    no_referer = client.get("/?embed=1", headers={"sec-fetch-dest": "iframe"})  # nothing to explain with
    assert no_referer.headers["content-security-policy"] == f"frame-ancestors 'self' {COURSE}"


def test_a_refused_origin_is_logged_once(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    origin = "https://once.example"
    with caplog.at_level(logging.WARNING, logger="article-chat"):
        for _ in range(3):
            assert client.get("/gradio.js", headers={"origin": origin}).status_code == 403
    assert len([r for r in caplog.records if origin in r.getMessage()]) == 1


def test_the_hold_setting_takes_seconds_and_zero_turns_it_off() -> None:
    assert Settings.from_env({}).rate_limit_hold == 2.0
    assert Settings.from_env({"ARTICLE_CHAT_RATE_LIMIT_HOLD": "0"}).rate_limit_hold == 0.0
    assert Settings.from_env({"ARTICLE_CHAT_RATE_LIMIT_HOLD": "0.5"}).rate_limit_hold == 0.5
    with pytest.raises(InputError, match="RATE_LIMIT_HOLD"):
        Settings.from_env({"ARTICLE_CHAT_RATE_LIMIT_HOLD": "-1"})
