"""The chat page as Gradio Blocks: built here, launched by ``ui.server``; HTML comes from ``ui.render``."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from bot.errors import ArticleChatError, InputError
from bot.library import Library
from bot.validate import DEFAULT_MAX_CHARS, clean_question, scrub
from index.article import Article
from index.catalog import DEFAULT_READING
from index.errors import UnknownReading
from ui.feedback import FeedbackStore, StoreUnavailable
from ui.render import (
    conversation_markdown,
    history_of,
    reading_label,
    reading_title,
    render_answer,
    render_article,
    render_embed_bar,
    render_header,
    render_outline,
    render_pending,
    render_question,
    render_queued,
    render_unknown_reading,
    stream_prefixes,
)
from ui.settings import Settings

STATIC = Path(__file__).with_name("static")
DEFAULT_STREAM_DELAY = 0.02  # seconds between streamed chunks: quick, but visibly streaming
WHOLE_ANSWER_CHARS = 80  # a delta this long came in one piece: type it out
CHAT_CONCURRENCY = 8  # answers computed and streamed at once
QUEUE_SIZE = 4 * CHAT_CONCURRENCY  # jobs waiting past this get "queue is full" at once, not a long wait
DOWNLOAD_TTL_S = 86_400  # conversation files older than a day are deleted
MAX_QUEUED = 5  # questions one tab may send ahead while an answer streams
MAX_STORED_TURNS = 100  # turns kept in the browser's storage per reading (a few KB each)
STORAGE_KEY = "article-chat-conversations"  # the browser's localStorage entry
# Gradio's BrowserState encrypts with a key it sends to the page, so this hides nothing; it is
# fixed so that a server restart can still read what the browser stored.
STORAGE_SECRET = "article-chat"
_RESULT_KEYS = ("question", "query", "answer", "refused", "citations", "closest")
_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]


class ChatDesk:
    """The service and the feedback store behind both the page and the HTTP API."""

    def __init__(self, service: Any, store: FeedbackStore, *, reading: str | None = None):
        self.service = service
        self.store = store
        self.reading = reading or getattr(service, "reading", None) or DEFAULT_READING  # its questions' rows

    def ask(self, question: Any, history: Any = (), *, source: str) -> tuple[dict[str, Any], int | None]:
        """The answer JSON and its row id (None: not stored); raises ``InputError`` for a bad question."""
        if history is None:
            history = []
        if not isinstance(history, list | tuple):
            raise InputError('history must be a list of {"role", "content"} objects')
        # No lock: the answer path is safe in parallel (ONNX Runtime sessions and Chroma queries
        # are thread-safe, the query cache has its own lock, the rest only reads).
        result: dict[str, Any] = self.service.ask(question, list(history))
        return result, self.store.record_question(result, source=source, reading=self.reading)

    def stream(
        self, question: Any, history: Any = (), *, source: str, conversation: str | None = None
    ) -> Iterator[Any]:
        """``StreamDelta``s as the answer is written, then ``(answer JSON, row id)``; ``conversation``
        (the page's tab) lets the instructor view tell a retry from a new question."""
        if not isinstance(history or [], list | tuple):
            raise InputError('history must be a list of {"role", "content"} objects')
        result: dict[str, Any] = {}
        for event in self.service.stream(question, list(history or [])):
            if isinstance(event, dict):
                result = event
            else:
                yield event
        yield (
            result,
            self.store.record_question(
                result, source=source, reading=self.reading, conversation=conversation
            ),
        )


class ChatHandlers:
    """The page's event handlers, callable directly from tests.

    A question sent while an answer is still streaming is queued per browser tab (Gradio's
    session) and asked when that answer is done: ``submit`` queues, ``respond`` drains the queue,
    one ``respond`` per tab at a time.
    """

    def __init__(
        self,
        desk: ChatDesk,
        *,
        downloads: Path,
        stream_delay: float = DEFAULT_STREAM_DELAY,
        reading: str | None = None,
    ):
        self.desk = desk
        self.downloads = downloads
        self.stream_delay = stream_delay
        article: Article = desk.service.article
        self.reading = reading or article.source
        self.fingerprint = article.fingerprint
        self.lock = threading.Lock()
        self.waiting: dict[str, deque[tuple[str, str]]] = {}  # session -> (sent, shown) questions
        self.answering: dict[str, object] = {}  # session -> the token of its running respond

    def submit(self, message: str, request: gr.Request) -> tuple[Any, str]:
        """Queue a sent question for this tab and empty the box; a bad one stays typed, with a warning."""
        try:
            shown = clean_question(
                message, max_chars=getattr(self.desk.service, "max_chars", DEFAULT_MAX_CHARS)
            )
        except InputError as exc:
            gr.Warning(str(exc))
            return (scrub(message) if isinstance(message, str) else ""), gr.skip()
        session = _session(request)
        with self.lock:
            waiting = self.waiting.setdefault(session, deque())
            if len(waiting) >= MAX_QUEUED:
                gr.Warning(
                    f"{MAX_QUEUED} questions are already waiting; send this one when they are answered."
                )
                return gr.skip(), gr.skip()
            waiting.append((message, shown))
            view = self._queued_view(session)
        return "", view

    def respond(
        self,
        chat: list[dict[str, Any]],
        turns: list[dict[str, Any]],
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        """Answer this tab's queued questions in order, streaming each into the chat.

        Yields (chat, turns, download, queued); a second respond for a tab that is
        already answering (the running one asks its question next), or one with nothing queued,
        leaves everything as it is. "Clear conversation" stops it where it is.
        """
        session, token = _session(request), object()
        with self.lock:
            idle = session in self.answering or not self.waiting.get(session)
            if not idle:
                self.answering[session] = token
        if idle:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        chat, turns = list(chat or []), list(turns or [])
        try:
            while (sent := self._next(session, token)) is not None:
                for shown, shown_turns, done in self._answer(*sent, chat, turns, conversation=session):
                    if self.answering.get(session) is not token:
                        return  # cleared meanwhile: nothing more goes into the chat
                    queued = self._queued_view(session)
                    if not done:
                        yield shown, shown_turns, gr.skip(), queued
                        continue
                    chat, turns = shown, shown_turns
                    yield chat, turns, self.download(turns), queued
        except BaseException:  # an error, or the tab went away: the rest is not asked behind it
            self._stop(session, token)
            raise

    def respond_page(
        self, chat: list[dict[str, Any]], turns: list[dict[str, Any]], request: gr.Request
    ) -> Iterator[tuple[Any, ...]]:
        """``respond`` for the page, with "Clear conversation" off while this tab has an answer
        streaming: an update already on its way could otherwise put a cleared chat back."""
        session = _session(request)
        for outputs in self.respond(chat, turns, request):
            yield (*outputs, gr.Button(interactive=False) if session in self.answering else gr.skip())
        yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.Button(interactive=session not in self.answering)

    def _next(self, session: str, token: object) -> tuple[str, str] | None:
        """The tab's next question; when there is none the tab stops answering, in the same step,
        so a question queued just after is picked up by its own ``respond``."""
        with self.lock:
            if self.answering.get(session) is not token:
                return None  # cleared: the tab may already have a new respond
            if waiting := self.waiting.get(session):
                return waiting.popleft()
            del self.answering[session]
            self.waiting.pop(session, None)
            return None

    def _stop(self, session: str, token: object | None = None) -> None:
        """The tab's respond (only the one holding ``token``, if given) is done; its queue goes."""
        with self.lock:
            if token is None or self.answering.get(session) is token:
                self.answering.pop(session, None)
                self.waiting.pop(session, None)

    def _queued_view(self, session: str) -> str:
        return render_queued([shown for _, shown in self.waiting.get(session, ())])

    def _answer(
        self,
        message: str,
        shown: str,
        before: list[dict[str, Any]],
        turns: list[dict[str, Any]],
        *,
        conversation: str | None = None,
    ) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]], bool]]:
        """One question: (chat, turns, finished) as its answer streams in."""
        chat = [*before, {"role": "user", "content": render_question(shown)}, _assistant(render_pending())]
        yield list(chat), turns, False
        partial = {"question": shown, "query": shown, "refused": False, "citations": [], "closest": []}
        written = ""
        try:
            for event in self.desk.stream(
                message, history_of(turns), source="web", conversation=conversation
            ):
                if isinstance(event, tuple):
                    result, question_id = event
                    break
                partial["citations"] = event.citations
                # A whole answer at once (the extractive answerer) is typed out; a model's tokens
                # are shown as they come.
                pieces = stream_prefixes(event.text) if len(event.text) > WHOLE_ANSWER_CHARS else []
                for prefix in [*pieces, event.text]:
                    chat[-1] = _assistant(render_answer(partial, partial=written + prefix))
                    yield list(chat), turns, False
                    if pieces:
                        time.sleep(self.stream_delay)
                written += event.text
        except InputError as exc:  # the service's own checks: the question goes, the chat stays
            gr.Warning(str(exc))
            yield list(before), turns, True
            return
        except ArticleChatError as exc:
            raise gr.Error(f"The chat is unavailable: {exc}") from exc
        chat[-1] = _assistant(render_answer(result))
        turns = [
            *turns,
            {"result": result, "question_id": question_id, "index": len(chat) - 1, "rating": None},
        ]
        yield list(chat), turns, True

    def save(self, saved: Any, turns: list[dict[str, Any]]) -> dict[str, Any]:
        """The browser's stored conversations with this reading's replaced by ``turns``."""
        stored = (
            {k: v for k, v in saved.items() if k.startswith("reading:")} if isinstance(saved, dict) else {}
        )
        key = conversation_key(self.reading)
        if turns:
            kept = [{**t, "result": _stored_result(t["result"])} for t in turns[-MAX_STORED_TURNS:]]
            stored[key] = {"fingerprint": self.fingerprint, "turns": kept}
        else:
            stored.pop(key, None)
        return stored

    def restore(self, saved: Any) -> tuple[Any, ...]:
        """On load: this reading's stored conversation back in the chat, citations live again.

        What the browser stored is only trusted to be text: anything malformed, or stored for
        another version of the article (offsets would point elsewhere), is dropped.
        """
        entry = saved.get(conversation_key(self.reading)) if isinstance(saved, dict) else None
        chat: list[dict[str, Any]] = []
        turns: list[dict[str, Any]] = []
        try:
            if not isinstance(entry, dict) or entry.get("fingerprint") != self.fingerprint:
                raise ValueError("nothing stored for this version of the reading")
            for turn in entry["turns"][-MAX_STORED_TURNS:]:
                result = _stored_result(turn["result"])
                chat += [
                    {"role": "user", "content": render_question(str(result["question"]))},
                    _assistant(render_answer(result)),
                ]
                rating = turn.get("rating") if turn.get("rating") in ("up", "down") else None
                question_id = turn.get("question_id")
                question_id = question_id if isinstance(question_id, int) else None
                turns.append(
                    {"result": result, "question_id": question_id, "index": len(chat) - 1, "rating": rating}
                )
        except (KeyError, TypeError, ValueError, AttributeError):
            return [], [], self.download([])
        return chat, turns, self.download(turns)

    def clear(self, saved: Any, request: gr.Request) -> tuple[Any, ...]:
        """ "Clear conversation": the chat, its download, what the browser stored for this reading,
        and any answer still streaming or waiting."""
        self._stop(_session(request))
        return [], [], self.download([]), self.save(saved, []), ""

    def like(self, turns: list[dict[str, Any]], data: gr.LikeData, browser: str = "") -> list[dict[str, Any]]:
        """Store a thumbs up/down with the question, answer and citations; one vote per browser."""
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        turns = list(turns or [])
        for turn in turns:
            if turn["index"] == index and data.liked in (True, False):
                turn["rating"] = "up" if data.liked else "down"
                self.desk.store.record_feedback(
                    turn["result"], turn["rating"], question_id=turn["question_id"], browser=browser
                )
                gr.Info("Thanks — your feedback was saved.")
        return turns

    def starters(self, n: int = 4) -> list[str]:
        """The empty chat's starter questions: the instructor's pinned ones for this reading, if any,
        else those derived from the article."""
        try:
            pinned = self.desk.store.pinned_starters(self.desk.reading)
        except StoreUnavailable:  # the derived starters stay; the chat does not need the database
            pinned = []
        return pinned or list(self.desk.service.starters(n=n))

    def download(self, turns: list[dict[str, Any]]) -> Any:
        """A fresh Markdown file of the conversation for the download button."""
        if not turns:
            return _download_off()
        prune(self.downloads, older_than=DOWNLOAD_TTL_S)
        folder = self.downloads / uuid.uuid4().hex
        folder.mkdir(parents=True)
        path = folder / "conversation.md"
        path.write_text(conversation_markdown(turns, self.desk.service.article), encoding="utf-8")
        return gr.DownloadButton(value=str(path), interactive=True)

    def api_ask(self, question: str, history: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """Answer a question about the article, with citations (the `article-chat ask --json` object).

        Args:
            question: the question, e.g. "What did Powell say?"
            history: earlier turns as [{"role": "user"|"assistant", "content": "..."}], oldest first
        """
        try:
            return self.desk.ask(question, history or [], source="gradio-api")[0]
        except InputError as exc:
            raise gr.Error(str(exc)) from exc

    def api_ask_stream(
        self, question: str, history: list[dict[str, str]] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Like /ask, streamed: the answer object grows as the model writes, the last one is checked.

        Args:
            question: the question, e.g. "What did Powell say?"
            history: earlier turns as [{"role": "user"|"assistant", "content": "..."}], oldest first
        """
        written = ""
        try:
            for event in self.desk.stream(question, history or [], source="gradio-api"):
                if isinstance(event, tuple):
                    yield event[0]
                    return
                written += event.text
                yield {"question": question, "answer": written, "citations": event.citations, "partial": True}
        except InputError as exc:
            raise gr.Error(str(exc)) from exc


def browser_id(current: str | None) -> str:
    """The page's random browser id (kept in localStorage), made on the first visit."""
    return current or uuid.uuid4().hex


def prune(folder: Path, *, older_than: float) -> None:
    """Delete the per-download subfolders of ``folder`` older than ``older_than`` seconds."""
    cutoff = time.time() - older_than
    for entry in folder.glob("*/"):
        if entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)


def conversation_key(reading: str) -> str:
    """The key of a reading's conversation among those the browser stores (one per reading)."""
    return f"reading:{reading}"


def _stored_result(result: dict[str, Any]) -> dict[str, Any]:
    """What the page and the download need of an answer; raises ``KeyError``/``TypeError`` if malformed."""
    kept = {key: result[key] for key in _RESULT_KEYS}
    kept |= {key: result[key] for key in ("unsupported", "notice") if key in result}
    for key in ("question", "query", "answer"):
        kept[key] = str(kept[key])
    for key in ("citations", "closest"):
        kept[key] = [_citation(c) for c in kept[key]]
    kept["refused"] = bool(kept["refused"])
    kept["unsupported"] = [
        {"sentence": str(u["sentence"]), "reason": str(u["reason"])} for u in kept.get("unsupported") or []
    ]
    kept["notice"] = str(kept["notice"]) if kept.get("notice") else None
    return kept


def _citation(citation: dict[str, Any]) -> dict[str, Any]:
    return {
        "n": int(citation["n"]),
        "paragraph": int(citation["paragraph"]),
        "start": int(citation["start"]),
        "end": int(citation["end"]),
        "text": str(citation["text"]),
    }


def _session(request: gr.Request | None) -> str:
    """The browser tab an event came from (Gradio's session hash)."""
    return str(getattr(request, "session_hash", None) or "")


def _assistant(content: str) -> dict[str, str]:
    return {"role": "assistant", "content": content}


def pick_example(data: gr.SelectData) -> str:
    """A starter question clicked in the empty chat becomes the question."""
    return str(data.value["text"])


class ReadingPage:
    """The page's events for every reading of the library, one ``ChatHandlers`` per reading.

    One Blocks serves them all: each tab's reading is a ``gr.State`` set on load from
    ``?article=NAME`` (or by the picker) and passed to every event, which goes to that reading's
    handlers. A name not in the library leaves the state None: the page lists the readings and
    asks nothing.
    """

    def __init__(
        self,
        library: Library,
        store: FeedbackStore,
        *,
        downloads: Path,
        stream_delay: float = DEFAULT_STREAM_DELAY,
        desks: dict[str, ChatDesk] | None = None,
    ):
        self.library = library
        self.store = store
        self.downloads = downloads
        self.stream_delay = stream_delay
        self.desks = dict(desks or {})
        self._handlers: dict[str, ChatHandlers] = {}
        self._lock = threading.Lock()

    def handlers(self, name: str) -> ChatHandlers:
        """The handlers of reading ``name``; raises ``UnknownReading``."""
        self.library.service(name)  # opens it on first use; a removed reading is refused here
        with self._lock:
            if name not in self._handlers:
                desk = self.desks.get(name) or ChatDesk(self.library.follow(name), self.store, reading=name)
                self._handlers[name] = ChatHandlers(
                    desk, downloads=self.downloads, stream_delay=self.stream_delay, reading=name
                )
            return self._handlers[name]

    def load(self, saved: Any, asked: str, request: gr.Request) -> tuple[Any, ...]:
        """On load: the reading named by ``?article=`` (the default with none), as ``show`` gives it.

        ``asked`` is what the page's script read from its address, or from a web component's
        ``src`` (whose events carry the course page's query string, not the chat's).
        """
        params = getattr(request, "query_params", None) or {}
        asked = asked or (params["article"] if "article" in params else "")
        return self.show(str(asked or self.library.default), saved, request)

    def show(self, name: str, saved: Any, request: gr.Request | None) -> tuple[Any, ...]:
        """Everything that follows the reading, in ``PAGE_OUTPUTS`` order: the state, picker, header,
        embed bar, outline, article, chat with its starters and stored conversation, download,
        question box, send button and queue. The tab's answer in another reading stops."""
        session = _session(request)
        with self._lock:
            others = list(self._handlers.values())
        for other in others:
            other._stop(session)
        readings = [
            {**r, "title": r["title"] or self._opening_words(r["name"])} for r in self.library.readings()
        ]
        choices = [(reading_label(r), r["name"]) for r in readings]
        try:
            handlers = self.handlers(name)
        except UnknownReading:
            picker = gr.Dropdown(choices=choices, value=None, visible=len(choices) > 1)
            notice = render_unknown_reading(name, readings)
            chat = gr.Chatbot(value=[], examples=None, placeholder="**No such reading.**")
            closed = gr.Textbox(value="", interactive=False), gr.Button(interactive=False)
            return None, picker, notice, notice, "", "", chat, [], _download_off(), *closed, ""
        service = handlers.desk.service
        article: Article = service.article
        chat, turns, download = handlers.restore(saved)
        starters: list[Any] = [{"text": q} for q in handlers.starters(n=4)]
        return (
            name,
            gr.Dropdown(choices=choices, value=name, visible=len(choices) > 1),
            render_header(article, getattr(service, "answerer_name", "extractive")),
            render_embed_bar(article),
            render_outline(service.outline() if hasattr(service, "outline") else []),
            render_article(article),
            gr.Chatbot(value=chat, examples=starters, placeholder=_PLACEHOLDER),
            turns,
            download,
            gr.Textbox(interactive=True),
            gr.Button(interactive=True),
            "",
        )

    def _opening_words(self, name: str) -> str:
        """An untitled reading's name in the picker: its opening words (its name if it cannot open)."""
        try:
            return reading_title(self.library.service(name).article)
        except ArticleChatError:
            return ""

    def submit(self, message: str, reading: str | None, request: gr.Request) -> tuple[Any, str]:
        if reading is None:
            gr.Warning("Pick a reading first.")
            return gr.skip(), gr.skip()
        return self.handlers(reading).submit(message, request)

    def respond_page(
        self,
        chat: list[dict[str, Any]],
        turns: list[dict[str, Any]],
        reading: str | None,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        if reading is None:
            yield (gr.skip(),) * 5
            return
        yield from self.handlers(reading).respond_page(chat, turns, request)

    def save(self, saved: Any, turns: list[dict[str, Any]], reading: str | None) -> Any:
        return saved if reading is None else self.handlers(reading).save(saved, turns)

    def like(
        self, turns: list[dict[str, Any]], data: gr.LikeData, browser: str = "", reading: str | None = None
    ) -> list[dict[str, Any]]:
        return turns if reading is None else self.handlers(reading).like(turns, data, browser)

    def clear(self, saved: Any, reading: str | None, request: gr.Request) -> tuple[Any, ...]:
        if reading is None:
            return [], [], _download_off(), saved, ""
        return self.handlers(reading).clear(saved, request)


def _download_off() -> Any:
    return gr.DownloadButton(value=None, interactive=False)


_PLACEHOLDER = "**Ask a question about the article**, or start with one of these:"
# The reading this page was opened for: its own address, or a web component's src.
_ASKED = """(saved, asked) => {
  const apps = [...document.querySelectorAll("gradio-app[src]")];
  const page = apps.length === 1 ? apps[0].getAttribute("src") : window.location.href;
  return [saved, new URL(page, window.location.href).searchParams.get("article") || ""];
}"""
# Puts the picked reading in the address bar, so a reload (or a shared link) opens it again.
_SET_URL = """(name) => {
  const url = new URL(window.location.href);
  url.searchParams.set("article", name);
  window.history.replaceState(null, "", url);
}"""


def build_app(
    service: Any,
    settings: Settings,
    *,
    desk: ChatDesk | None = None,
    library: Library | None = None,
    stream_delay: float = DEFAULT_STREAM_DELAY,
) -> gr.Blocks:
    """The chat page (built, never launched): chat, article pane, starters, feedback, download, ``/ask``.

    ``library`` gives every reading (``/?article=NAME``; without one, ``service`` is the only
    reading); ``desk`` (the default reading's) shares the feedback store with the HTTP API; by
    default it is made from ``settings.database``. ``/ask`` answers from the default reading.
    """
    desk = desk or ChatDesk(service, FeedbackStore(settings.database))
    library = library or Library.of({desk.reading: service}, default=desk.reading)
    downloads = Path(tempfile.mkdtemp(prefix="article-chat-"))
    page = ReadingPage(
        library, desk.store, downloads=downloads, stream_delay=stream_delay, desks={library.default: desk}
    )
    handlers = page.handlers(library.default)
    # The default reading until the page's load shows the one its address names; the question box
    # opens only then, so nothing is asked of a reading the tab is not on.
    first = dict(
        zip(
            ("header", "embed", "outline", "article", "chat"),
            page.show(library.default, {}, None)[2:7],
            strict=True,
        )
    )
    with gr.Blocks(
        title="Ask the article", analytics_enabled=False, delete_cache=(3600, DOWNLOAD_TTL_S)
    ) as app:
        reading = gr.State(None)  # this tab's reading, set on load
        asked = gr.Textbox("", visible=False)  # the reading the address asks for, read by _ASKED
        turns = gr.State([])
        # One vote per answer per browser. The id is not a secret; a fixed key lets every replica read it.
        browser = gr.BrowserState("", storage_key="article-chat-browser", secret="article-chat-browser-id")
        saved = gr.BrowserState({}, storage_key=STORAGE_KEY, secret=STORAGE_SECRET)
        with gr.Column(elem_id="ac-root"):
            with gr.Row(elem_id="ac-top", equal_height=False):
                header = gr.HTML(first["header"], elem_id="ac-header")
                picker = gr.Dropdown(
                    label="Reading",
                    choices=[],
                    visible=False,
                    interactive=True,
                    scale=0,
                    min_width=280,
                    elem_id="ac-picker",
                )
            embed_bar = gr.HTML(first["embed"], elem_id="ac-embed-bar")
            with gr.Row(elem_id="ac-main", equal_height=False):
                with gr.Column(scale=5, min_width=300, elem_id="ac-chat-col"):
                    chatbot = gr.Chatbot(
                        elem_id="ac-chatbot",
                        show_label=False,
                        height="min(68vh, 720px)",
                        render_markdown=False,  # messages are our escaped HTML, nothing else
                        sanitize_html=True,
                        allow_tags=False,
                        latex_delimiters=[],
                        feedback_options=("Like", "Dislike"),
                        group_consecutive_messages=False,
                        buttons=[],  # "copy" would copy our markup, not the answer
                        examples=first["chat"].examples,
                        placeholder=_PLACEHOLDER,
                    )
                    with gr.Row(elem_id="ac-ask-row"):
                        question = gr.Textbox(
                            elem_id="ac-question",
                            show_label=False,
                            placeholder="Ask about the article…",
                            max_lines=4,
                            scale=8,
                            autofocus=False,  # chat.js focuses it on wide screens: a phone opens at the top
                            container=False,
                            interactive=False,  # until the page's load
                        )
                        send = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="ac-send")
                    queued = gr.HTML("", elem_id="ac-queued")
                    with gr.Row(elem_id="ac-tools", equal_height=True):
                        download = gr.DownloadButton(
                            "Download conversation (.md)", interactive=False, size="sm", elem_id="ac-download"
                        )
                        clear = gr.Button("Clear conversation", size="sm", elem_id="ac-clear")
                with gr.Column(scale=4, min_width=300, elem_id="ac-article-col"):
                    outline = gr.HTML(first["outline"], elem_id="ac-outline-html")
                    article_pane = gr.HTML(first["article"], elem_id="ac-article-html")

        shown = [reading, picker, header, embed_bar, outline, article_pane, chatbot, turns, download]
        shown += [question, send, queued]
        # Sending only queues the question (at once, even while an answer streams); respond then
        # answers the tab's queue. Both may fire while one is pending: nothing typed is dropped.
        queue_it = dict(
            fn=page.submit,
            outputs=[question, queued],
            api_visibility="private",
            queue=False,
            trigger_mode="multiple",
        )
        answer = dict(
            fn=page.respond_page,
            inputs=[chatbot, turns, reading],
            outputs=[chatbot, turns, download, queued, clear],
            api_visibility="private",
            concurrency_limit=CHAT_CONCURRENCY,
            trigger_mode="multiple",
            show_progress="hidden",
        )
        # The browser's copy is written once the answers are in (a streamed skip would reach it as data).
        keep = dict(
            fn=page.save,
            inputs=[saved, turns, reading],
            outputs=[saved],
            api_visibility="private",
            queue=False,
        )
        question.submit(inputs=[question, reading], **queue_it).then(**answer).then(**keep)  # type: ignore[arg-type]
        send.click(inputs=[question, reading], **queue_it).then(**answer).then(**keep)  # type: ignore[arg-type]
        picked = chatbot.example_select(pick_example, None, question, api_visibility="private", queue=False)
        picked.then(inputs=[question, reading], **queue_it).then(**answer).then(**keep)  # type: ignore[arg-type]
        liked = chatbot.like(page.like, [turns, browser, reading], [turns], api_visibility="private")
        liked.then(**keep)  # type: ignore[arg-type]
        forget = dict(
            fn=page.clear, inputs=[saved, reading], outputs=[chatbot, turns, download, saved, queued]
        )
        clear.click(api_visibility="private", **forget)  # type: ignore[arg-type]
        picker.input(None, [picker], None, js=_SET_URL, api_visibility="private", queue=False)
        picker.input(page.show, [picker, saved], shown, api_visibility="private")
        app.load(browser_id, [browser], [browser], api_visibility="private", queue=False)
        app.load(
            page.load, [saved, asked], shown, js=_ASKED, api_visibility="private", concurrency_limit=None
        )
        gr.api(handlers.api_ask, api_name="ask", concurrency_limit=CHAT_CONCURRENCY)
        gr.api(handlers.api_ask_stream, api_name="ask_stream", concurrency_limit=CHAT_CONCURRENCY)
    # api_open=False: a queued event (an answer) cannot be run directly at /run/..., skipping the
    # queue and the rate limit; only the page's unqueued steps run there.
    app.queue(max_size=QUEUE_SIZE, api_open=False)
    return app


def page_assets() -> dict[str, Any]:
    """Theme, CSS and JS for ``gr.mount_gradio_app``: local fonts only, nothing from a CDN."""
    script = (STATIC / "chat.js").read_text(encoding="utf-8")
    return {
        "theme": gr.themes.Default(
            primary_hue="indigo", font=_FONTS, font_mono=["ui-monospace", "monospace"]
        ),
        "css_paths": [STATIC / "chat.css"],
        "js": f"() => {{\n{script}\n}}",
    }
