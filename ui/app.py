"""The chat page as Gradio Blocks: built here, launched by ``ui.server``; HTML comes from ``ui.render``."""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from bot.errors import ArticleChatError, InputError
from bot.validate import DEFAULT_MAX_CHARS, clean_question, scrub
from index.article import Article
from ui.feedback import FeedbackStore
from ui.render import (
    conversation_markdown,
    history_of,
    render_answer,
    render_article,
    render_header,
    render_outline,
    render_pending,
    render_question,
    stream_prefixes,
)
from ui.settings import Settings

STATIC = Path(__file__).with_name("static")
DEFAULT_STREAM_DELAY = 0.02  # seconds between streamed chunks: quick, but visibly streaming
WHOLE_ANSWER_CHARS = 80  # a delta this long came in one piece: type it out
CHAT_CONCURRENCY = 8  # answers computed and streamed at once
QUEUE_SIZE = 4 * CHAT_CONCURRENCY  # jobs waiting past this get "queue is full" at once, not a long wait
DOWNLOAD_TTL_S = 86_400  # conversation files older than a day are deleted
_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]


class ChatDesk:
    """The service and the feedback store behind both the page and the HTTP API."""

    def __init__(self, service: Any, store: FeedbackStore):
        self.service = service
        self.store = store

    def ask(self, question: Any, history: Any = (), *, source: str) -> tuple[dict[str, Any], int | None]:
        """The answer JSON and its row id (None: not stored); raises ``InputError`` for a bad question."""
        if history is None:
            history = []
        if not isinstance(history, list | tuple):
            raise InputError('history must be a list of {"role", "content"} objects')
        # No lock: the answer path is safe in parallel (ONNX Runtime sessions and Chroma queries
        # are thread-safe, the query cache has its own lock, the rest only reads).
        result: dict[str, Any] = self.service.ask(question, list(history))
        return result, self.store.record_question(result, source=source)

    def stream(self, question: Any, history: Any = (), *, source: str) -> Iterator[Any]:
        """``StreamDelta``s as the answer is written, then ``(answer JSON, row id)``."""
        if not isinstance(history or [], list | tuple):
            raise InputError('history must be a list of {"role", "content"} objects')
        result: dict[str, Any] = {}
        for event in self.service.stream(question, list(history or [])):
            if isinstance(event, dict):
                result = event
            else:
                yield event
        yield result, self.store.record_question(result, source=source)


class ChatHandlers:
    """The page's event handlers, callable directly from tests."""

    def __init__(self, desk: ChatDesk, *, downloads: Path, stream_delay: float = DEFAULT_STREAM_DELAY):
        self.desk = desk
        self.downloads = downloads
        self.stream_delay = stream_delay

    def respond(
        self, message: str, chat: list[dict[str, Any]], turns: list[dict[str, Any]]
    ) -> Iterator[tuple[Any, ...]]:
        """Ask, then stream the answer into the chat; yields (textbox, chat, turns, download)."""
        before, turns = list(chat or []), list(turns or [])
        try:
            shown = clean_question(
                message, max_chars=getattr(self.desk.service, "max_chars", DEFAULT_MAX_CHARS)
            )
        except InputError as exc:  # nothing to show yet: say why, keep what they typed
            gr.Warning(str(exc))
            yield scrub(message) if isinstance(message, str) else "", before, turns, gr.skip()
            return
        chat = [*before, {"role": "user", "content": render_question(shown)}, _assistant(render_pending())]
        yield "", list(chat), turns, gr.skip()
        partial = {"question": shown, "query": shown, "refused": False, "citations": [], "closest": []}
        written = ""
        try:
            for event in self.desk.stream(message, history_of(turns), source="web"):
                if isinstance(event, tuple):
                    result, question_id = event
                    break
                partial["citations"] = event.citations
                # A whole answer at once (the extractive answerer) is typed out; a model's tokens
                # are shown as they come.
                pieces = stream_prefixes(event.text) if len(event.text) > WHOLE_ANSWER_CHARS else []
                for prefix in [*pieces, event.text]:
                    chat[-1] = _assistant(render_answer(partial, partial=written + prefix))
                    yield "", list(chat), turns, gr.skip()
                    if pieces:
                        time.sleep(self.stream_delay)
                written += event.text
        except InputError as exc:
            gr.Warning(str(exc))
            yield scrub(message), before, turns, gr.skip()
            return
        except ArticleChatError as exc:
            raise gr.Error(f"The chat is unavailable: {exc}") from exc
        chat[-1] = _assistant(render_answer(result))
        turns.append({"result": result, "question_id": question_id, "index": len(chat) - 1, "rating": None})
        yield "", list(chat), turns, self.download(turns)

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

    def download(self, turns: list[dict[str, Any]]) -> Any:
        """A fresh Markdown file of the conversation for the download button."""
        if not turns:
            return gr.DownloadButton(value=None, interactive=False)
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


