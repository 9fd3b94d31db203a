"""Two replicas, one class: two `article-chat serve` against one `chroma run` and one PostgreSQL.

A question asked on one replica shows in the other's instructor view and export, a browser's
second vote on an answer replaces its first, and the export route refuses anyone without the
instructor's session.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import chroma_server

from .conftest import PASSWORD, Server, free_port, running_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`chroma run` on a free loopback port, its data in a tmp dir; stopped at teardown."""
    with chroma_server(tmp_path_factory.mktemp("chroma-server"), free_port()) as url:
        yield url


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory, chroma_url: str, postgres_server: str
) -> Iterator[tuple[Server, Server]]:
    import psycopg

    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as db:
        db.execute("CREATE DATABASE replicas")
    env = {
        "ARTICLE_CHAT_CHROMA_URL": chroma_url,
        "ARTICLE_CHAT_DATABASE_URL": f"{postgres_server}/replicas",
        "ARTICLE_CHAT_INSTRUCTOR_PASSWORD": PASSWORD,
        "ARTICLE_CHAT_RATE_LIMIT": "off",
    }
    # One after the other: the first builds the index on the Chroma server, the second finds it.
    with (
        running_server(tmp_path_factory.mktemp("replica-1"), env) as first,
        running_server(tmp_path_factory.mktemp("replica-2"), env) as second,
    ):
        yield first, second


def sign_in(context: Any, server: Server) -> Any:
    page = context.new_page()
    page.goto(server.url + "instructor/", wait_until="load")
    page.locator("#ac-password input").fill(PASSWORD)
    page.locator("#ac-unlock").click()
    page.locator("#ac-summary").get_by_text("Questions asked").wait_for()
    return page


def exported(page: Any, kind: str) -> str:
    with page.expect_download() as download:
        page.locator(f"#ac-export-{kind}").click()
    return Path(download.value.path()).read_text(encoding="utf-8")


def test_a_question_on_one_replica_shows_on_the_other(replicas: tuple[Server, Server], context: Any) -> None:
    first, second = replicas
    question = f"What did Powell say about the plan {uuid.uuid4().hex[:6]}?"
    assert httpx.post(first.url + "api/ask", json={"question": question}, timeout=60).status_code == 200
    page = sign_in(context, second)
    assert question in (page.locator("#ac-questions-table").text_content() or "")
    rows = [json.loads(line) for line in exported(page, "jsonl").splitlines()]
    assert [r["question"] for r in rows if r["question"] == question] == [question]
    assert question in exported(page, "csv")


def test_a_browser_voting_twice_counts_once(replicas: tuple[Server, Server], context: Any, ask: Any) -> None:
    first, second = replicas
    question = f"Who is Colin Powell {uuid.uuid4().hex[:6]}?"
    chat = context.new_page()
    chat.goto(first.url, wait_until="load")
    ask(chat, question)
    chat.locator("#ac-chatbot button[aria-label='Like']").last.click()
    chat.get_by_text("your feedback was saved").first.wait_for()
    chat.locator("#ac-chatbot button[aria-label='Dislike']").last.click()
    chat.get_by_text("your feedback was saved").nth(1).wait_for()  # the second vote was stored
    page = sign_in(context, second)
    rows = [json.loads(line) for line in exported(page, "jsonl").splitlines()]
    voted = [(r["up"], r["down"]) for r in rows if r["question"] == question]
    assert voted == [(0, 1)]


def test_exports_refuse_without_the_session(replicas: tuple[Server, Server], context: Any) -> None:
    _, second = replicas
    page = sign_in(context, second)
    link = page.locator("#ac-export-csv").get_attribute("href")
    assert link and link.startswith("export.csv?t=")
    for url in (link, "export.csv", "gradio_api/file=/etc/hostname", "config"):
        refused = httpx.get(second.url + "instructor/" + url, timeout=10)  # no cookie
        assert refused.status_code == 401, url
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies(second.url + "instructor/"))
    allowed = httpx.get(second.url + "instructor/" + link, headers={"Cookie": cookie}, timeout=10)
    assert allowed.status_code == 200 and allowed.text.startswith("id,asked_at")
