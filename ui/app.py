"""The chat page and the instructor page as Gradio Blocks: built here, launched by ``ui.server``.

Every piece of user, answer or article text goes through ``html.escape`` before it reaches the
page; the only markup is ours (citation links, chips, passages), so nothing typed ever runs.
"""

from __future__ import annotations

import hmac
import html
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr

from bot.errors import ArticleChatError, InputError
from bot.validate import DEFAULT_MAX_CHARS, clean_question
from index.article import Article
from ui.feedback import FeedbackStore, to_csv, to_jsonl
from ui.settings import Settings

STATIC = Path(__file__).with_name("static")
DEFAULT_STREAM_DELAY = 0.02  # seconds between streamed chunks: quick, but visibly streaming
STREAM_STEPS = 25  # at most this many partial renders per answer
CHAT_CONCURRENCY = 8  # answers stream at once; the model call itself is serialized by ChatDesk
DOWNLOAD_TTL_S = 86_400  # conversation files older than a day are deleted
_MARKER = re.compile(r"\[(\d+)\]")
_TOKEN = re.compile(r"\[\d+\]|\S+\s*|\s+")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]


class ChatDesk:
    """The service and the feedback store behind both the page and the HTTP API."""

    def __init__(self, service: Any, store: FeedbackStore):
        self.service = service
        self.store = store
        self._lock = threading.Lock()  # one question at a time through the model and Chroma

    def ask(self, question: Any, history: Any = (), *, source: str) -> tuple[dict[str, Any], int]:
        """The answer JSON contract and its row id; raises ``InputError`` for a bad question."""
        if history is None:
            history = []
        if not isinstance(history, list | tuple):
            raise InputError('history must be a list of {"role", "content"} objects')
        with self._lock:
            result: dict[str, Any] = self.service.ask(question, list(history))
        return result, self.store.record_question(result, source=source)


# ---------------------------------------------------------------- rendering (pure, escaped)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def cite_href(citation: dict[str, Any]) -> str:
    """The link target chat.js reads: the exact character span in the article."""
    return f"#ac-cite-{int(citation['start'])}-{int(citation['end'])}"


def _tip(citation: dict[str, Any]) -> str:
    return esc(f"¶{citation['paragraph']}: {citation['text']}")


def render_question(question: str) -> str:
    return f'<div class="ac-q">{esc(question)}</div>'


def render_text(text: str, citations: Sequence[dict[str, Any]]) -> str:
    """Answer text with each ``[n]`` marker turned into a link to citation n (others stay text)."""
    by_n = {int(c["n"]): c for c in citations}
    parts, cursor = [], 0
    for match in _MARKER.finditer(text):
        citation = by_n.get(int(match.group(1)))
        if citation is None:
            continue
        parts.append(esc(text[cursor : match.start()]))
        parts.append(
            f'<a class="ac-cite ac-marker" href="{cite_href(citation)}" title="{_tip(citation)}"'
            f' aria-label="passage {citation["n"]}, paragraph {citation["paragraph"]}">[{citation["n"]}]</a>'
        )
        cursor = match.end()
    parts.append(esc(text[cursor:]))
    return "".join(parts)


def _chips(citations: Sequence[dict[str, Any]], *, label: str, kind: str) -> str:
    items = []
    for c in citations:
        preview = c["text"] if len(c["text"]) <= 70 else c["text"][:67].rstrip() + "…"
        mark = f"[{c['n']}] " if kind == "source" else ""
        items.append(
            f'<a class="ac-cite ac-chip ac-chip-{kind}" href="{cite_href(c)}" title="{_tip(c)}">'
            f"<b>{mark}¶{c['paragraph']}</b> {esc(preview)}</a>"
            f'<div class="ac-passage"><b>¶{c["paragraph"]}</b> {esc(c["text"])}</div>'
        )
    return f'<div class="ac-{kind}s"><div class="ac-label">{label}</div>{"".join(items)}</div>'


