"""Answers run in parallel: the desk holds no lock around the service."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ui.app import ChatDesk
from ui.feedback import FeedbackStore

CLIENTS = 4


class MeetingService:
    """Answers only once ``CLIENTS`` questions are being answered at the same time."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(CLIENTS, timeout=10)

    def ask(self, question: str, history: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
        self.barrier.wait()  # raises BrokenBarrierError if the calls were serialized
        return {
            "question": question,
            "query": question,
            "answer": "The article doesn't say.",
            "refused": True,
            "citations": [],
            "closest": [],
            "timings_ms": {"total": 1.0},
        }


def test_questions_are_answered_concurrently(tmp_path: Path) -> None:
    desk = ChatDesk(MeetingService(), FeedbackStore(tmp_path / "feedback.sqlite3"))
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(lambda i: desk.ask(f"Question {i}?", [], source="api"), range(CLIENTS)))
    assert sorted(r["question"] for r, _ in results) == [f"Question {i}?" for i in range(CLIENTS)]
    assert len({row_id for _, row_id in results}) == CLIENTS


def test_stemming_is_safe_from_many_threads() -> None:
    from bot.text import stem

    words = [f"{base}{suffix}" for base in ("connect", "general", "operat", "nation") for suffix in
             ("ing", "ed", "ions", "ization", "ively", "s", "er", "ers")]  # fmt: skip
    expected = {w: stem(w) for w in words}
    stem.cache_clear()  # stem for real in every thread, not from the cache

    def stem_all(_: int) -> dict[str, str]:
        got = {}
        for _ in range(200):
            for word in words:
                got[word] = stem(word)
            stem.cache_clear()
        return got

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(stem_all, range(8)))
    assert all(result == expected for result in results)
