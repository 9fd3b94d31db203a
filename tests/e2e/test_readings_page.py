"""One server, two readings: each opened by ``?article=NAME``, each embedded in a course page on
another loopback port, each answering from its own article; the picker switches reading and URL."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, REPO, Server, _command, _serve_dir, free_port, running_server

pytestmark = pytest.mark.e2e

OTHER = REPO / "tests" / "data" / "other_article.md"
TRAM = "tram"
OPED = "default"
QUESTIONS = {OPED: "What did Powell say?", TRAM: "How much will the tram line cost?"}
TITLES = {OPED: "“While the news media", TRAM: "Port Ardley Council Backs"}
PHONE = {"width": 390, "height": 844}
INDEX_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def site_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, site_port: int) -> Iterator[Server]:
    """`article-chat serve` with a second reading, indexed first by `article-chat index --name`."""
    home = tmp_path_factory.mktemp("readings-home")
    env = {**os.environ, "ARTICLE_CHAT_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env.pop("ARTICLE_CHAT_ARTICLE", None)
    indexed = subprocess.run(
        [*_command(), "index", str(OTHER), "--name", TRAM],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=INDEX_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    assert indexed.returncode == 0, indexed.stderr[-4000:]
    allowed = {
        "ARTICLE_CHAT_ALLOWED_ORIGINS": f"http://127.0.0.1:{site_port}",
        "ARTICLE_CHAT_INSTRUCTOR_PASSWORD": PASSWORD,
    }
    with running_server(home, allowed) as started:
        yield started


@pytest.fixture(scope="module")
def answers(server: Server) -> dict[str, dict[str, Any]]:
    """Each reading's answer to its question, from the HTTP API (answers are deterministic)."""
    return {
        name: httpx.post(server.url + "api/ask", json={"question": q, "article": name}, timeout=60).json()
        for name, q in QUESTIONS.items()
    }