def render_answer(result: dict[str, Any], *, partial: str | None = None) -> str:
    """One assistant message; ``partial`` is a prefix of the answer while it streams."""
    refused = bool(result["refused"])
    parts = [f'<div class="ac-answer{" ac-refused" if refused else ""}">']
    if result["query"] != result["question"]:
        parts.append(f'<div class="ac-searched">Searched for: “{esc(result["query"])}”</div>')
    text = result["answer"] if partial is None else partial
    parts.append(f'<div class="ac-text">{render_text(text, result["citations"])}')
    parts.append('<span class="ac-caret"></span></div>' if partial is not None else "</div>")
    if partial is None:
        if result["citations"]:
            parts.append(_chips(result["citations"], label="From the article", kind="source"))
        if result["closest"]:
            label = "Closest passages (they do not answer the question)"
            parts.append(_chips(result["closest"], label=label, kind="closest"))
    parts.append("</div>")
    return "".join(parts)


def render_pending() -> str:
    return '<div class="ac-answer ac-pending">Reading the article…</div>'


def render_article(article: Article) -> str:
    """The article pane: numbered paragraphs whose text nodes keep the article's offsets.

    Each ``.ac-pt`` span holds ``article.text[start:end]`` verbatim (``\\r`` becomes a space so
    the browser keeps every character), which lets chat.js highlight exactly ``[start, end)``.
    """
    count = len(article.paragraphs)
    parts = [
        '<details id="ac-article" open><summary class="ac-article-summary">'
        '<span class="ac-article-name">Article</span>'
        f'<span class="ac-muted">{count} paragraphs</span></summary>'
        '<div id="ac-article-scroll" class="ac-article-scroll">'
    ]
    for p in article.paragraphs:
        start, text = p.start, p.text
        if p.kind == "heading" and (prefix := _MD_HEADING.match(text)):
            start, text = start + prefix.end(), text[prefix.end() :]
        parts.append(
            f'<div class="ac-para ac-{p.kind}" id="ac-p-{p.number}">'
            f'<span class="ac-pn" title="paragraph {p.number}">{p.number}</span>'
            f'<span class="ac-pt" data-start="{start}" data-end="{p.end}">'
            f"{esc(text.replace(chr(13), ' '))}</span>"
            "</div>"
        )
    parts.append("</div></details>")
    return "".join(parts)


def render_header(article: Article) -> str:
    if article.title:
        about = esc(article.title)
    else:
        first = article.body[0].text if article.body else article.text
        about = "“" + esc(first if len(first) <= 90 else first[:87].rstrip() + "…") + "”"
    byline = f'<span class="ac-muted"> · by {esc(article.author)}</span>' if article.author else ""
    return (
        '<div class="ac-header"><div class="ac-h1">Ask the article</div>'
        f'<div class="ac-about">{about}{byline}</div>'
        '<div class="ac-muted">Answers quote the article word for word. Click a '
        '<span class="ac-demo">[1]</span> to see the passage; if the article doesn\'t say, '
        "the bot tells you.</div></div>"
    )


def conversation_markdown(turns: Sequence[dict[str, Any]], article: Article) -> str:
    """The conversation as Markdown, every citation written out with its paragraph and span."""
    name = article.title or article.source
    lines = [f"# Conversation about {name}", "", f"Exported {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", ""]
    for number, turn in enumerate(turns, start=1):
        result = turn["result"]
        lines += [f"## {number}. {result['question']}", ""]
        if result["query"] != result["question"]:
            lines += [f"_Searched for: {result['query']}_", ""]
        lines += [result["answer"], ""]
        for c in result["citations"]:
            lines.append(f"> [{c['n']}] ¶{c['paragraph']} (characters {c['start']}–{c['end']}): {c['text']}")
        if result["closest"]:
            lines += ["", "Closest passages (not an answer):", ""]
            lines += [f"- ¶{c['paragraph']}: {c['text']}" for c in result["closest"]]
        if turn.get("rating"):
            lines += ["", f"Your feedback: {'helpful' if turn['rating'] == 'up' else 'not helpful'}"]
        lines.append("")
    return "\n".join(lines)


