"""Embedding in a course page from another origin: <iframe> and Gradio's <gradio-app>."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

POWELL = "What did Powell say?"


@pytest.fixture(scope="module")
def powell(server: Any) -> dict[str, Any]:
    return httpx.post(server.url + "api/ask", json={"question": POWELL}, timeout=30).json()


@pytest.fixture
def course_page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def check_inline_citation(root: Any, answer: Any, citation: dict[str, Any]) -> None:
    """In the compact layout the article pane is hidden and a citation opens under the answer."""
    assert root.locator("#ac-article-col").is_hidden()
    answer.locator("a.ac-marker").first.click()
    passage = answer.locator(".ac-passage.ac-open")
    passage.wait_for()
    assert citation["text"] in passage.inner_text()


def check_title_and_link(root: Any, server: Any) -> None:
    """The embedded view names the reading and links to the full page, out of the frame."""
    title = root.locator("#ac-embed-bar .ac-embed-title")
    title.wait_for()
    assert title.inner_text().startswith("“While the news media")
    link = root.locator("#ac-embed-bar a.ac-open-article")
    assert link.is_visible() and link.get_attribute("target") == "_blank"
    root.locator("#ac-question textarea").wait_for()
    assert link.get_attribute("href") == server.url, "the full page of the same reading, embed=1 dropped"


def test_iframe_embed_answers_with_citations(
    course_page: Any, course_site: Any, server: Any, ask: Any, powell: dict[str, Any], screenshots: Path
) -> None:
    course_page.goto(course_site.url + "iframe.html", wait_until="load")
    frame = course_page.frame_locator("#chat")
    check_title_and_link(frame, server)
    answer = ask(frame, POWELL)
    check_inline_citation(frame, answer, powell["citations"][0])
    course_page.mouse.move(900, 650)
    course_page.screenshot(path=str(screenshots / "embedded.png"))


def test_web_component_embed_answers_with_citations(
    course_page: Any, course_site: Any, server: Any, ask: Any, powell: dict[str, Any], screenshots: Path
) -> None:
    course_page.goto(course_site.url + "webcomponent.html", wait_until="load")
    check_title_and_link(course_page, server)
    answer = ask(course_page, POWELL)  # <gradio-app> renders into the course page itself
    check_inline_citation(course_page, answer, powell["citations"][0])
    course_page.mouse.move(900, 650)
    course_page.screenshot(path=str(screenshots / "embedded-webcomponent.png"))


def test_origin_not_on_the_allow_list_is_refused(
    course_page: Any, foreign_site: Any, server: Any, screenshots: Path
) -> None:
    blocked: list[str] = []
    course_page.on("response", lambda r: r.status == 403 and blocked.append(r.url))
    course_page.on("requestfailed", lambda r: blocked.append(r.url))

    course_page.goto(foreign_site.url + "iframe.html", wait_until="load")
    frame = next(f for f in course_page.frames if f != course_page.main_frame)
    explanation = frame.locator("body")
    explanation.get_by_text("This chat can't be shown on this site").wait_for()
    text = explanation.inner_text()
    assert foreign_site.origin in text and "ARTICLE_CHAT_ALLOWED_ORIGINS" in text
    assert frame.locator("#ac-question").count() == 0 and frame.locator("script").count() == 0, "no chat"
    course_page.screenshot(path=str(screenshots / "embed-refused.png"))
    course_page.reload(wait_until="load")  # a second visit: no second log line

    course_page.goto(foreign_site.url + "webcomponent.html", wait_until="load")
    assert course_page.evaluate("() => customElements.get('gradio-app') === undefined")
    assert server.url + "gradio.js" in blocked
    assert course_page.locator("#ac-question").count() == 0
    logged = [line for line in server.log.read_text().splitlines() if foreign_site.origin in line]
    assert len(logged) == 1 and "ARTICLE_CHAT_ALLOWED_ORIGINS" in logged[0], logged
