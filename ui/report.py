"""What the instructor page shows, as tables: built from the store's rows, no Gradio here."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from ui.feedback import FeedbackStore
from ui.grouping import (
    DEFAULT_THRESHOLD,
    NOT_COVERED,
    NOT_FOUND,
    OFF_TOPIC,
    Vectors,
    group_questions,
    split_refusals,
)

SHORT_ANSWER_CHARS = 160  # an answer in a table cell: its start
ANSWERS_SHOWN = 3  # distinct answers shown per group
PHRASINGS_SHOWN = 5


@dataclass
class Report:
    """The instructor page's content for one filter (reading, days)."""

    summary: str
    groups: list[list[Any]]
    not_covered: list[list[Any]]
    not_found: list[list[Any]]
    off_topic: list[list[Any]]
    questions: list[list[Any]]
    conversations: list[tuple[str, str]]  # (label, conversation id), newest first


def build_report(
    store: FeedbackStore,
    vectors: Vectors,
    *,
    reading: str | None = None,
    since: str | None = None,
    until: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Report:
    """Questions grouped by meaning, refusals in three, every question, and the conversations;
    raises ``StoreUnavailable``, or ``ValueError`` for a day not written ``YYYY-MM-DD``."""
    rows = store.questions(reading=reading, since=since, until=until)
    split = split_refusals(rows, vectors, threshold=threshold)
    up, down = sum(r["up"] for r in rows), sum(r["down"] for r in rows)
    summary = (
        f"Questions asked: **{len(rows)}** · refused: **{sum(r['refused'] for r in rows)}**"
        f" · thumbs up: **{up}** · thumbs down: **{down}**  \n"
        f"Refusals and thumbs-down: the article doesn't cover it **{len(split[NOT_COVERED])}**"
        f" · the bot couldn't find it **{len(split[NOT_FOUND])}**"
        f" · off-topic or instructions **{len(split[OFF_TOPIC])}**"
    )
    groups = [
        [
            g.count,
            g.representative,
            " · ".join(g.phrasings[:PHRASINGS_SHOWN]),
            " · ".join(short(a) for a in g.answers[:ANSWERS_SHOWN]),
            g.refused,
            g.up,
            g.down,
        ]
        for g in group_questions(rows, vectors, threshold=threshold)
    ]
    return Report(
        summary=summary,
        groups=groups,
        not_covered=[[when(r), r["question"], r["query"], r["reading"]] for r in split[NOT_COVERED]],
        not_found=[
            [
                when(r),
                r["question"],
                short(r["answer"]),
                "thumbs down" if r["down"] else "asked again",
                r["reading"],
            ]
            for r in split[NOT_FOUND]
        ],
        off_topic=[[when(r), r["question"], r["reading"]] for r in split[OFF_TOPIC]],
        questions=[
            [
                when(r),
                r["question"],
                short(r["answer"]),
                "yes" if r["refused"] else "",
                r["up"],
                r["down"],
                r["reading"],
                r["source"],
            ]
            for r in rows
        ],
        conversations=conversations(rows),
    )


def conversations(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Each conversation once, newest first: "when · first question (n questions)"."""
    turns: dict[str, list[dict[str, Any]]] = {}
    for row in rows:  # newest first
        if row.get("conversation"):
            turns.setdefault(row["conversation"], []).append(row)
    return [
        (f"{when(asked[-1])} · {short(asked[-1]['question'], 60)} ({len(asked)} questions)", conversation)
        for conversation, asked in turns.items()
    ]


def conversation_html(store: FeedbackStore, conversation: str | None) -> str:
    """One conversation's turns, oldest first, each with its answer and ratings (students' text escaped)."""
    rows = sorted(store.questions(conversation=conversation), key=lambda r: r["id"]) if conversation else []
    if not rows:
        return '<p class="ac-none">Pick a conversation to read it.</p>'
    turns = []
    for row in rows:
        flags = ["refused"] * row["refused"]
        flags += [f"thumbs up {row['up']}"] * bool(row["up"]) + [f"thumbs down {row['down']}"] * bool(
            row["down"]
        )
        meta = " · ".join([f"{when(row)} UTC", row["reading"], *flags])
        turns.append(
            f'<li class="ac-turn"><p class="ac-turn-q"><strong>{escape(row["question"])}</strong></p>'
            f'<p class="ac-turn-meta"><small>{escape(meta)}</small></p>'
            f'<blockquote class="ac-turn-a">{escape(short(row["answer"], 600))}</blockquote></li>'
        )
    return f'<ol class="ac-conversation">{"".join(turns)}</ol>'


def short(text: str, limit: int = SHORT_ANSWER_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def when(row: dict[str, Any]) -> str:
    """``asked_at`` to the second, as ``YYYY-MM-DD HH:MM:SS``."""
    return str(row["asked_at"])[:19].replace("T", " ")
