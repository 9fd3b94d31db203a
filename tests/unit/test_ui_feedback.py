"""The SQLite store behind feedback and the instructor page."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ui.feedback import EXPORT_FIELDS, FeedbackStore, to_csv, to_jsonl


def result(question: str = "What did Powell say?", *, refused: bool = False) -> dict[str, Any]:
    citations = [] if refused else [{"n": 1, "paragraph": 8, "start": 10, "end": 20, "text": "Powell said"}]
    return {
        "question": question,
        "query": question,
        "answer": "The article doesn't say." if refused else "Powell said [1]",
        "refused": refused,
        "citations": citations,
        "closest": [],
        "timings_ms": {},
    }


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "data" / "feedback.sqlite3")


def test_store_uses_wal_mode(store: FeedbackStore) -> None:
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_counts_questions_refusals_and_ratings(store: FeedbackStore) -> None:
    first = store.record_question(result(), source="web")
    store.record_question(result("Weather in Paris?", refused=True), source="api")
    store.record_feedback(result(), "up", question_id=first)
    store.record_feedback(result(), "down", question_id=first)
    store.record_feedback(result(), "up", question_id=first)

    assert store.summary() == {"asked": 2, "refused": 1, "up": 2, "down": 1}
    newest, oldest = store.questions()
    assert (
        newest["question"] == "Weather in Paris?" and newest["refused"] is True and newest["source"] == "api"
    )
    assert (oldest["up"], oldest["down"]) == (2, 1)
    assert oldest["citations"][0]["text"] == "Powell said"


def test_feedback_keeps_question_answer_citations_and_time(store: FeedbackStore) -> None:
    store.record_feedback(result(), "down")
    with sqlite3.connect(store.path) as db:
        row = db.execute("SELECT given_at, rating, question, answer, citations FROM feedback").fetchone()
    given_at, rating, question, answer, citations = row
    assert given_at.startswith("20") and rating == "down"
    assert (question, answer) == ("What did Powell say?", "Powell said [1]")
    assert json.loads(citations)[0]["paragraph"] == 8


def test_rejects_unknown_rating(store: FeedbackStore) -> None:
    with pytest.raises(ValueError, match="rating"):
        store.record_feedback(result(), "meh")


def test_empty_store_summary(store: FeedbackStore) -> None:
    assert store.summary() == {"asked": 0, "refused": 0, "up": 0, "down": 0}
    assert store.questions() == []


def test_csv_export_is_one_row_per_question_and_defuses_formulas(store: FeedbackStore) -> None:
    store.record_question(result('=HYPERLINK("http://evil","x")'), source="web")
    store.record_question(result('Why, "really",\nnow?'), source="web")
    rows = list(csv.DictReader(io.StringIO(to_csv(store.questions()))))
    assert tuple(rows[0]) == EXPORT_FIELDS
    assert rows[0]["question"] == 'Why, "really",\nnow?'
    assert rows[1]["question"].startswith("'=HYPERLINK")
    assert json.loads(rows[0]["citations"])[0]["n"] == 1


def test_jsonl_export_round_trips(store: FeedbackStore) -> None:
    store.record_question(result("<b>bold?</b>"), source="web")
    lines = to_jsonl(store.questions()).splitlines()
    assert len(lines) == 1
    row = json.loads(lines[0])
    assert row["question"] == "<b>bold?</b>" and row["refused"] is False and row["citations"][0]["end"] == 20
    assert tuple(row) == EXPORT_FIELDS
