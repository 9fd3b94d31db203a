"""The chat page in headless Chromium: cited answers, highlighted passages, text-only rendering."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from ui.feedback import FeedbackStore

pytestmark = pytest.mark.e2e

POWELL = "What did Powell say?"


@pytest.fixture(scope="module")
def powell(server: Any) -> dict[str, Any]:
    """The answer the page must show, from the plain-HTTP API (answers are deterministic)."""
    return httpx.post(server.url + "api/ask", json={"question": POWELL}, timeout=30).json()


def open_chat(context: Any, server: Any, *, path: str = "") -> tuple[Any, list[str]]:
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(server.url + path, wait_until="load")  # not networkidle: Gradio keeps a stream open
    page.locator("#ac-question textarea").wait_for()
    return page, requests


def test_cited_answer_click_highlights_passage(
    context: Any, server: Any, ask: Any, powell: dict[str, Any], screenshots: Path
) -> None:
    page, requests = open_chat(context, server)
    assert page.locator("#ac-article").get_attribute("open") is not None, (
        "the article pane is open on desktop"
    )
    answer = ask(page, POWELL)
    citation = powell["citations"][0]
    marker = answer.locator("a.ac-marker").first
    assert marker.inner_text() == "[1]"
    assert citation["text"] in answer.locator(".ac-text").inner_text()

    marker.click()
    mark = page.locator("#ac-article mark.ac-hl")
    mark.first.wait_for()
    assert "".join(mark.all_inner_texts()) == citation["text"], "exactly [start, end) is highlighted"
    assert page.locator(f"#ac-p-{citation['paragraph']} mark.ac-hl").count() == 1
    page.wait_for_timeout(700)  # smooth scrolling
    pane = page.locator("#ac-article-scroll").bounding_box()
    box = mark.first.bounding_box()
    assert pane and box and pane["y"] <= box["y"] and box["y"] + box["height"] <= pane["y"] + pane["height"]

    page.mouse.move(5, 5)
    page.screenshot(path=str(screenshots / "desktop.png"))
    marker.hover()
    card = page.locator(".ac-card")
    card.wait_for()
    assert card.inner_text() == f"¶{citation['paragraph']}: {citation['text']}"

    marker.click()
    assert not card_shown(page), "the card goes away after a click"
    page.mouse.move(5, 5)
    answer.locator("a.ac-chip").first.click()  # the chip under the answer does the same
    assert "".join(mark.all_inner_texts()) == citation["text"]
    assert all(urlsplit(url).netloc == server.netloc for url in requests if url.startswith("http")), requests


def test_refused_answer_shows_closest_passages(context: Any, server: Any, ask: Any) -> None:
    page, _ = open_chat(context, server)
    answer = ask(page, "What is the weather in Paris?")
    assert "ac-refused" in (answer.get_attribute("class") or "")
    assert answer.locator(".ac-text").inner_text().startswith("The article doesn't say")
    assert "Closest passages" in (answer.locator(".ac-closests .ac-label").text_content() or "")
    assert answer.locator(".ac-sources").count() == 0, "closest passages are not shown as support"


def test_answer_streams_in(context: Any, server: Any) -> None:
    page, _ = open_chat(context, server)
    box = page.locator("#ac-question textarea")
    box.fill("What did Rumsfeld say?")
    box.press("Enter")
    page.locator("#ac-chatbot .ac-answer .ac-caret").first.wait_for()  # part of the answer, still typing
    answer = page.locator("#ac-chatbot .ac-answer:not(.ac-pending)").last
    answer.locator(".ac-chip").first.wait_for()
    assert answer.locator(".ac-caret").count() == 0
    assert "Rumsfeld" in answer.locator(".ac-text").inner_text()


def test_follow_up_shows_searched_for(context: Any, server: Any, ask: Any) -> None:
    page, _ = open_chat(context, server)
    ask(page, POWELL)
    answer = ask(page, "What did he oppose?")
    assert answer.locator(".ac-searched").inner_text().startswith("Searched for:")


def test_markup_in_a_question_is_text_and_runs_nothing(context: Any, server: Any, ask: Any) -> None:
    page, _ = open_chat(context, server)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    question = (
        "<img src=x onerror=\"window.__pwned=1;alert('xss')\"><script>window.__pwned=2</script> "
        "What did Powell say?"
    )
    ask(page, question)
    bubble = page.locator("#ac-chatbot .ac-q").last
    assert bubble.inner_text() == question
    assert page.locator("#ac-chatbot img[src='x'], #ac-chatbot script").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []


def test_starter_questions_come_from_the_article(context: Any, server: Any) -> None:
    page, _ = open_chat(context, server)
    starters = page.locator("#ac-chatbot .example")  # Gradio's example buttons in the empty chat
    starters.first.wait_for()
    texts = starters.all_inner_texts()
    assert any("Powell" in t for t in texts), texts
    starters.filter(has_text="Powell").first.click()
    page.locator("#ac-chatbot .ac-answer .ac-chip").first.wait_for()


def test_feedback_and_markdown_download(context: Any, server: Any, ask: Any, powell: dict[str, Any]) -> None:
    store = FeedbackStore(server.home / "feedback.sqlite3")
    before = store.summary()
    page, _ = open_chat(context, server)
    ask(page, POWELL)
    page.locator("#ac-chatbot button[aria-label='Like']").last.click()
    page.get_by_text("your feedback was saved").wait_for()
    assert store.summary()["up"] == before["up"] + 1
    assert store.summary()["asked"] > before["asked"]

    with page.expect_download() as download:
        page.locator("#ac-download").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    citation = powell["citations"][0]
    assert text.startswith("# Conversation about “While the news media")
    assert f"## 1. {POWELL}" in text
    assert f"> [1] ¶{citation['paragraph']} (characters {citation['start']}–{citation['end']}): " in text


def test_narrow_screen_folds_the_article(browser: Any, server: Any, ask: Any, screenshots: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(server.url, wait_until="load")
        page.locator("#ac-question textarea").wait_for()
        page.wait_for_function("() => !document.querySelector('#ac-article').open")
        page.wait_for_timeout(500)
        assert page.evaluate("window.scrollY") == 0, "the page opens at the top"
        assert in_view(page, page.locator(".ac-h1")), "the header is visible"
        answer = ask(page, POWELL)
        answer.locator("a.ac-marker").first.tap()
        passage = answer.locator(".ac-passage.ac-open")
        passage.wait_for()
        assert "Powell" in passage.inner_text()
        assert not card_shown(page), "the hover card goes away after a tap"
        page.screenshot(path=str(screenshots / "narrow.png"), full_page=True)

        page.locator("#ac-article summary").tap()  # the student opens the article, then taps [1]
        marker = answer.locator("a.ac-marker").first
        marker.scroll_into_view_if_needed()
        marker.tap()
        mark = page.locator("#ac-article mark.ac-hl").first
        page.wait_for_timeout(1200)  # smooth scrolling, of the pane and of the page
        assert in_view(page, mark), "the highlighted passage is scrolled into view"
        assert not card_shown(page)
    finally:
        context.close()


def in_view(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return bool(box) and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


def card_shown(page: Any) -> bool:
    return bool(page.evaluate("() => [...document.querySelectorAll('.ac-card')].some(c => c.offsetParent)"))


def test_instructor_page_needs_password_and_exports(
    context: Any, server: Any, instructor_password: str, screenshots: Path
) -> None:
    httpx.post(server.url + "api/ask", json={"question": "What is the weather in Paris?"}, timeout=30)
    page = context.new_page()
    page.goto(server.url + "instructor/", wait_until="load")
    password = page.locator("#ac-password input")
    password.wait_for()
    summary = page.locator("#ac-summary")
    assert summary.is_hidden()
    password.fill("wrong")
    page.locator("#ac-unlock").click()
    page.get_by_text("Wrong password").first.wait_for()
    assert summary.is_hidden()

    password.fill(instructor_password)
    page.locator("#ac-unlock").click()
    page.get_by_text("questions asked").wait_for()
    assert "refused" in summary.inner_text()
    assert "What is the weather in Paris?" in (page.locator("#ac-refused-table").text_content() or "")
    assert "What is the weather in Paris?" in (page.locator("#ac-questions-table").text_content() or "")
    page.screenshot(path=str(screenshots / "instructor.png"))
    with page.expect_download() as download:
        page.locator("#ac-export-csv").click()
    assert "What is the weather in Paris?" in Path(download.value.path()).read_text(encoding="utf-8")
    with page.expect_download() as download:
        page.locator("#ac-export-jsonl").click()
    assert '"refused": true' in Path(download.value.path()).read_text(encoding="utf-8")


def test_a_question_sent_while_an_answer_streams_is_asked_next(context: Any, server: Any) -> None:
    page, _ = open_chat(context, server)
    page.evaluate(
        """() => new MutationObserver(() => {
             if (document.querySelector('#ac-queued .ac-queued')) window.__sawQueued = true;
           }).observe(document.body, {childList: true, subtree: true})"""
    )
    box = page.locator("#ac-question textarea")
    box.fill("What did Rumsfeld say?")
    box.press("Enter")
    page.locator("#ac-chatbot .ac-answer").first.wait_for()  # the first answer is on its way
    box.fill(POWELL)
    box.press("Enter")
    page.wait_for_function("() => document.querySelector('#ac-question textarea').value === ''")
    box.fill("half typed")  # typed while the answers stream: never cleared
    answers = page.locator("#ac-chatbot .ac-answer:not(.ac-pending)")
    answers.nth(1).locator(".ac-chip").first.wait_for()
    assert page.locator("#ac-chatbot .ac-q").all_inner_texts() == ["What did Rumsfeld say?", POWELL]
    assert "Powell" in answers.nth(1).locator(".ac-text").inner_text()
    assert box.input_value() == "half typed"
    assert page.evaluate("() => window.__sawQueued === true"), "it was shown as waiting its turn"
    assert page.locator("#ac-queued .ac-queued").count() == 0, "and the waiting line went when it was asked"


def test_the_conversation_survives_a_reload_and_can_be_cleared(context: Any, server: Any, ask: Any) -> None:
    page, _ = open_chat(context, server)
    ask(page, POWELL)
    page.wait_for_timeout(500)  # the browser stores it after the answer
    page.reload(wait_until="load")
    restored = page.locator("#ac-chatbot .ac-answer .ac-chip")
    restored.first.wait_for()
    assert page.locator("#ac-chatbot .ac-q").all_inner_texts() == [POWELL]
    page.locator("#ac-chatbot a.ac-marker").first.click()
    page.locator("#ac-article mark.ac-hl").first.wait_for()  # its citations still work
    assert page.locator("#ac-download").is_enabled()

    page.locator("#ac-clear").click()
    page.locator("#ac-chatbot .ac-q").first.wait_for(state="detached")
    page.reload(wait_until="load")
    page.locator("#ac-question textarea").wait_for()
    page.locator("#ac-chatbot .example").first.wait_for()  # the empty chat's starters
    page.wait_for_timeout(1000)
    assert page.locator("#ac-chatbot .ac-q").count() == 0, "a cleared conversation stays cleared"
