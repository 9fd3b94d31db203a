"""The chat page's rendering and handlers, with a fake service: no model, no network."""

from __future__ import annotations

import json
import os
import re

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import time
from collections.abc import Iterator, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from bot.chain import StreamDelta
from bot.library import Library
from bot.validate import clean_history, clean_question
from index.article import parse_article
from ui.app import MAX_QUEUED, ChatDesk, ChatHandlers, ReadingPage, build_app, conversation_key, prune
from ui.feedback import FeedbackStore
from ui.instructor import InstructorAccess, InstructorPage, build_instructor, password_ok
from ui.render import (
    conversation_markdown,
    history_of,
    render_answer,
    render_article,
    render_embed_bar,
    render_header,
    render_question,
    render_queued,
    stream_prefixes,
)
from ui.settings import Settings

ARTICLE = (
    "# A <script>alert('title')</script> Title\n\n"
    "By Jane Roe\n\n"
    "Colin Powell said “no” to the plan. He added <b>more</b> later.\n\n"
    "Rumsfeld 🙂 said yes.\r\nThen the plan & the war went on.\n"
)


class FakeService:
    """Answers from the fake article by string search; validates like the real one."""

    def __init__(self, text: str = ARTICLE, *, source: str = "fake.md") -> None:
        self.article = parse_article(text, source=source)
        self.calls: list[tuple[str, list[dict[str, str]]]] = []

    def starters(self, n: int = 4) -> list[str]:
        return ["What did Powell say?", "What did Rumsfeld say?"][:n]

    def cite(self, n: int, sentence: str) -> dict[str, Any]:
        start = self.article.text.index(sentence)
        paragraph = next(p.number for p in self.article.paragraphs if p.start <= start < p.end)
        return {
            "n": n,
            "paragraph": paragraph,
            "start": start,
            "end": start + len(sentence),
            "text": sentence,
        }

    def ask(self, question: str, history: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
        question = clean_question(question)
        history = clean_history(list(history))
        self.calls.append((question, history))
        query = f"{question} (Powell)" if history else question
        if "Paris" in question:
            closest = [self.cite(1, "Then the plan & the war went on.")]
            return self._result(question, query, "The article doesn't say.", True, [], closest)
        citations = [
            self.cite(1, "Colin Powell said “no” to the plan."),
            self.cite(2, "Rumsfeld 🙂 said yes."),
        ]
        answer = f"{citations[0]['text']} [1] {citations[1]['text']} [2] <img src=x onerror=alert(1)> [9]"
        return self._result(question, query, answer, False, citations, [])

    def stream(self, question: str, history: Sequence[dict[str, str]] = ()) -> Iterator[Any]:
        """The answer word by word, as a model would write it, then the answer object."""
        result = self.ask(question, history)
        for word in re.findall(r"\S+\s*", result["answer"]):
            yield StreamDelta(word, result["citations"])
        yield result

    @staticmethod
    def _result(
        question: str, query: str, answer: str, refused: bool, citations: list, closest: list
    ) -> dict:
        return {
            "question": question,
            "query": query,
            "answer": answer,
            "refused": refused,
            "citations": citations,
            "closest": closest,
            "timings_ms": {"total": 1.0},
        }


class Tags(HTMLParser):
    """Start tags with their attributes, and the text inside each ``.ac-pt`` span."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.spans: list[tuple[int, int, str]] = []
        self._span: dict[str, str | None] | None = None
        self._text: list[str] = []
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "span" and dict(attrs).get("class") == "ac-pt":
            self._span, self._text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._span is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._span is not None:
            self.spans.append(
                (int(self._span["data-start"] or 0), int(self._span["data-end"] or 0), "".join(self._text))
            )
            self._span = None

    def links(self) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == "a"]


@pytest.fixture
def service() -> FakeService:
    return FakeService()


@pytest.fixture
def desk(service: FakeService, tmp_path: Path) -> ChatDesk:
    return ChatDesk(service, FeedbackStore(tmp_path / "feedback.sqlite3"))


@pytest.fixture
def handlers(desk: ChatDesk, tmp_path: Path) -> ChatHandlers:
    return ChatHandlers(desk, downloads=tmp_path / "downloads", stream_delay=0)


# ---------------------------------------------------------------- rendering


def test_question_is_shown_as_text() -> None:
    markup = render_question('<img src=x onerror="alert(1)"><script>alert(2)</script>')
    assert [tag for tag, _ in Tags(markup).tags] == ["div"]
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;script&gt;" in markup


def test_answer_markers_link_to_exact_spans(service: FakeService) -> None:
    result = service.ask("What did Powell say?")
    markup = render_answer(result)
    parsed = Tags(markup)
    assert {tag for tag, _ in parsed.tags} <= {"div", "a", "b", "span"}, (
        "no tag from the answer text survives"
    )
    markers = [a for a in parsed.links() if "ac-marker" in (a["class"] or "")]
    chips = [a for a in parsed.links() if "ac-chip" in (a["class"] or "")]
    spans = [f"#ac-cite-{c['start']}-{c['end']}" for c in result["citations"]]
    assert [a["href"] for a in markers] == spans
    assert [a["href"] for a in chips] == spans
    assert markers[0]["title"] == f"¶3: {result['citations'][0]['text']}"
    assert "[9]" in markup, "a marker with no citation stays plain text"
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup
    assert "ac-refused" not in markup and "Searched for" not in markup


def test_refused_answer_lists_closest_not_support(service: FakeService) -> None:
    markup = render_answer(service.ask("Weather in Paris?"))
    assert 'class="ac-answer ac-refused"' in markup
    assert "Closest passages" in markup and "From the article" not in markup
    chip = next(a for a in Tags(markup).links() if "ac-chip-closest" in (a["class"] or ""))
    assert chip["title"] == "¶4: Then the plan & the war went on."


def test_rewritten_query_is_shown_escaped(service: FakeService) -> None:
    result = service.ask("And <i>why</i>?", [{"role": "user", "content": "What did Powell say?"}])
    markup = render_answer(result)
    assert "Searched for: “And &lt;i&gt;why&lt;/i&gt;? (Powell)”" in markup


def test_partial_answer_streams_text_without_sources(service: FakeService) -> None:
    result = service.ask("What did Powell say?")
    markup = render_answer(result, partial="Colin Powell said")
    assert "ac-caret" in markup and "ac-chip" not in markup and "Colin Powell said" in markup


def test_article_pane_keeps_offsets_and_escapes(service: FakeService) -> None:
    article = service.article
    parsed = Tags(render_article(article))
    assert "script" not in {tag for tag, _ in parsed.tags}
    assert len(parsed.spans) == len(article.paragraphs)
    for start, end, text in parsed.spans:
        assert text == article.text[start:end].replace("\r", " "), (
            "text nodes must keep the article's offsets"
        )
    assert parsed.spans[0][2] == "A <script>alert('title')</script> Title"
    numbers = [
        attrs["id"]
        for tag, attrs in parsed.tags
        if tag == "div" and (attrs.get("id") or "").startswith("ac-p-")
    ]
    assert numbers == [f"ac-p-{p.number}" for p in article.paragraphs]


def test_stream_prefixes_never_split_a_marker() -> None:
    answer = "One two three [1] four five six seven [2] eight nine ten."
    prefixes = stream_prefixes(answer, steps=6)
    assert prefixes and all(answer.startswith(p) and p != answer for p in prefixes)
    assert all(not p.rstrip().endswith(("[", "[1", "[2")) for p in prefixes)
    assert [len(p) for p in prefixes] == sorted(len(p) for p in prefixes)
    assert stream_prefixes("Short.") == []


def test_conversation_markdown_writes_citations_out(service: FakeService) -> None:
    turns = [
        {"result": service.ask("What did Powell say?"), "rating": "up"},
        {"result": service.ask("Paris?")},
    ]
    text = conversation_markdown(turns, service.article)
    assert text.startswith("# Conversation about A <script>alert('title')</script> Title\n")
    assert "Reading: A <script>alert('title')</script> Title by Jane Roe (fake.md)" in text
    assert "## 1. What did Powell say?" in text and "## 2. Paris?" in text
    citation = turns[0]["result"]["citations"][0]
    assert (
        f"> [1] ¶3 (characters {citation['start']}–{citation['end']}): Colin Powell said “no” to the plan."
        in text
    )
    assert "Closest passages (not an answer):" in text and "- ¶4: Then the plan & the war went on." in text
    assert "Your feedback: helpful" in text


# ---------------------------------------------------------------- handlers


def ask(
    handlers: ChatHandlers, message: str, chat: Any = (), turns: Any = (), saved: Any = None, tab: str = "tab"
) -> list[tuple[Any, ...]]:
    """What the page does on Enter: queue the question, then answer the tab's queue."""
    request = gr.Request(session_hash=tab)
    handlers.submit(message, request)
    steps = list(handlers.respond(list(chat), list(turns), request))
    return [(*step, handlers.save(saved, step[1])) for step in steps]  # the page then stores it


def test_respond_streams_then_renders_citations(handlers: ChatHandlers, desk: ChatDesk) -> None:
    assert handlers.submit("What did Powell say?", gr.Request(session_hash="tab")) == ("", ANY_QUEUED)
    steps = list(handlers.respond([], [], gr.Request(session_hash="tab")))
    assert len(steps) > 2, "the answer arrives in several steps"
    assert "ac-pending" in steps[0][0][-1]["content"], "the question shows at once, before the answer"
    assert all("ac-caret" in step[0][-1]["content"] for step in steps[1:-1])
    chat, turns, download, queued = steps[-1]
    saved = handlers.save(None, turns)
    assert queued == ""
    assert [m["role"] for m in chat] == ["user", "assistant"]
    assert "ac-chip" in chat[1]["content"] and "ac-caret" not in chat[1]["content"]
    assert turns[0]["index"] == 1 and turns[0]["result"]["citations"]
    assert "¶3" in Path(download.value["path"]).read_text(encoding="utf-8")
    assert saved[conversation_key("fake.md")]["turns"][0]["result"]["question"] == "What did Powell say?"
    assert desk.store.summary()["asked"] == 1


ANY_QUEUED = render_queued(["What did Powell say?"])


def test_follow_up_sends_earlier_turns(handlers: ChatHandlers, service: FakeService) -> None:
    *_, (chat, turns, *_) = ask(handlers, "What did Powell say?")
    *_, (chat, turns, *_) = ask(handlers, "And why?", chat, turns)
    assert service.calls[-1][1] == history_of(turns[:1])
    assert len(chat) == 4 and turns[1]["index"] == 3
    assert "Searched for" in chat[3]["content"]


def test_bad_question_warns_and_stays_typed(handlers: ChatHandlers, desk: ChatDesk) -> None:
    with pytest.warns(UserWarning, match="empty"):
        box, queued = handlers.submit("   ", gr.Request(session_hash="tab"))
    assert box == "   " and isinstance(queued, type(gr.skip()))
    steps = list(handlers.respond([], [], gr.Request(session_hash="tab")))
    assert steps == [(gr.skip(),) * 4], "nothing asked, the chat left as it is"
    assert desk.store.summary()["asked"] == 0


def test_a_question_sent_while_an_answer_streams_is_asked_next(
    handlers: ChatHandlers, service: FakeService
) -> None:
    tab = gr.Request(session_hash="tab")
    handlers.submit("What did Powell say?", tab)
    first = handlers.respond([], [], tab)
    next(first), next(first)  # the first answer is streaming
    box, queued = handlers.submit("What did Rumsfeld say?", tab)
    assert box == "" and "What did Rumsfeld say?" in queued
    assert list(handlers.respond([], [], tab)) == [(gr.skip(),) * 4], "the running respond asks it"
    other = ask(handlers, "Weather in Paris?", tab="other tab")  # another tab has its own queue
    assert len(other[-1][0]) == 2
    steps = list(first)
    chat, turns, _, queued = steps[-1]
    saved = handlers.save({}, turns)
    assert [t["result"]["question"] for t in turns] == ["What did Powell say?", "What did Rumsfeld say?"]
    assert [t["index"] for t in turns] == [1, 3] and len(chat) == 4
    assert queued == "" and len(saved[conversation_key("fake.md")]["turns"]) == 2
    assert any("What did Rumsfeld say?" in step[3] for step in steps if isinstance(step[3], str))
    assert service.calls[-1][1] == history_of(turns[:1]), "the queued question is a follow-up of the first"
    assert handlers.waiting == {} and handlers.answering == {}, "nothing is kept for a finished tab"


def test_a_full_queue_keeps_the_question_typed(handlers: ChatHandlers) -> None:
    tab = gr.Request(session_hash="tab")
    for n in range(MAX_QUEUED):
        assert handlers.submit(f"Question {n}?", tab)[0] == ""
    with pytest.warns(UserWarning, match="already waiting"):
        box, _ = handlers.submit("One more?", tab)
    assert isinstance(box, type(gr.skip())), "the box keeps what was typed"


def test_the_textbox_is_no_output_of_the_answer(service: FakeService, tmp_path: Path) -> None:
    """Whatever the student types while an answer streams stays in the box."""
    app = build_app(service, Settings(home=tmp_path), stream_delay=0)
    box = next(c for c in app.blocks.values() if getattr(c, "elem_id", None) == "ac-question")
    answering = [d for d in app.config["dependencies"] if "respond" in str(d.get("api_name"))]
    assert answering and all(box._id not in d["outputs"] for d in answering)
    assert all(d["trigger_mode"] == "multiple" for d in answering)


def test_like_stores_rating_with_the_answer(handlers: ChatHandlers, desk: ChatDesk) -> None:
    *_, (chat, turns, *_) = ask(handlers, "What did Powell say?")
    turns = handlers.like(turns, gr.LikeData(None, {"index": 1, "value": chat[1], "liked": False}))
    assert turns[0]["rating"] == "down"
    assert desk.store.summary() == {"asked": 1, "refused": 0, "up": 0, "down": 1}
    assert desk.store.questions()[0]["down"] == 1
    assert handlers.save({}, turns)[conversation_key("fake.md")]["turns"][0]["rating"] == "down"


def test_a_stored_conversation_comes_back_with_live_citations(handlers: ChatHandlers) -> None:
    *_, (chat, turns, _, _, saved) = ask(handlers, "What did Powell say?", saved={"reading:other": {"x": 1}})
    *_, (chat, turns, _, _, saved) = ask(handlers, "Weather in Paris?", chat, turns, saved)
    saved = json.loads(json.dumps(saved))  # what the browser keeps is JSON
    restored_chat, restored_turns, download = handlers.restore(saved)
    assert restored_chat == chat, "the same messages, with the same citation links"
    assert 'href="#ac-cite-' in restored_chat[1]["content"]
    assert [t["index"] for t in restored_turns] == [1, 3]
    assert restored_turns[0]["question_id"] == turns[0]["question_id"]
    assert "## 2. Weather in Paris?" in Path(download.value["path"]).read_text(encoding="utf-8")
    assert saved["reading:other"] == {"x": 1}, "other readings' conversations are kept"


@pytest.mark.parametrize(
    "spoil",
    [
        lambda entry: entry | {"fingerprint": "another version of the text"},
        lambda entry: entry | {"turns": [{"result": {"question": "only a question"}}]},
        lambda entry: entry | {"turns": "not a list"},
        lambda entry: entry | {"turns": [{"result": entry["turns"][0]["result"] | {"closest": [{"n": 1}]}}]},
    ],
)
def test_a_spoiled_stored_conversation_is_dropped(handlers: ChatHandlers, spoil: Any) -> None:
    *_, (_, _, _, _, saved) = ask(handlers, "What did Powell say?")
    key = conversation_key("fake.md")
    chat, turns, _ = handlers.restore({key: spoil(saved[key])})
    assert chat == [] and turns == []
    assert handlers.restore("not a dict")[0] == [] and handlers.restore(None)[0] == []


def test_a_stored_answer_is_still_shown_as_text(handlers: ChatHandlers) -> None:
    *_, (_, _, _, _, saved) = ask(handlers, "What did Powell say?")
    entry = saved[conversation_key("fake.md")]
    entry["turns"][0]["result"]["answer"] = "<img src=x onerror=alert(1)>"
    entry["turns"][0]["question_id"] = "1; DROP TABLE"
    chat, turns, _ = handlers.restore(saved)
    assert "&lt;img src=x" in chat[1]["content"] and "<img" not in chat[1]["content"]
    assert turns[0]["question_id"] is None


def test_clear_forgets_only_this_reading(handlers: ChatHandlers) -> None:
    *_, (_, _, _, _, saved) = ask(handlers, "What did Powell say?", saved={"reading:other": {"x": 1}})
    chat, turns, download, kept, queued = handlers.clear(saved, gr.Request(session_hash="tab"))
    assert chat == [] and turns == [] and kept == {"reading:other": {"x": 1}} and queued == ""
    assert handlers.restore(kept)[0] == []
    assert handlers.save({"__type__": "update", "reading:other": 1}, []) == {"reading:other": 1}, "ours only"


def test_clear_stops_the_answer_streaming_and_drops_the_queue(handlers: ChatHandlers) -> None:
    tab = gr.Request(session_hash="tab")
    handlers.submit("What did Powell say?", tab)
    running = handlers.respond([], [], tab)
    next(running), next(running)
    handlers.submit("What did Rumsfeld say?", tab)
    handlers.clear({}, tab)
    assert list(running) == [], "nothing more goes into the cleared chat"
    assert handlers.waiting == {} and handlers.answering == {}
    chat = ask(handlers, "Weather in Paris?")[-1][0]
    assert [m["role"] for m in chat] == ["user", "assistant"], "the tab answers again"


def test_api_ask_returns_contract_and_turns_input_errors_into_gr_error(handlers: ChatHandlers) -> None:
    result = handlers.api_ask("What did Powell say?", [])
    assert result["citations"][0]["n"] == 1 and "id" not in result
    with pytest.raises(gr.Error, match="control character"):
        handlers.api_ask("bad\x00question")
    with pytest.raises(gr.Error, match="history"):
        handlers.api_ask("What did Powell say?", "not a list")  # type: ignore[arg-type]


def test_build_app_exposes_only_ask_and_its_stream(service: FakeService, tmp_path: Path) -> None:
    app = build_app(service, Settings(home=tmp_path), stream_delay=0)
    assert isinstance(app, gr.Blocks)
    named = app.get_api_info()["named_endpoints"]
    assert list(named) == ["/ask", "/ask_stream"]
    for name in named:
        assert [p["parameter_name"] for p in named[name]["parameters"]] == ["question", "history"]


def test_api_ask_stream_grows_the_answer_then_gives_the_checked_one(handlers: ChatHandlers) -> None:
    updates = list(handlers.api_ask_stream("What did Powell say?", []))
    assert len(updates) > 3 and all(u["partial"] for u in updates[:-1])
    assert [len(u["answer"]) for u in updates[:-1]] == sorted(len(u["answer"]) for u in updates[:-1])
    assert "partial" not in updates[-1] and updates[-1]["citations"][0]["n"] == 1
    assert updates[-2]["answer"] == updates[-1]["answer"]


def test_respond_shows_each_streamed_piece(handlers: ChatHandlers, service: FakeService) -> None:
    words = len(service.ask("What did Powell say?")["answer"].split())
    steps = ask(handlers, "What did Powell say?")
    assert len(steps) == words + 2  # pending, one per word, the final render


def test_prune_deletes_only_old_download_folders(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    for folder in (old, new):
        folder.mkdir()
        (folder / "conversation.md").write_text("x", encoding="utf-8")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    prune(tmp_path, older_than=3600)
    assert not old.exists() and (new / "conversation.md").exists()


# ---------------------------------------------------------------- instructor


def test_password_check() -> None:
    assert password_ok(None, None) and password_ok("anything", "")
    assert password_ok("s3cret", "s3cret")
    assert not password_ok("wrong", "s3cret") and not password_ok(None, "s3cret")


def test_instructor_report_and_exports(desk: ChatDesk, service: FakeService, tmp_path: Path) -> None:
    desk.ask("What did Powell say?", source="web")
    desk.ask("Weather in Paris?", source="api")
    access = InstructorAccess(Settings(home=tmp_path, instructor_password="s3cret"), desk.store)
    shown = InstructorPage(desk.store, access, embed=_embed).show("All readings", "", "")
    summary, refused, table, links = shown[0], shown[2], shown[5], shown[6]
    assert "Questions asked: **2**" in summary and "refused: **1**" in summary
    assert [row[1] for row in table] == ["Weather in Paris?", "What did Powell say?"]
    assert refused == [[table[0][0], "Weather in Paris?", "Weather in Paris?", "default"]]
    assert len(table[0][0]) == 19 and table[0][0][10] == " ", "times read like 2025-01-31 14:05:00"
    assert 'href="export.csv?t=' in links and 'href="export.jsonl?t=' in links  # no files written
    page = build_instructor(desk.store, access, embed=_embed)
    assert isinstance(page, gr.Blocks) and page.get_api_info()["named_endpoints"] == {}


def _embed(texts: list[str]) -> list[list[float]]:
    return [[float(len(text)), 1.0] for text in texts]


def test_unsupported_sentences_are_marked_and_the_notice_shown(service: FakeService) -> None:
    result = service.ask("What did Powell say?")
    flagged = "Rumsfeld 🙂 said yes."
    result |= {"unsupported": [{"sentence": flagged, "reason": "the <b>name</b> differs"}], "notice": None}
    markup = render_answer(result)
    marked = re.search(r'<mark class="ac-unsupported" title="([^"]*)">(.*?)</mark>', markup)
    assert marked and "Rumsfeld 🙂 said yes." in marked.group(2) and "⚠ unsupported" in marked.group(2)
    assert "&lt;b&gt;name&lt;/b&gt;" in marked.group(1)
    assert "Colin Powell said" in markup.split('<mark class="ac-unsupported"')[0]  # the rest unmarked
    assert "ac-notice" not in markup
    degraded = render_answer(result | {"unsupported": [], "notice": "The language model is unavailable."})
    assert '<div class="ac-notice" role="status">The language model is unavailable.</div>' in degraded
    assert "ac-unsupported" not in degraded


def test_header_names_the_answerer(service: FakeService) -> None:
    assert "Answerer: <code>extractive</code>" in render_header(service.article)
    with_model = render_header(service.article, "openai:gpt-4o-mini")
    assert "<code>openai:gpt-4o-mini</code>" in with_model and "checked" in with_model


def test_markdown_of_an_untitled_reading_names_its_opening_words() -> None:
    article = parse_article("Powell said no to the plan. Rumsfeld said yes.\n", source="week3.txt")
    text = conversation_markdown([], article)
    assert text.startswith("# Conversation about “Powell said no to the plan. Rumsfeld said yes.”\n")
    assert "(week3.txt)" in text


def test_embed_bar_names_the_reading_and_links_out(service: FakeService) -> None:
    markup = render_embed_bar(service.article)
    parsed = Tags(markup)
    assert "script" not in {tag for tag, _ in parsed.tags}
    assert "A &lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt; Title</span>" in markup
    link = parsed.links()[0]
    assert link["class"] == "ac-open-article" and link["target"] == "_blank"
    assert "noopener" in (link["rel"] or "")


def test_queued_questions_are_text() -> None:
    assert render_queued([]) == ""
    markup = render_queued(["<b>why</b>?", "and then?"])
    assert "<li>&lt;b&gt;why&lt;/b&gt;?</li><li>and then?</li>" in markup


def test_questions_are_stored_with_their_tab_as_the_conversation(
    handlers: ChatHandlers, desk: ChatDesk
) -> None:
    ask(handlers, "What did Powell say?", tab="tab-1")
    ask(handlers, "What did Powell say?", tab="tab-2")
    assert [row["conversation"] for row in desk.store.questions()] == ["tab-2", "tab-1"]


def test_the_instructors_pinned_starters_replace_the_derived_ones(
    handlers: ChatHandlers, desk: ChatDesk
) -> None:
    derived = handlers.starters()
    assert derived == desk.service.starters(n=4)  # none pinned: the derived ones
    desk.store.pin_starters("default", ["Why now?", "Who decides?"])
    assert handlers.starters() == ["Why now?", "Who decides?"]


# ---------------------------------------------------------------- several readings

WEEK2 = ARTICLE.replace("# A <script>alert('title')</script> Title", "# The Week Two Reading")


@pytest.fixture
def page(tmp_path: Path) -> ReadingPage:
    library = Library.of(
        {"oped": FakeService(), "week2": FakeService(WEEK2, source="week2.md")}, default="oped"
    )
    return ReadingPage(
        library, FeedbackStore(tmp_path / "feedback.sqlite3"), downloads=tmp_path, stream_delay=0
    )


def opened(page: ReadingPage, article: str | None, saved: Any = None, tab: str = "tab") -> dict[str, Any]:
    """``page.load`` for a tab whose address has ``?article=`` (None: no parameter), by output name."""
    params = {} if article is None else {"article": article}
    outputs = page.load(saved, "", gr.Request(session_hash=tab, query_params=params))
    names = "reading picker header embed outline article chat turns download question send queued"
    return dict(zip(names.split(), outputs, strict=True))


def page_ask(page: ReadingPage, reading: str, message: str, saved: Any = None, tab: str = "tab") -> Any:
    request = gr.Request(session_hash=tab)
    page.submit(message, reading, request)
    steps = list(page.respond_page([], [], reading, request))
    turns = next(step[1] for step in reversed(steps) if isinstance(step[1], list))
    return page.save(saved, turns, reading)


def test_the_page_opens_the_reading_its_address_names(page: ReadingPage) -> None:
    week2 = opened(page, "week2")
    assert week2["reading"] == "week2"
    assert "The Week Two Reading" in week2["header"] and "The Week Two Reading" in week2["embed"]
    assert 'data-start="' in week2["article"]
    picker = week2["picker"]
    assert picker.value == "week2" and picker.visible is True
    assert picker.choices == [
        ("A <script>alert('title')</script> Title", "oped"),
        ("The Week Two Reading", "week2"),
    ]
    default = opened(page, None)
    assert default["reading"] == "oped" and "The Week Two Reading" not in default["header"]
    assert default["chat"].examples == [{"text": "What did Powell say?"}, {"text": "What did Rumsfeld say?"}]


def test_the_picker_is_hidden_with_one_reading(tmp_path: Path) -> None:
    page = ReadingPage(
        Library.of({"oped": FakeService()}, default="oped"), FeedbackStore(tmp_path / "f"), downloads=tmp_path
    )
    assert opened(page, None)["picker"].visible is False


def test_an_unknown_reading_lists_the_readings_and_asks_nothing(page: ReadingPage) -> None:
    shown = opened(page, "<b>nope</b>")
    assert shown["reading"] is None
    assert "No such reading" in shown["header"] and "&lt;b&gt;nope&lt;/b&gt;" in shown["header"]
    assert 'href="?article=week2"' in shown["header"] and 'href="?article=oped"' in shown["header"]
    assert shown["article"] == "" and "Powell" not in shown["header"], "not the default reading's page"
    assert shown["question"].interactive is False and shown["send"].interactive is False
    with pytest.warns(UserWarning, match="Pick a reading"):
        assert page.submit("What did Powell say?", None, gr.Request(session_hash="tab")) == (
            gr.skip(),
            gr.skip(),
        )


def test_questions_are_stored_with_their_reading(page: ReadingPage) -> None:
    page_ask(page, "week2", "What did Powell say?")
    page_ask(page, "oped", "What did Powell say?")
    assert [row["reading"] for row in page.store.questions()] == ["oped", "week2"]


def test_each_reading_keeps_its_own_conversation(page: ReadingPage) -> None:
    saved = page_ask(page, "week2", "What did Powell say?")
    assert list(saved) == [conversation_key("week2")]
    assert len(opened(page, "week2", saved)["turns"]) == 1
    assert opened(page, "oped", saved)["turns"] == [], "another reading's conversation is not shown"


def test_switching_reading_stops_the_answer_streaming_in_the_other(page: ReadingPage) -> None:
    tab = gr.Request(session_hash="tab")
    page.submit("What did Powell say?", "oped", tab)
    running = page.respond_page([], [], "oped", tab)
    next(running)
    page.show("week2", {}, tab)
    assert [step for step in running if step[0] != gr.skip()] == [], "nothing more goes into the chat"


def test_an_untitled_reading_is_listed_by_its_opening_words(tmp_path: Path) -> None:
    untitled = FakeService("Powell said no to the plan. Rumsfeld said yes.\n", source="week3.txt")
    library = Library.of({"oped": FakeService(), "week3": untitled}, default="oped")
    page = ReadingPage(library, FeedbackStore(tmp_path / "f"), downloads=tmp_path)
    assert opened(page, None)["picker"].choices[1] == (
        "“Powell said no to the plan. Rumsfeld said yes.”",
        "week3",
    )


# ---------------------------------------------------------------- adding a reading


@pytest.fixture
def added(tmp_path: Path) -> tuple[Any, list[tuple[str, str]]]:
    """The add-a-reading routes on a bare app, with a build that records what it was given."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from ui.add_reading import ROUTE, add_reading_routes

    built: list[tuple[str, str]] = []

    def build(name: str, path: Path) -> str:
        built.append((name, path.read_bytes().decode("utf-8")))
        return "3 passages"

    app = FastAPI()
    add_reading_routes(app, folder=tmp_path / "readings", max_bytes=1_000, build=build)
    client = TestClient(app, base_url="http://127.0.0.1")
    client.post_form = lambda **kw: client.post(ROUTE, **kw)  # type: ignore[attr-defined]
    return client, built


def test_a_pasted_reading_is_built_and_kept(added: Any, tmp_path: Path) -> None:
    client, built = added
    assert "<form" in client.get("/instructor/readings").text
    page = client.post_form(data={"name": "week-2", "text": ARTICLE})
    assert page.status_code == 200 and "Added the reading <code>week-2</code> (3 passages)" in page.text
    assert 'href="../?article=week-2"' in page.text
    assert built == [("week-2", ARTICLE)]
    assert (tmp_path / "readings" / "week-2.md").read_bytes() == ARTICLE.encode(), "rebuilds read it"


def test_an_uploaded_file_is_built_under_its_name(added: Any) -> None:
    client, built = added
    page = client.post_form(
        data={"name": "week-3"}, files={"file": ("week3.txt", WEEK2.encode(), "text/plain")}
    )
    assert page.status_code == 200 and built == [("week-3", WEEK2)]


@pytest.mark.parametrize(
    ("fields", "files", "message"),
    [
        ({"name": "Week 2!", "text": ARTICLE}, None, "is not a short slug"),
        ({"name": "week-2", "text": "   "}, None, "upload a .txt or .md file, or paste its text"),
        (
            {"name": "week-2"},
            {"file": ("a.pdf", b"%PDF", "application/pdf")},
            "a.pdf is not a .txt or .md file",
        ),
        ({"name": "week-2"}, {"file": ("a.md", b"text\x00more", "text/markdown")}, "a.md looks binary"),
        ({"name": "week-2"}, {"file": ("a.md", b"caf\xe9", "text/markdown")}, "a.md is not UTF-8"),
        ({"name": "week-2", "text": "x" * 1_001}, None, "over the limit of 1,000 bytes"),
        ({"name": "<b>x</b>", "text": ARTICLE}, None, "&lt;b&gt;"),
    ],
)
def test_a_bad_reading_gets_a_clear_message_and_nothing_is_built(
    added: Any, fields: dict[str, str], files: Any, message: str
) -> None:
    client, built = added
    page = client.post_form(data=fields, files=files)
    assert page.status_code == 400 and message in page.text and built == []
    assert "<b>x</b>" not in page.text


def test_a_body_over_the_limit_is_refused_before_it_is_read(added: Any) -> None:
    client, built = added
    page = client.post_form(
        data={"name": "week-2"}, files={"file": ("a.md", b"x" * 100_000, "text/markdown")}
    )
    assert page.status_code == 413 and "over the limit of 1,000 bytes" in page.text and built == []


def test_the_add_reading_form_is_behind_the_instructor_login(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from ui.server import create_server

    settings = Settings(home=tmp_path, instructor_password="secret", rate_limit="off")
    client = TestClient(
        create_server(FakeService(), settings, stream_delay=0), base_url="http://127.0.0.1:7860"
    )
    assert client.get("/instructor/readings", follow_redirects=False).status_code in (303, 401)
    refused = client.post("/instructor/readings", data={"name": "week-2", "text": ARTICLE})
    assert refused.status_code == 401 and not (tmp_path / "readings").exists()
    client.post("/instructor/login", data={"password": "secret"}, follow_redirects=False)
    assert "Add a reading" in client.get("/instructor/readings").text, "signed in: the form"