def history_of(turns: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Earlier turns in the ``{"role", "content"}`` form the service takes."""
    history = []
    for turn in turns:
        history.append({"role": "user", "content": turn["result"]["question"]})
        history.append({"role": "assistant", "content": turn["result"]["answer"]})
    return history


def stream_prefixes(answer: str, *, steps: int = STREAM_STEPS) -> list[str]:
    """Growing prefixes of ``answer`` cut between words, so a marker never shows half-typed."""
    tokens = _TOKEN.findall(answer)
    size = max(1, -(-len(tokens) // steps))
    return ["".join(tokens[:end]) for end in range(size, len(tokens), size)]


# ---------------------------------------------------------------- handlers


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
            yield message, before, turns, gr.skip()
            return
        chat = [*before, {"role": "user", "content": render_question(shown)}, _assistant(render_pending())]
        yield "", list(chat), turns, gr.skip()
        try:
            result, question_id = self.desk.ask(message, history_of(turns), source="web")
        except InputError as exc:
            gr.Warning(str(exc))
            yield message, before, turns, gr.skip()
            return
        except ArticleChatError as exc:
            raise gr.Error(f"The chat is unavailable: {exc}") from exc
        for prefix in stream_prefixes(result["answer"]):
            chat[-1] = _assistant(render_answer(result, partial=prefix))
            yield "", list(chat), turns, gr.skip()
            time.sleep(self.stream_delay)
        chat[-1] = _assistant(render_answer(result))
        turns.append({"result": result, "question_id": question_id, "index": len(chat) - 1, "rating": None})
        yield "", list(chat), turns, self.download(turns)

    def like(self, turns: list[dict[str, Any]], data: gr.LikeData) -> list[dict[str, Any]]:
        """Store a thumbs up/down with the question, answer and citations of that message."""
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        turns = list(turns or [])
        for turn in turns:
            if turn["index"] == index and data.liked in (True, False):
                turn["rating"] = "up" if data.liked else "down"
                self.desk.store.record_feedback(
                    turn["result"], turn["rating"], question_id=turn["question_id"]
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

    ``desk`` shares the feedback store and the model lock with the HTTP API; by default it is
    made from ``settings.feedback_db``.
    """
    desk = desk or ChatDesk(service, FeedbackStore(settings.feedback_db))
    handlers = ChatHandlers(
        desk, downloads=Path(tempfile.mkdtemp(prefix="article-chat-")), stream_delay=stream_delay
    )
    article: Article = service.article
    starters = service.starters(n=4)
    title = f"Ask the article: {article.title}" if article.title else "Ask the article"
    with gr.Blocks(title=title, analytics_enabled=False, delete_cache=(3600, DOWNLOAD_TTL_S)) as app:
        turns = gr.State([])
        with gr.Column(elem_id="ac-root"):
            gr.HTML(render_header(article), elem_id="ac-header")
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
        chatbot.like(handlers.like, [turns], [turns], api_visibility="private")
        chatbot.clear(lambda: ([], handlers.download([])), None, [turns, download], api_visibility="private")
        gr.api(handlers.api_ask, api_name="ask", concurrency_limit=CHAT_CONCURRENCY)
    return app


# ---------------------------------------------------------------- instructor page


def instructor_report(
    store: FeedbackStore, folder: Path
) -> tuple[str, list[list[Any]], list[list[Any]], str, str]:
    """Summary, all questions, refused questions, and paths of fresh CSV and JSONL exports."""
    rows = store.questions()
    s = store.summary()
    summary = (
        f"Questions asked: **{s['asked']}** · refused (the article doesn't cover them): **{s['refused']}**"
        f" · thumbs up: **{s['up']}** · thumbs down: **{s['down']}**"
    )
    when = lambda row: row["asked_at"][:19].replace("T", " ")  # noqa: E731
    table = [
        [when(r), r["question"], "yes" if r["refused"] else "", r["up"], r["down"], r["source"]] for r in rows
    ]
    refused = [[when(r), r["question"], r["query"]] for r in rows if r["refused"]]
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = folder / uuid.uuid4().hex
    out.mkdir(parents=True)
    csv_path, jsonl_path = out / f"questions-{stamp}.csv", out / f"questions-{stamp}.jsonl"
    csv_path.write_text(to_csv(rows), encoding="utf-8")
    jsonl_path.write_text(to_jsonl(rows), encoding="utf-8")
    return summary, table, refused, str(csv_path), str(jsonl_path)


def password_ok(given: str | None, expected: str | None) -> bool:
    """No password configured means open; otherwise a constant-time comparison."""
    if not expected:
        return True
    return hmac.compare_digest((given or "").encode(), expected.encode())


def build_instructor(store: FeedbackStore, settings: Settings) -> gr.Blocks:
    """The instructor page: questions asked, refused ones, feedback counts, CSV/JSONL export."""
    folder = Path(tempfile.mkdtemp(prefix="article-chat-exports-"))
    protected = bool(settings.instructor_password)

    def load(given: str | None) -> tuple[Any, ...]:
        if not password_ok(given, settings.instructor_password):
            raise gr.Error("Wrong password. It is the value of ARTICLE_CHAT_INSTRUCTOR_PASSWORD.")
        prune(folder, older_than=DOWNLOAD_TTL_S)
        summary, table, refused, csv_path, jsonl_path = instructor_report(store, folder)
        return (
            gr.Column(visible=True),
            summary,
            table,
            refused,
            gr.DownloadButton(value=csv_path, interactive=True),
            gr.DownloadButton(value=jsonl_path, interactive=True),
        )

    with gr.Blocks(title="Instructor view · article chat", analytics_enabled=False) as page:
        gr.Markdown(
            "## Instructor view\n"
            "What students asked, which questions the article doesn't cover, and their feedback."
        )
        with gr.Row(visible=protected):
            password = gr.Textbox(
                label="Instructor password", type="password", scale=4, elem_id="ac-password"
            )
            unlock = gr.Button("Open", variant="primary", scale=1, elem_id="ac-unlock")
        if not protected:
            gr.Markdown("_This page is open: set `ARTICLE_CHAT_INSTRUCTOR_PASSWORD` to protect it._")
        with gr.Column(visible=not protected) as report:
            summary = gr.Markdown(elem_id="ac-summary")
            with gr.Row():
                csv_button = gr.DownloadButton(
                    "Export CSV", interactive=False, size="sm", elem_id="ac-export-csv"
                )
                jsonl_button = gr.DownloadButton(
                    "Export JSONL", interactive=False, size="sm", elem_id="ac-export-jsonl"
                )
                refresh = gr.Button("Refresh", size="sm")
            gr.Markdown("### Refused questions (the article doesn't cover them)")
            refused = gr.Dataframe(
                headers=["asked at (UTC)", "question", "searched for"],
                interactive=False,
                wrap=True,
                elem_id="ac-refused-table",
            )
            gr.Markdown("### All questions, newest first")
            table = gr.Dataframe(
                headers=["asked at (UTC)", "question", "refused", "thumbs up", "thumbs down", "source"],
                interactive=False,
                wrap=True,
                elem_id="ac-questions-table",
            )
        outputs = [report, summary, table, refused, csv_button, jsonl_button]
        opened = dict(fn=load, inputs=[password], outputs=outputs, api_visibility="private")
        unlock.click(**opened)  # type: ignore[arg-type]
        password.submit(**opened)  # type: ignore[arg-type]
        refresh.click(**opened)  # type: ignore[arg-type]
        if not protected:
            page.load(**opened)  # type: ignore[arg-type]
    return page


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