@pytest.fixture(scope="module")
def course_site(server: Server, site_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A course page per reading (an iframe each) and one with a web component, on the allowed origin."""
    folder = tmp_path_factory.mktemp("course-readings")
    for name in QUESTIONS:
        (folder / f"{name}.html").write_text(
            f'<!doctype html><html><head><meta charset="utf-8"><title>Week: {name}</title></head><body>'
            f'<iframe id="chat" src="{server.url}?article={name}&embed=1" width="400" height="600" '
            'title="Ask the article"></iframe></body></html>',
            encoding="utf-8",
        )
    (folder / "component.html").write_text(
        f'<!doctype html><html><head><meta charset="utf-8"><title>Week: tram</title>'
        f'<script type="module" src="{server.url}gradio.js"></script></head><body><div style="width:400px">'
        f'<gradio-app src="{server.url}?article={TRAM}&embed=1" initial_height="600px"></gradio-app>'
        "</div></body></html>",
        encoding="utf-8",
    )
    yield from _serve_dir(folder, site_port)


def open_page(context: Any, url: str) -> Any:
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.locator("#ac-question textarea").wait_for()
    return page


def ask_in(root: Any, question: str) -> Any:
    """Ask in ``root`` (a page or frame) and wait for the finished answer (chips come with it)."""
    answers = root.locator("#ac-chatbot .ac-answer:not(.ac-pending)")
    before = answers.count()
    box = root.locator("#ac-question textarea")
    box.fill(question)
    box.press("Enter")
    answer = answers.nth(before)
    answer.locator(".ac-chip").first.wait_for()
    return answer


def pick(page: Any, title: str) -> None:
    """Choose a reading by its title in the picker."""
    page.locator("#ac-picker input").click()
    page.get_by_role("option", name=title).first.click()


@pytest.mark.parametrize("name", [OPED, TRAM])
def test_each_reading_embeds_and_answers_from_its_own_article(
    browser: Any, course_site: Any, server: Server, answers: dict[str, dict[str, Any]], name: str
) -> None:
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        page.goto(f"{course_site.url}{name}.html", wait_until="load")
        frame = page.frame_locator("#chat")
        title = frame.locator("#ac-embed-bar .ac-embed-title")
        # The frame shows the default reading until its load event names the one asked for.
        expect(title).to_have_text(re.compile("^" + re.escape(TITLES[name])), timeout=30_000)
        assert frame.locator("#ac-picker").is_hidden(), "no picker in the embed"
        answer = ask_in(frame, QUESTIONS[name])
        expected = answers[name]
        assert expected["article"] == name
        assert expected["citations"][0]["text"] in answer.locator(".ac-text").inner_text()
        other = answers[TRAM if name == OPED else OPED]
        assert other["citations"][0]["text"] not in answer.inner_text(), "not the other reading's answer"
        link = frame.locator("#ac-embed-bar a.ac-open-article")
        assert link.get_attribute("href") == f"{server.url}?article={name}", (
            "the same reading, embed=1 dropped"
        )
    finally:
        context.close()


def test_a_web_component_opens_the_reading_in_its_src(
    browser: Any, course_site: Any, answers: dict[str, dict[str, Any]]
) -> None:
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        page.goto(f"{course_site.url}component.html", wait_until="load")
        title = page.locator("#ac-embed-bar .ac-embed-title")
        title.get_by_text(TITLES[TRAM]).wait_for()
        answer = ask_in(page, QUESTIONS[TRAM])
        assert answers[TRAM]["citations"][0]["text"] in answer.locator(".ac-text").inner_text()
    finally:
        context.close()


def test_the_picker_switches_reading_and_url(
    context: Any, server: Server, answers: dict[str, dict[str, Any]], screenshots: Path
) -> None:
    page = open_page(context, server.url)
    header = page.locator("#ac-header .ac-about")
    header.get_by_text(TITLES[OPED]).wait_for()
    picker = page.locator("#ac-picker")
    picker.wait_for()  # shown once there are two readings
    page.locator("#ac-picker input").click()
    options = page.get_by_role("option")
    options.first.wait_for()
    assert len(options.all_inner_texts()) == 2
    page.mouse.move(5, 5)
    page.wait_for_timeout(500)  # the list's opening animation
    page.screenshot(path=str(screenshots / "readings.png"))
    page.get_by_role("option", name=TITLES[TRAM], exact=False).first.click()
    header.get_by_text(TITLES[TRAM]).wait_for()
    page.wait_for_url(f"{server.url}?article={TRAM}")
    assert page.locator("#ac-article").inner_text().count("Port Ardley") > 0, "the article pane follows"
    answer = ask_in(page, QUESTIONS[TRAM])
    assert answers[TRAM]["citations"][0]["text"] in answer.locator(".ac-text").inner_text()

    page.reload(wait_until="load")  # the reading stays, with its conversation
    header.get_by_text(TITLES[TRAM]).wait_for()
    page.locator("#ac-chatbot .ac-answer").first.wait_for()
    assert answers[TRAM]["citations"][0]["text"] in page.locator("#ac-chatbot").inner_text()

    pick(page, TITLES[OPED])  # back: the op-ed's page, without the tram conversation
    header.get_by_text(TITLES[OPED]).wait_for()
    page.wait_for_url(f"{server.url}?article={OPED}")
    assert page.locator("#ac-chatbot .ac-answer").count() == 0
    assert "Port Ardley" not in page.locator("#ac-article").inner_text()


def test_the_picker_on_a_phone(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(30_000)
    try:
        page = open_page(context, f"{server.url}?article={TRAM}")
        page.locator("#ac-header .ac-about").get_by_text(TITLES[TRAM]).wait_for()
        box = page.locator("#ac-picker").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], "the picker fits"
        assert page.evaluate("() => window.scrollY") == 0, "the page opens at the top"
        pick(page, TITLES[OPED])
        page.locator("#ac-header .ac-about").get_by_text(TITLES[OPED]).wait_for()
        page.wait_for_url(f"{server.url}?article={OPED}")
    finally:
        context.close()


def test_an_unknown_reading_says_so_and_lists_the_readings(context: Any, server: Server) -> None:
    page = context.new_page()
    page.goto(f"{server.url}?article=no-such-reading", wait_until="load")
    notice = page.locator("#ac-header .ac-unknown")
    notice.wait_for()
    assert "no-such-reading" in notice.inner_text()
    assert notice.locator(f'a[href="?article={TRAM}"]').count() == 1
    assert page.locator("#ac-question textarea").is_disabled()
    assert page.locator("#ac-article .ac-para").count() == 0, "no reading's article is shown"


def test_an_instructor_adds_a_reading_and_it_is_in_the_picker(context: Any, server: Server) -> None:
    page = context.new_page()
    page.goto(server.url + "instructor/", wait_until="load")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/instructor/**")
    page.goto(server.url + "instructor/readings", wait_until="load")
    page.locator("#name").fill("Bad Name")
    page.locator("#text").fill("Some text.")
    page.get_by_role("button", name="Add the reading").click()
    page.get_by_text("is not a short slug").wait_for()

    page.locator("#name").fill("tiny")
    page.locator("#file").set_input_files(str(REPO / "tests" / "data" / "tiny_article.md"))
    page.get_by_role("button", name="Add the reading").click()
    page.get_by_text("Added the reading").wait_for(timeout=INDEX_TIMEOUT_S * 1000)
    title = parse_title(REPO / "tests" / "data" / "tiny_article.md")
    for _ in range(20):  # the server reads the catalog again at most every 3 s
        if "tiny" in [r["name"] for r in httpx.get(server.url + "api/readings").json()["readings"]]:
            break
        time.sleep(0.5)
    chat = open_page(context, server.url)
    pick(chat, title)  # in the picker at the next load
    chat.locator("#ac-header .ac-about").get_by_text(title).wait_for()
    chat.wait_for_url(f"{server.url}?article=tiny")


def parse_title(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
