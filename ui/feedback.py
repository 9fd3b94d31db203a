"""What students asked and how they rated the answers: SQLite (WAL mode) by default, or PostgreSQL.

One code path for both through SQLAlchemy Core. ``FeedbackStore(path)`` opens a SQLite file;
``FeedbackStore("postgresql://...")`` a PostgreSQL database shared by several replicas. The
schema is created on first use; on PostgreSQL under an advisory lock, so replicas that start
together do not race to create it.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import CreateIndex, CreateTable

from bot.errors import ArticleChatError

RATINGS = ("up", "down")
DEFAULT_READING = "default"
EXPORT_FIELDS = (
    "id", "asked_at", "reading", "conversation", "source", "question", "query", "refused", "answer",
    "citations", "up", "down",
)  # fmt: skip
CONNECT_TIMEOUT_S = 5  # a database that does not answer stops start-up, or one write, after this
RETRY_AFTER_S = 10.0  # while the database is down, writes are dropped at once; one try per this often
_SCHEMA_LOCK = 0x61C4A7  # PostgreSQL advisory lock key held while the schema is created
log = logging.getLogger("article-chat")

metadata = sa.MetaData()
questions_table = sa.Table(
    "questions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("asked_at", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("query", sa.Text, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("refused", sa.Integer, nullable=False),
    sa.Column("citations", sa.Text, nullable=False),
    sa.Column("reading", sa.Text, nullable=True, server_default=DEFAULT_READING),
    sa.Column("conversation", sa.Text, nullable=True),  # the page's tab: tells a retry from a new question
)
feedback_table = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("given_at", sa.Text, nullable=False),
    sa.Column("question_id", sa.Integer, sa.ForeignKey("questions.id"), nullable=True),
    sa.Column("rating", sa.Text, sa.CheckConstraint("rating IN ('up', 'down')"), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("citations", sa.Text, nullable=False),
    sa.Column("browser", sa.Text, nullable=True),  # a random id the page keeps: one vote per answer
)
one_vote = sa.Index("feedback_one_vote", feedback_table.c.question_id, feedback_table.c.browser, unique=True)
secrets_table = sa.Table(
    "secrets",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
starters_table = sa.Table(
    "starters",  # the instructor's pinned starter questions; a reading without any uses derived ones
    metadata,
    sa.Column("reading", sa.Text, primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
)
# Columns added after the first release: an older SQLite file gets them on open.
_ADDED_COLUMNS = {"questions": ("reading", "conversation"), "feedback": ("browser",)}


class StoreUnavailable(ArticleChatError):
    """The feedback database cannot be reached or used."""


def database_url(location: str | Path) -> sa.URL:
    """A SQLite path or a ``postgresql://`` URL, as the SQLAlchemy URL for psycopg 3."""
    text = str(location)
    if "://" not in text:
        return sa.URL.create("sqlite", database=text)
    url = sa.make_url(text)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _engine(url: sa.URL) -> sa.Engine:
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": CONNECT_TIMEOUT_S})

        @sa.event.listens_for(engine, "connect")
        def _wal(dbapi_connection: Any, _record: Any) -> None:
            # Readers (the instructor page) never block the chat; set on every new connection.
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

        return engine
    return sa.create_engine(
        url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
    )  # SQLAlchemy's pool, checked before use, so a restarted database is found again


