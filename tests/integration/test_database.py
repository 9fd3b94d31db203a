"""The feedback store on a real PostgreSQL: the same tests as on SQLite, and what replicas need."""

from __future__ import annotations

import importlib.util
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ui.feedback import FeedbackStore, StoreUnavailable

pytestmark = pytest.mark.integration


def _unit_store_tests() -> object:
    path = Path(__file__).resolve().parents[1] / "unit" / "test_ui_feedback.py"
    spec = importlib.util.spec_from_file_location("store_contract", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_contract = _unit_store_tests()
result = _contract.result  # type: ignore[attr-defined]
for _name in _contract.CONTRACT:  # type: ignore[attr-defined]
    globals()[_name] = getattr(_contract, _name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """A fresh SQLite file, or a fresh database on our own PostgreSQL."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_database"))
    return tmp_path / "feedback.sqlite3"


@pytest.fixture
def store(database: str | Path) -> Iterator[FeedbackStore]:
    store = FeedbackStore(database)
    yield store
    store.close()


def test_replicas_starting_together_create_the_schema_once(database: str | Path) -> None:
    stores: list[FeedbackStore] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_store() -> None:
        start.wait()
        try:
            stores.append(FeedbackStore(database))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(stores) == 4
    qid = stores[0].record_question(result(), source="web")
    stores[1].record_feedback(result(), "up", question_id=qid, browser="b")
    stores[2].record_feedback(result(), "down", question_id=qid, browser="b")
    assert stores[3].summary() == {"asked": 1, "refused": 0, "up": 0, "down": 1}
    assert len({s.shared_secret("session") for s in stores}) == 1
    for s in stores:
        s.close()


def test_a_database_nobody_listens_on_stops_start_with_a_clear_message() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(
        StoreUnavailable, match=r"cannot open the feedback database postgresql\+psycopg://chat:\*\*\*@"
    ):
        FeedbackStore(f"postgresql://chat:pw@127.0.0.1:{port}/chat")


def test_a_database_dropped_while_serving_loses_writes_with_one_log_line(
    postgres_server: str, postgres_database: str, caplog: pytest.LogCaptureFixture
) -> None:
    import psycopg

    store = FeedbackStore(postgres_database)
    assert store.record_question(result(), source="web") is not None
    name = postgres_database.rsplit("/", 1)[1]
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE {name} WITH (FORCE)")
    with caplog.at_level(logging.WARNING, logger="article-chat"):
        assert store.record_question(result(), source="web") is None
        store.record_feedback(result(), "up", browser="b")
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    with pytest.raises(StoreUnavailable):
        store.summary()
    store.close()
