"""The chat's HTML and Markdown, built from answers and the article: pure functions, no Gradio.

Every piece of user, answer or article text goes through ``html.escape`` before it reaches the
page; the only markup is ours (citation links, chips, passages), so nothing typed ever runs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from index.article import Article

STREAM_STEPS = 25  # at most this many partial renders per answer
OUTLINE_PER_LABEL = 4  # passages shown under each label of the outline
_MARKER = re.compile(r"\[(\d+)\]")
_TOKEN = re.compile(r"\[\d+\]|\S+\s*|\s+")


def esc(text: str) -> str:
    """Text made safe for HTML content and attribute values."""
    return html.escape(text, quote=True)


def cite_href(citation: dict[str, Any]) -> str:
    """The link target chat.js reads: the exact character span in the article."""
    return f"#ac-cite-{int(citation['start'])}-{int(citation['end'])}"


def _tip(citation: dict[str, Any]) -> str:
    """The hover text of a citation link: its paragraph and passage."""
    return esc(f"¶{citation['paragraph']}: {citation['text']}")


def render_question(question: str) -> str:
    """One user message, as text."""
    return f'<div class="ac-q">{esc(question)}</div>'


def render_text(
    text: str, citations: Sequence[dict[str, Any]], unsupported: Sequence[dict[str, str]] = ()
) -> str:
    """Answer text with each ``[n]`` marker turned into a link to citation n (others stay text),
    and each sentence the checks could not support wrapped in a visible ``ac-unsupported`` mark."""
    spans = []
    for item in unsupported:
        start = text.find(item["sentence"])
        if start >= 0:
            spans.append((start, start + len(item["sentence"]), item["reason"]))
    if not spans:
        return _linked(text, citations)
    parts, cursor = [], 0
    for start, end, reason in sorted(spans):
        if start < cursor:
            continue
        parts.append(_linked(text[cursor:start], citations))
        tip = esc(f"Not supported by the passage it cites: {reason}")
        parts.append(
            f'<mark class="ac-unsupported" title="{tip}">{_linked(text[start:end], citations)}'
            '<span class="ac-flag" aria-label="unsupported">⚠ unsupported</span></mark>'
        )
        cursor = end
    parts.append(_linked(text[cursor:], citations))
    return "".join(parts)


def _linked(text: str, citations: Sequence[dict[str, Any]]) -> str:
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
    """Labelled citation chips, each with its full passage for chat.js to show."""
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
    if partial is None and result.get("notice"):
        parts.append(f'<div class="ac-notice" role="status">{esc(result["notice"])}</div>')
    text = result["answer"] if partial is None else partial
    unsupported = result.get("unsupported", []) if partial is None else []
    parts.append(f'<div class="ac-text">{render_text(text, result["citations"], unsupported)}')
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
    """The assistant message shown while the answer is being found."""
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
        # A heading's one sentence starts after its Markdown marker ("# "): show it from there.
        start = p.sentences[0].start if p.kind == "heading" and p.sentences else p.start
        text = article.text[start : p.end]
        parts.append(
            f'<div class="ac-para ac-{p.kind}" id="ac-p-{p.number}">'
            f'<span class="ac-pn" title="paragraph {p.number}">{p.number}</span>'
            f'<span class="ac-pt" data-start="{start}" data-end="{p.end}">'
            f"{esc(text.replace(chr(13), ' '))}</span>"
            "</div>"
        )
    parts.append("</div></details>")
    return "".join(parts)


def render_outline(items: Sequence[dict[str, Any]], *, per_label: int = OUTLINE_PER_LABEL) -> str:
    """The "Outline of the argument" box: the article map's passages under their labels, each a
    citation link (``items``: ``label`` plus citation fields, as ``ChatService.outline`` gives)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(str(item["label"]), []).append(item)
    if not groups:
        return ""
    parts = [
        '<details id="ac-outline" open><summary class="ac-outline-summary">Outline of the argument</summary>'
        '<div class="ac-outline-list">'
    ]
    for label, group in groups.items():
        parts.append(f'<div class="ac-label">{esc(label)}</div>')
        for item in sorted(group[:per_label], key=lambda i: int(i["start"])):
            preview = item["text"] if len(item["text"]) <= 90 else item["text"][:87].rstrip() + "…"
            parts.append(
                f'<a class="ac-cite ac-outline-item" href="{cite_href(item)}" title="{_tip(item)}">'
                f"<b>¶{item['paragraph']}</b> {esc(preview)}</a>"
            )
    parts.append("</div></details>")
    return "".join(parts)


