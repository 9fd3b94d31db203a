"""The store behind feedback and the instructor page, on SQLite.

``tests/integration/test_database.py`` runs every test named in ``CONTRACT`` again on PostgreSQL
(it only swaps the ``store`` fixture), so these tests use the store's engine, never ``sqlite3``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ui.feedback import (
    EXPORT_FIELDS,
    RETRY_AFTER_S,
    FeedbackStore,
    StoreUnavailable,
    database_url,
    to_csv,
    to_jsonl,
)


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
def store(tmp_path: Path) -> Iterator[FeedbackStore]:
    store = FeedbackStore(tmp_path / "data" / "feedback.sqlite3")
    yield store
    store.close()


def test_store_uses_wal_mode(store: FeedbackStore) -> None:
    assert store.path is not None
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_older_sqlite_file_gets_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:  # the schema of the first release
        db.executescript(
            "CREATE TABLE questions (id INTEGER PRIMARY KEY, asked_at TEXT NOT NULL, source TEXT NOT NULL,"
            " question TEXT NOT NULL, query TEXT NOT NULL, answer TEXT NOT NULL, refused INTEGER NOT NULL,"
            " citations TEXT NOT NULL);"
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY, given_at TEXT NOT NULL, question_id INTEGER,"
            " rating TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, citations TEXT NOT NULL);"
            "INSERT INTO questions VALUES (1, '2025-01-01T00:00:00+00:00', 'web', 'q', 'q', 'a', 0, '[]');"
        )
    store = FeedbackStore(path)
    qid = store.record_question(result(), source="web")
    store.record_feedback(result(), "up", question_id=qid, browser="b1")
    store.record_feedback(result(), "down", question_id=qid, browser="b1")
    assert store.summary() == {"asked": 2, "refused": 0, "up": 0, "down": 1}
    store.close()


def test_postgresql_urls_use_psycopg_and_hide_the_password() -> None:
    url = database_url("postgresql://chat:s3cret@db.example:5432/chat")
    assert url.drivername == "postgresql+psycopg" and url.password == "s3cret"
    assert database_url(Path("/srv/f.sqlite3")).drivername == "sqlite"


def test_a_database_that_cannot_open_stops_start_with_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(
        StoreUnavailable, match="cannot open the feedback database .*ARTICLE_CHAT_DATABASE_URL"
    ):
        FeedbackStore(tmp_path / "dir.sqlite3")


def test_a_database_lost_while_serving_drops_writes_and_logs_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    now = [0.0]
    store = FeedbackStore(tmp_path / "f.sqlite3", clock=lambda: now[0])
    working = store.engine
    broken = sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}")  # cannot open
    tries: list[object] = []
    sa.event.listen(broken, "do_connect", lambda *args: tries.append(args))
    store.engine = broken
    with caplog.at_level(logging.WARNING, logger="article-chat"):
        assert store.record_question(result(), source="web") is None
        store.record_feedback(result(), "up", question_id=None, browser="b")
        assert len(tries) == 1, "while down, writes are dropped without waiting on the database"
        assert [r.levelname for r in caplog.records] == ["ERROR"]
        assert "not recorded until it is back" in caplog.records[0].getMessage()
        with pytest.raises(StoreUnavailable, match="unavailable"):
            store.summary()
        store.engine = working
        assert store.record_question(result(), source="web") is None  # not tried again yet
        now[0] += RETRY_AFTER_S
        assert store.record_question(result(), source="web") is not None
    assert "3 questions or votes were not recorded" in caplog.records[-1].getMessage()
    assert store.summary()["asked"] == 1
    store.close()


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
    with store.engine.connect() as db:
        row = db.execute(sa.text("SELECT given_at, rating, question, answer, citations FROM feedback")).one()
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


def test_one_vote_per_answer_per_browser(store: FeedbackStore) -> None:
    first = store.record_question(result(), source="web")
    second = store.record_question(result("Who?"), source="web")
    store.record_feedback(result(), "up", question_id=first, browser="browser-a")
    store.record_feedback(result(), "up", question_id=first, browser="browser-a")  # a second click
    store.record_feedback(result(), "down", question_id=first, browser="browser-a")  # changed its mind
    store.record_feedback(result(), "up", question_id=first, browser="browser-b")
    store.record_feedback(result("Who?"), "up", question_id=second, browser="browser-a")
    assert store.summary() == {"asked": 2, "refused": 0, "up": 2, "down": 1}
    counts = {row["id"]: (row["up"], row["down"]) for row in store.questions()}
    assert counts == {first: (1, 1), second: (1, 0)}


def test_shared_secret_is_made_once(store: FeedbackStore) -> None:
    secret = store.shared_secret("session")
    assert len(secret) >= 32 and store.shared_secret("session") == secret
    assert store.shared_secret("other") != secret
    again = FeedbackStore(store.url.render_as_string(hide_password=False))
    assert again.shared_secret("session") == secret  # another replica on the same database
    again.close()


def test_reading_defaults_and_can_be_named(store: FeedbackStore) -> None:
    store.record_question(result(), source="web")
    store.record_question(result("Other?"), source="web", reading="week-2")
    assert [row["reading"] for row in store.questions()] == ["week-2", "default"]


# Run again on PostgreSQL by tests/integration/test_database.py.
CONTRACT = (
    "test_counts_questions_refusals_and_ratings",
    "test_feedback_keeps_question_answer_citations_and_time",
    "test_rejects_unknown_rating",
    "test_empty_store_summary",
    "test_csv_export_is_one_row_per_question_and_defuses_formulas",
    "test_jsonl_export_round_trips",
    "test_one_vote_per_answer_per_browser",
    "test_shared_secret_is_made_once",
    "test_reading_defaults_and_can_be_named",
    "test_questions_keep_their_conversation_and_filter_by_reading_and_day",
    "test_clearing_a_reading_or_a_term_deletes_its_questions_and_votes",
    "test_pinned_starters_are_per_reading_in_order_and_can_be_unpinned",
)


def test_questions_keep_their_conversation_and_filter_by_reading_and_day(store: FeedbackStore) -> None:
    store.record_question(result(), source="web", conversation="tab-1")
    store.record_question(result("Other?"), source="web", reading="week-2")
    rows = store.questions()
    assert [(r["reading"], r["conversation"]) for r in rows] == [("week-2", None), ("default", "tab-1")]
    assert [r["question"] for r in store.questions(reading="week-2")] == ["Other?"]
    assert store.readings() == ["default", "week-2"]
    today = rows[0]["asked_at"][:10]
    assert len(store.questions(since=today, until=today)) == 2
    assert store.questions(until="2000-01-01") == [] and store.questions(since="2999-01-01") == []
    with pytest.raises(ValueError):
        store.questions(since="last week")


def test_clearing_a_reading_or_a_term_deletes_its_questions_and_votes(
    store: FeedbackStore, caplog: pytest.LogCaptureFixture
) -> None:
    kept = store.record_question(result(), source="web")
    gone = store.record_question(result("Other?"), source="web", reading="week-2")
    store.record_feedback(result(), "up", question_id=kept, browser="b")
    store.record_feedback(result("Other?"), "down", question_id=gone, browser="b")
    with caplog.at_level(logging.WARNING, logger="article-chat"):
        assert store.clear(reading="week-2") == {"questions": 1, "votes": 1}
    assert "cleared 1 questions and 1 votes (reading: week-2" in caplog.text
    assert [r["id"] for r in store.questions()] == [kept]
    assert store.clear(before="2000-01-01") == {"questions": 0, "votes": 0}  # a term long past
    assert store.clear(before="2999-01-01") == {"questions": 1, "votes": 1}
    assert store.summary() == {"asked": 0, "refused": 0, "up": 0, "down": 0}


def test_pinned_starters_are_per_reading_in_order_and_can_be_unpinned(store: FeedbackStore) -> None:
    assert store.pinned_starters() == []
    assert store.pin_starters("default", ["Why now?", " ", "Who decides?"]) == ["Why now?", "Who decides?"]
    store.pin_starters("week-2", ["What is new?"])
    assert store.pinned_starters("default") == ["Why now?", "Who decides?"]
    store.pin_starters("default", ["Who decides?", "Why now?"])  # reordered
    assert store.pinned_starters() == ["Who decides?", "Why now?"]
    store.pin_starters("default", [])
    assert store.pinned_starters() == [] and store.pinned_starters("week-2") == ["What is new?"]
