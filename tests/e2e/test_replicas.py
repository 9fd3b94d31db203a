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

from .conftest import Server, sign_in, two_replicas

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory, chroma_url: str, postgres_server: str
) -> Iterator[tuple[Server, Server]]:
    with two_replicas(
        tmp_path_factory, chroma_url=chroma_url, postgres_server=postgres_server, database="replicas"
    ) as pair:
        yield pair


def exported(page: Any, kind: str) -> str:
    with page.expect_download() as download:
        page.locator(f"#ac-export-{kind}").click()
    return Path(download.value.path()).read_text(encoding="utf-8")


def test_a_question_on_one_replica_shows_on_the_other(replicas: tuple[Server, Server], context: Any) -> None:
    first, second = replicas
    question = f"What did Powell say about the plan {uuid.uuid4().hex[:6]}?"
    assert httpx.post(first.url + "api/ask", json={"question": question}, timeout=60).status_code == 200
    page = sign_in(context, second.url)
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
    page = sign_in(context, second.url)
    rows = [json.loads(line) for line in exported(page, "jsonl").splitlines()]
    voted = [(r["up"], r["down"]) for r in rows if r["question"] == question]
    assert voted == [(0, 1)]


def test_exports_refuse_without_the_session(replicas: tuple[Server, Server], context: Any) -> None:
    _, second = replicas
    page = sign_in(context, second.url)
    link = page.locator("#ac-export-csv").get_attribute("href")
    assert link and link.startswith("export.csv?t=")
    for url in (link, "export.csv", "gradio_api/file=/etc/hostname", "config"):
        refused = httpx.get(second.url + "instructor/" + url, timeout=10)  # no cookie
        assert refused.status_code == 401, url
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies(second.url + "instructor/"))
    allowed = httpx.get(second.url + "instructor/" + link, headers={"Cookie": cookie}, timeout=10)
    assert allowed.status_code == 200 and allowed.text.startswith("id,asked_at")