def reading_title(article: Article) -> str:
    """The reading's title, or its opening words in quotes when the text has none."""
    if article.title:
        return article.title
    first = article.body[0].text if article.body else article.text
    return "“" + (first if len(first) <= 90 else first[:87].rstrip() + "…") + "”"


def render_header(article: Article, answerer: str = "extractive") -> str:
    """The page header: the article's title (or opening words), author, who answers and how to
    read answers."""
    about = esc(reading_title(article))
    byline = f'<span class="ac-muted"> · by {esc(article.author)}</span>' if article.author else ""
    if answerer == "extractive":
        how = "Answers quote the article word for word."
    else:
        how = (
            "Answers are written by a language model from the article; every sentence is checked "
            "against the passage it cites, and any that isn't supported is marked."
        )
    return (
        '<div class="ac-header"><div class="ac-h1">Ask the article</div>'
        f'<div class="ac-about">{about}{byline}</div>'
        f'<div class="ac-muted">{how} Click a '
        '<span class="ac-demo">[1]</span> to see the passage; if the article doesn\'t say, '
        "the bot tells you.</div>"
        f'<div class="ac-muted ac-answerer">Answerer: <code>{esc(answerer)}</code></div></div>'
    )


def render_embed_bar(article: Article) -> str:
    """The embedded view's title line: the reading and a link to the full page (chat.js points it
    at the page without ``embed=1``, in a new tab, since the frame is too small to read in)."""
    title = reading_title(article)
    byline = f" · by {article.author}" if article.author else ""
    return (
        '<div class="ac-embed-bar">'
        f'<span class="ac-embed-title" title="{esc(title + byline)}">{esc(title)}</span>'
        '<a class="ac-open-article" href="?" target="_blank" rel="noopener">Read the article ↗</a></div>'
    )


def reading_label(reading: dict[str, Any]) -> str:
    """A reading as the picker lists it: its title, or its name when it has none."""
    return str(reading.get("title") or reading["name"])


def render_unknown_reading(name: str, readings: Sequence[dict[str, Any]]) -> str:
    """The page for ``?article=NAME`` naming no reading: what was asked and the readings there are."""
    items = "".join(
        f'<li><a href="?article={esc(quote(str(r["name"])))}">{esc(reading_label(r))}</a>'
        f" <code>{esc(str(r['name']))}</code></li>"
        for r in readings
    )
    return (
        '<div class="ac-header ac-unknown" role="alert"><div class="ac-h1">No such reading</div>'
        f"<p>There is no reading named <code>{esc(name[:100])}</code> here. The readings are:</p>"
        f"<ul>{items}</ul></div>"
    )


def render_blocked_embed(origin: str) -> str:
    """A whole page for a frame on a site that may not embed the chat: what happened and the fix."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Chat not available here</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>body{font:15px/1.5 system-ui,sans-serif;color:#374151;margin:16px}"
        "code{background:#f3f4f6;padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}</style></head>"
        '<body><h1 style="font-size:1.1rem">This chat can\'t be shown on this site</h1>'
        f"<p>The chat server does not allow pages on <code>{esc(origin)}</code> to embed it.</p>"
        "<p>Whoever runs the chat server can allow it: add <code>"
        f"{esc(origin)}</code> to <code>ARTICLE_CHAT_ALLOWED_ORIGINS</code> (comma-separated, "
        "scheme://host[:port] with no path) and restart the server.</p></body></html>"
    )


def render_queued(questions: Sequence[str]) -> str:
    """The questions sent while an answer streams, waiting their turn (empty when none)."""
    if not questions:
        return ""
    items = "".join(f"<li>{esc(q)}</li>" for q in questions)
    return f'<div class="ac-queued" role="status">Asked next, when this answer is done:<ol>{items}</ol></div>'


def conversation_markdown(turns: Sequence[dict[str, Any]], article: Article) -> str:
    """The conversation as Markdown, named for the reading, every citation written out with its
    paragraph and span."""
    byline = f" by {article.author}" if article.author else ""
    lines = [
        f"# Conversation about {reading_title(article)}",
        "",
        f"Reading: {reading_title(article)}{byline} ({article.source})",
        "",
        f"Exported {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
    ]
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
