"""What students asked and how they rated the answers, in one SQLite file (WAL mode)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RATINGS = ("up", "down")
EXPORT_FIELDS = (
    "id", "asked_at", "source", "question", "query", "refused", "answer", "citations", "up", "down",
)  # fmt: skip

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    asked_at TEXT NOT NULL,
    source TEXT NOT NULL,
    question TEXT NOT NULL,
    query TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    citations TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    given_at TEXT NOT NULL,
    question_id INTEGER REFERENCES questions(id),
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL
);
"""


class FeedbackStore:
    """Questions asked and thumbs up/down, one short connection per call (handlers run in threads)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")  # readers (instructor page) never block the chat
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            db.row_factory = sqlite3.Row
            yield db

    def record_question(self, result: dict[str, Any], *, source: str) -> int:
        """Store one answered question (the answer JSON contract); returns its id."""
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO questions (asked_at, source, question, query, answer, refused, citations)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    _now(),
                    source,
                    result["question"],
                    result["query"],
                    result["answer"],
                    int(bool(result["refused"])),
                    json.dumps(result["citations"], ensure_ascii=False),
                ),
            )
            return int(cursor.lastrowid or 0)

    def record_feedback(self, result: dict[str, Any], rating: str, *, question_id: int | None = None) -> None:
        """Store a thumbs up or down on one answer, with the question, answer and citations."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
        with self._connect() as db:
            db.execute(
                "INSERT INTO feedback (given_at, question_id, rating, question, answer, citations)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    _now(),
                    question_id,
                    rating,
                    result["question"],
                    result["answer"],
                    json.dumps(result["citations"], ensure_ascii=False),
                ),
            )

    def summary(self) -> dict[str, int]:
        """Counts for the instructor page."""
        with self._connect() as db:
            asked, refused = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(refused), 0) FROM questions"
            ).fetchone()
            counts = dict(db.execute("SELECT rating, COUNT(*) FROM feedback GROUP BY rating").fetchall())
        return {"asked": asked, "refused": refused, "up": counts.get("up", 0), "down": counts.get("down", 0)}

    def questions(self, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Asked questions, newest first, each with its thumbs up/down counts."""
        sql = (
            "SELECT q.*,"
            " (SELECT COUNT(*) FROM feedback f WHERE f.question_id = q.id AND f.rating = 'up') AS up,"
            " (SELECT COUNT(*) FROM feedback f WHERE f.question_id = q.id AND f.rating = 'down') AS down"
            " FROM questions q ORDER BY q.id DESC"
        )
        with self._connect() as db:
            rows = db.execute(sql + (" LIMIT ?" if limit else ""), (limit,) if limit else ()).fetchall()
        return [
            {**dict(row), "refused": bool(row["refused"]), "citations": json.loads(row["citations"])}
            for row in rows
        ]


def to_csv(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV; citations become one JSON cell so spreadsheets keep one row per question."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        cells = {**row, "citations": json.dumps(row["citations"], ensure_ascii=False)}
        writer.writerow({k: _inert(v) for k, v in cells.items()})
    return out.getvalue()


def to_jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps({k: row[k] for k in EXPORT_FIELDS}, ensure_ascii=False) + "\n" for row in rows)


def _inert(value: Any) -> Any:
    """Keep spreadsheets from running a student's "=HYPERLINK(...)" as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
