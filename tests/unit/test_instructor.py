"""The instructor gate: login once, a signed session cookie, throttled guesses, expiring exports."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ui.feedback import FeedbackStore
from ui.instructor import (
    EXPORT_LINK_TTL_S,
    FREE_ATTEMPTS,
    SESSION_COOKIE,
    InstructorAccess,
    InstructorGate,
    InstructorPage,
    LoginThrottle,
)
from ui.settings import Settings

PASSWORD = "s3cret-instructor"


def answer(question: str, *, refused: bool = False) -> dict[str, Any]:
    return {"question": question, "query": question, "answer": "a", "refused": refused, "citations": []}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FeedbackStore]:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    store.record_question(answer("What did Powell say?"), source="web")
    yield store
    store.close()


def export_links(store: FeedbackStore, access: InstructorAccess, reading: str | None = None) -> str:
    return InstructorPage(store, access, embed=unused).links(reading)


def unused(texts: list[str]) -> list[list[float]]:
    raise AssertionError("export links need no embeddings")


def gated(store: FeedbackStore, root_path: str = "", **settings: Any) -> tuple[TestClient, InstructorAccess]:
    """The gate in front of a stand-in for the Gradio page (any path under /instructor/ answers "page")."""
    access = InstructorAccess(Settings(**settings), store)

    async def page(request: Any) -> PlainTextResponse:
        return PlainTextResponse("page")

    app = Starlette(routes=[Route("/instructor/{rest:path}", page), Route("/", page)])
    wrapped = InstructorGate(app, access=access, store=store)
    client = TestClient(wrapped, base_url="http://127.0.0.1", root_path=root_path)  # type: ignore[arg-type]
    return client, access


@pytest.fixture
def client(store: FeedbackStore) -> TestClient:
    return gated(store, instructor_password=PASSWORD)[0]


def login(client: TestClient, password: str = PASSWORD) -> Any:
    return client.post("/instructor/login", data={"password": password}, follow_redirects=False)


def test_without_a_session_nothing_under_instructor_answers(client: TestClient) -> None:
    page = client.get("/instructor/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/instructor/login"
    for path in ("/instructor/config", "/instructor/gradio_api/file=/tmp/x.csv", "/instructor/export.csv"):
        assert client.get(path).status_code == 401, path
    assert client.post("/instructor/gradio_api/queue/join", json={}).status_code == 401
    assert client.get("/").text == "page"  # the chat is not behind the gate


def test_the_password_is_asked_once_and_kept_in_a_signed_cookie(client: TestClient) -> None:
    assert 'name="password"' in client.get("/instructor/login").text
    wrong = login(client, "guess")
    assert wrong.status_code == 401 and "Wrong password" in wrong.text and SESSION_COOKIE not in wrong.cookies
    right = login(client)
    assert right.status_code == 303 and right.headers["location"] == "./"
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=28800" in cookie
    assert "Path=/instructor" in cookie and PASSWORD not in cookie
    assert client.get("/instructor/").text == "page"  # the cookie is sent from now on
    assert client.get("/instructor/gradio_api/info").text == "page"
    client.cookies.set(SESSION_COOKIE, "instructor.forged.signature")
    assert client.get("/instructor/gradio_api/info").status_code == 401


def test_a_session_from_another_replica_on_the_same_database_is_accepted(store: FeedbackStore) -> None:
    first, _ = gated(store, instructor_password=PASSWORD)
    second, _ = gated(
        FeedbackStore(store.url.render_as_string(hide_password=False)), instructor_password=PASSWORD
    )
    login(first)
    second.cookies.set(SESSION_COOKIE, first.cookies[SESSION_COOKIE])
    assert second.get("/instructor/").text == "page"
    other, _ = gated(store, instructor_password=PASSWORD, secret="another secret")
    other.cookies.set(SESSION_COOKIE, first.cookies[SESSION_COOKIE])
    assert other.get("/instructor/gradio_api/info").status_code == 401


def test_changing_the_password_signs_everyone_out(store: FeedbackStore) -> None:
    before, _ = gated(store, instructor_password=PASSWORD)
    login(before)
    after, _ = gated(store, instructor_password="a new password")
    after.cookies.set(SESSION_COOKIE, before.cookies[SESSION_COOKIE])
    assert after.get("/instructor/gradio_api/info").status_code == 401


def test_exports_need_the_session_and_a_fresh_link(store: FeedbackStore) -> None:
    client, access = gated(store, instructor_password=PASSWORD)
    store.record_question(answer("=cmd()", refused=True), source="api")
    links = dict(re.findall(r'href="export\.(\w+)\?t=([^"]+)"', export_links(store, access)))
    assert client.get(f"/instructor/export.csv?t={links['csv']}").status_code == 401  # no session
    login(client)
    exported = client.get(f"/instructor/export.csv?t={links['csv']}")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"].startswith('attachment; filename="questions-')
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["question"] for r in rows] == ["'=cmd()", "What did Powell say?"]
    jsonl = client.get(f"/instructor/export.jsonl?t={links['jsonl']}")
    assert jsonl.status_code == 200 and jsonl.text.count("\n") == 2
    assert client.get(f"/instructor/export.jsonl?t={links['csv']}").status_code == 410  # csv's token
    assert client.get("/instructor/export.csv").status_code == 410
    later = access.links.get_timestamp() + EXPORT_LINK_TTL_S + 1
    access.links.get_timestamp = lambda: later  # type: ignore[method-assign]
    expired = client.get(f"/instructor/export.csv?t={links['csv']}")
    assert expired.status_code == 410 and "expired" in expired.json()["error"]


def test_wrong_passwords_are_throttled_and_logged_without_the_password(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="article-chat"):
        for attempt in range(FREE_ATTEMPTS):
            assert login(client, f"guess-{attempt}").status_code == 401
        throttled = login(client)  # even the right password waits now
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) >= 1
    assert "Too many wrong passwords" in throttled.text
    failures = [r.getMessage() for r in caplog.records]
    assert len(failures) == FREE_ATTEMPTS
    assert all("instructor login failed from testclient at 20" in m for m in failures)
    assert not any("guess" in m for m in failures)


def test_the_wait_doubles_and_a_success_resets_it() -> None:
    now = [100.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(FREE_ATTEMPTS):
        assert throttle.wait("a") == 0
        throttle.failed("a")
    first = throttle.wait("a")
    throttle.failed("a")
    assert first > 0 and throttle.wait("a") == 2 * first
    assert throttle.wait("b") == 0  # per client
    now[0] += 3600
    assert throttle.wait("a") == 0
    throttle.succeeded("a")
    throttle.failed("a")
    assert throttle.wait("a") == 0


def test_no_password_on_a_public_address_keeps_the_view_closed(store: FeedbackStore) -> None:
    client, _ = gated(store, host="0.0.0.0")
    for path in ("/instructor/", "/instructor/login", "/instructor/gradio_api/info"):
        refused = client.get(path)
        assert refused.status_code == 403 and "ARTICLE_CHAT_INSTRUCTOR_PASSWORD" in refused.text
    open_client, access = gated(store, host="127.0.0.1")
    assert open_client.get("/instructor/").text == "page"
    csv_link = re.search(r'href="(export\.csv\?t=[^"]+)"', export_links(store, access))
    assert csv_link and open_client.get("/instructor/" + csv_link.group(1)).status_code == 200


def test_database_and_secret_settings_from_env() -> None:
    env = {"ARTICLE_CHAT_DATABASE_URL": "postgresql://chat@db/chat", "ARTICLE_CHAT_SECRET": "x" * 40}
    settings = Settings.from_env(env)
    assert settings.database == "postgresql://chat@db/chat" and settings.secret == "x" * 40
    assert Settings.from_env({"ARTICLE_CHAT_HOME": "/srv/c"}).database == Path("/srv/c/feedback.sqlite3")


def test_behind_a_proxy_prefix_redirects_and_cookies_keep_the_prefix(store: FeedbackStore) -> None:
    client, _ = gated(store, root_path="/chat", instructor_password=PASSWORD)
    page = client.get("/instructor/", follow_redirects=False)
    assert page.headers["location"] == "/chat/instructor/login"
    signed_in = login(client)
    assert "Path=/chat/instructor" in signed_in.headers["set-cookie"]
    # The browser asks for /chat/instructor/; the test client's URLs lack the prefix, so send it by hand.
    session = {"Cookie": f"{SESSION_COOKIE}={signed_in.cookies[SESSION_COOKIE]}"}
    assert client.get("/instructor/", headers=session).text == "page"


def test_root_path_from_env() -> None:
    assert Settings.from_env({"ARTICLE_CHAT_ROOT_PATH": "/chat/"}).root_path == "/chat"
    assert Settings.from_env({}).root_path == ""


def test_the_server_puts_the_whole_instructor_app_behind_the_gate(tiny_service: Any, tmp_path: Path) -> None:
    from ui.server import create_server

    settings = Settings(home=tmp_path, instructor_password=PASSWORD, rate_limit="off")
    client = TestClient(create_server(tiny_service, settings, stream_delay=0), base_url="http://127.0.0.1")
    for path in ("/instructor/config", "/instructor/gradio_api/file=/etc/hostname", "/instructor/export.csv"):
        assert client.get(path).status_code == 401, path
    assert client.get("/config").status_code == 200  # the chat page stays open
    login(client)
    config = client.get("/instructor/config")
    assert config.status_code == 200 and "ac-questions-table" in config.text