def _assistant(content: str) -> dict[str, str]:
    return {"role": "assistant", "content": content}


def pick_example(data: gr.SelectData) -> str:
    """A starter question clicked in the empty chat becomes the question."""
    return str(data.value["text"])


def build_app(
    service: Any,
    settings: Settings,
    *,
    desk: ChatDesk | None = None,
    stream_delay: float = DEFAULT_STREAM_DELAY,
) -> gr.Blocks:
    """The chat page (built, never launched): chat, article pane, starters, feedback, download, ``/ask``.

    ``desk`` shares the feedback store with the HTTP API; by default it is
    made from ``settings.database``.
    """
    desk = desk or ChatDesk(service, FeedbackStore(settings.database))
    handlers = ChatHandlers(
        desk, downloads=Path(tempfile.mkdtemp(prefix="article-chat-")), stream_delay=stream_delay
    )
    article: Article = service.article
    starters = service.starters(n=4)
    title = f"Ask the article: {article.title}" if article.title else "Ask the article"
    with gr.Blocks(title=title, analytics_enabled=False, delete_cache=(3600, DOWNLOAD_TTL_S)) as app:
        turns = gr.State([])
        # One vote per answer per browser. The id is not a secret; a fixed key lets every replica read it.
        browser = gr.BrowserState("", storage_key="article-chat-browser", secret="article-chat-browser-id")
        with gr.Column(elem_id="ac-root"):
            gr.HTML(
                render_header(article, getattr(service, "answerer_name", "extractive")), elem_id="ac-header"
            )
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
                        examples=[{"text": q} for q in starters],
                        placeholder="**Ask a question about the article**, or start with one of these:",
                    )
                    with gr.Row(elem_id="ac-ask-row"):
                        question = gr.Textbox(
                            elem_id="ac-question",
                            show_label=False,
                            placeholder="Ask about the article…",
                            max_lines=4,
                            scale=8,
                            autofocus=True,
                            container=False,
                        )
                        send = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="ac-send")
                    with gr.Row(elem_id="ac-tools"):
                        download = gr.DownloadButton(
                            "Download conversation (.md)", interactive=False, size="sm", elem_id="ac-download"
                        )
                with gr.Column(scale=4, min_width=300, elem_id="ac-article-col"):
                    if outline := render_outline(service.outline() if hasattr(service, "outline") else []):
                        gr.HTML(outline, elem_id="ac-outline-html")
                    gr.HTML(render_article(article), elem_id="ac-article-html")

        ask = dict(
            fn=handlers.respond,
            inputs=[question, chatbot, turns],
            outputs=[question, chatbot, turns, download],
            api_visibility="private",
            concurrency_limit=CHAT_CONCURRENCY,
        )
        question.submit(**ask)  # type: ignore[arg-type]
        send.click(**ask)  # type: ignore[arg-type]
        picked = chatbot.example_select(pick_example, None, question, api_visibility="private", queue=False)
        picked.then(**ask)  # type: ignore[arg-type]
        chatbot.like(handlers.like, [turns, browser], [turns], api_visibility="private")
        app.load(browser_id, [browser], [browser], api_visibility="private", queue=False)
        chatbot.clear(lambda: ([], handlers.download([])), None, [turns, download], api_visibility="private")
        gr.api(handlers.api_ask, api_name="ask", concurrency_limit=CHAT_CONCURRENCY)
        gr.api(handlers.api_ask_stream, api_name="ask_stream", concurrency_limit=CHAT_CONCURRENCY)
    app.queue(max_size=QUEUE_SIZE)
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