class FeedbackStore:
    """Questions asked and thumbs up/down; safe from many threads and from several replicas.

    Writes on the answer path (``record_question``, ``record_feedback``) never fail the answer:
    while the database is down they are dropped, logged once when it goes down and once with the
    number dropped when it comes back (tried again every ``RETRY_AFTER_S``). Reads for the
    instructor raise ``StoreUnavailable``.
    """

    def __init__(self, location: str | Path, *, clock: Callable[[], float] = time.monotonic):
        self.url = database_url(location)
        self.path = Path(self.url.database or "") if self.url.get_backend_name() == "sqlite" else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = _engine(self.url)
        self._down_lock = threading.Lock()
        self._dropped: int | None = None  # writes lost since the database went down, None while up
        self._retry_at = 0.0  # while down, no write waits on the database before this
        self._clock = clock
        try:
            try:
                self._create_schema()
            except SQLAlchemyError:  # another process upgraded an old SQLite file at the same moment
                self._create_schema()
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise StoreUnavailable(
                f"cannot open the feedback database {self.describe()}: {_reason(exc)}; "
                "check ARTICLE_CHAT_DATABASE_URL (or unset it to use SQLite in the data dir)"
            ) from None

    def describe(self) -> str:
        """The database, without its password."""
        return self.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def _create_schema(self) -> None:
        with self.engine.begin() as db:
            if db.dialect.name == "postgresql":
                db.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
            for created in metadata.sorted_tables:  # IF NOT EXISTS: two processes on one SQLite file
                db.execute(CreateTable(created, if_not_exists=True))
            existing = sa.inspect(db)
            for table, names in _ADDED_COLUMNS.items():
                have = {c["name"] for c in existing.get_columns(table)}
                for name in names:
                    if name not in have:
                        column = metadata.tables[table].c[name]
                        kind = column.type.compile(db.dialect)
                        db.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}"))
            db.execute(CreateIndex(one_vote, if_not_exists=True))

    def _write(self, statement: Any, *, returning: bool = False) -> Any:
        """Run one write and return its RETURNING value; on a database failure log it (once per outage).

        While the database is down only one write per ``RETRY_AFTER_S`` tries it, so answers are not
        held up by a connection timeout each.
        """
        with self._down_lock:
            if self._dropped is not None and self._clock() < self._retry_at:
                self._dropped += 1
                return None
        try:
            with self.engine.begin() as db:
                result = db.execute(statement)
                written = result.scalar_one() if returning else 0  # read before the commit
        except SQLAlchemyError as exc:
            with self._down_lock:
                first = self._dropped is None
                self._dropped = (self._dropped or 0) + 1
                self._retry_at = self._clock() + RETRY_AFTER_S
            if first:
                log.error(
                    "feedback database %s is unavailable (%s): answers still go out, but questions and "
                    "votes are not recorded until it is back",
                    self.describe(),
                    _reason(exc),
                )
            return None
        with self._down_lock:
            dropped, self._dropped = self._dropped, None
        if dropped:
            log.warning(
                "feedback database %s is back; %d questions or votes were not recorded while it was down",
                self.describe(),
                dropped,
            )
        return written

    def record_question(
        self,
        result: dict[str, Any],
        *,
        source: str,
        reading: str = DEFAULT_READING,
        conversation: str | None = None,
    ) -> int | None:
        """Store one answered question (the answer JSON contract); its id, or None if not stored."""
        statement = (
            questions_table.insert()
            .values(
                asked_at=_now(),
                source=source,
                question=result["question"],
                query=result["query"],
                answer=result["answer"],
                refused=int(bool(result["refused"])),
                citations=json.dumps(result["citations"], ensure_ascii=False),
                reading=reading,
                conversation=conversation or None,
            )
            .returning(questions_table.c.id)
        )
        written = self._write(statement, returning=True)
        return None if written is None else int(written)

    def record_feedback(
        self,
        result: dict[str, Any],
        rating: str,
        *,
        question_id: int | None = None,
        browser: str | None = None,
    ) -> None:
        """Store a thumbs up or down on one answer; the same browser's later vote replaces its earlier one."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
        values = {
            "given_at": _now(),
            "question_id": question_id,
            "rating": rating,
            "question": result["question"],
            "answer": result["answer"],
            "citations": json.dumps(result["citations"], ensure_ascii=False),
            "browser": browser or None,
        }
        statement = self._insert(feedback_table).values(**values)
        if question_id is not None and browser:
            statement = statement.on_conflict_do_update(
                index_elements=["question_id", "browser"],
                set_={"rating": rating, "given_at": values["given_at"]},
            )
        self._write(statement)

    def shared_secret(self, name: str) -> str:
        """A random secret made once and kept in the database, so every replica signs alike."""
        statement = self._insert(secrets_table).values(name=name, value=secrets.token_urlsafe(32))
        with self._reading() as db:
            db.execute(statement.on_conflict_do_nothing(index_elements=["name"]))
            value = db.execute(sa.select(secrets_table.c.value).where(secrets_table.c.name == name))
            return str(value.scalar_one())

    def _insert(self, table: sa.Table) -> Any:
        """An INSERT that can say ON CONFLICT (both dialects spell it alike)."""
        return (postgresql if self.url.get_backend_name() == "postgresql" else sqlite).insert(table)

    @contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        """A transaction for the instructor's reads; a database failure becomes ``StoreUnavailable``."""
        try:
            with self.engine.begin() as db:
                yield db
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"the feedback database is unavailable: {_reason(exc)}") from None

    def summary(self) -> dict[str, int]:
        """Counts for the instructor page."""
        q, f = questions_table.c, feedback_table.c
        with self._reading() as db:
            asked, refused = db.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(q.refused), 0))
            ).one()
            counts: dict[str, int] = dict(
                db.execute(sa.select(f.rating, sa.func.count()).group_by(f.rating)).tuples().all()
            )
        return {"asked": asked, "refused": refused, "up": counts.get("up", 0), "down": counts.get("down", 0)}

    def questions(
        self,
        *,
        reading: str | None = None,
        since: str | None = None,
        until: str | None = None,
        conversation: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Asked questions, newest first, each with its thumbs up/down counts.

        ``reading`` keeps one reading's, ``conversation`` one conversation's; ``since``/``until``
        (``YYYY-MM-DD``, UTC, both days included) those asked in that range.
        """
        q, f = questions_table.c, feedback_table.c

        def votes(rating: str) -> Any:
            return (
                sa.select(sa.func.count())
                .where(f.question_id == q.id, f.rating == rating)
                .scalar_subquery()
                .label(rating)
            )

        query = sa.select(questions_table, votes("up"), votes("down")).order_by(q.id.desc()).limit(limit)
        query = query.where(*_filters(reading=reading, since=since, until=until))
        if conversation is not None:
            query = query.where(q.conversation == conversation)
        with self._reading() as db:
            rows = db.execute(query).mappings().all()
        return [
            {
                **row,
                "reading": row["reading"] or DEFAULT_READING,
                "refused": bool(row["refused"]),
                "citations": json.loads(row["citations"]),
            }
            for row in rows
        ]

    def readings(self) -> list[str]:
        """The readings that have questions, by name."""
        column = sa.func.coalesce(questions_table.c.reading, DEFAULT_READING)
        with self._reading() as db:
            return list(db.execute(sa.select(column).distinct().order_by(column)).scalars())

    def clear(self, *, reading: str | None = None, before: str | None = None) -> dict[str, int]:
        """Delete the questions (and their votes) of ``reading`` and/or asked before ``before``
        (``YYYY-MM-DD``, UTC); both None deletes everything. Returns what was deleted."""
        q, f = questions_table.c, feedback_table.c
        where = _filters(reading=reading, until=None, since=None)
        if before:
            where.append(q.asked_at < _day(before))
        chosen = sa.select(q.id).where(*where)
        with self._reading() as db:
            votes = db.execute(feedback_table.delete().where(f.question_id.in_(chosen))).rowcount
            if reading is None:  # votes on answers that were never stored, by when they were given
                loose = [f.question_id.is_(None)] + ([f.given_at < _day(before)] if before else [])
                votes += db.execute(feedback_table.delete().where(*loose)).rowcount
            asked = db.execute(questions_table.delete().where(*where)).rowcount
        log.warning(
            "instructor cleared %d questions and %d votes (reading: %s, asked before: %s)",
            asked,
            votes,
            reading or "all",
            before or "any date",
        )
        return {"questions": asked, "votes": votes}

    def pinned_starters(self, reading: str = DEFAULT_READING) -> list[str]:
        """The instructor's starter questions for ``reading``, in order (empty: none pinned)."""
        s = starters_table.c
        query = sa.select(s.text).where(s.reading == reading).order_by(s.position)
        with self._reading() as db:
            return list(db.execute(query).scalars())

    def pin_starters(self, reading: str, questions: list[str]) -> list[str]:
        """Replace ``reading``'s pinned starters (blank lines dropped); an empty list unpins them."""
        kept = [q.strip() for q in questions if q.strip()]
        with self._reading() as db:
            db.execute(starters_table.delete().where(starters_table.c.reading == reading))
            if kept:
                db.execute(
                    starters_table.insert(),
                    [{"reading": reading, "position": i, "text": text} for i, text in enumerate(kept)],
                )
        return kept


def _filters(*, reading: str | None, since: str | None, until: str | None) -> list[Any]:
    """WHERE clauses on questions for a reading and a range of days (``YYYY-MM-DD``, both included)."""
    q = questions_table.c
    where: list[Any] = []
    if reading is not None:
        where.append(sa.func.coalesce(q.reading, DEFAULT_READING) == reading)
    if since:
        where.append(q.asked_at >= _day(since))
    if until:
        where.append(q.asked_at < _day(until, after=1))
    return where


def _day(text: str, *, after: int = 0) -> str:
    """A ``YYYY-MM-DD`` day (``after`` days later) as the start of ``asked_at``; raises ``ValueError``."""
    day = datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=UTC) + timedelta(days=after)
    return day.date().isoformat()


def _reason(exc: BaseException) -> str:
    """The driver's first line, without SQLAlchemy's links and SQL echo."""
    original = getattr(exc, "orig", None) or exc
    return (str(original).strip().splitlines() or [type(original).__name__])[0][:300]


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
