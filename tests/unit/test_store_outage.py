"""A feedback database lost while serving: the student still gets the answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ui.app import ChatDesk
from ui.feedback import FeedbackStore


def test_the_answer_reaches_the_student_when_the_database_is_down(tiny_service: Any, tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    desk = ChatDesk(tiny_service, store)
    store.engine = sa.create_engine(f"sqlite:///{tmp_path / 'gone' / 'f.sqlite3'}")  # cannot open
    result, question_id = desk.ask("What is the article about?", source="api")
    assert result["answer"] and question_id is None
    streamed = list(desk.stream("What is the article about?", source="web"))
    assert streamed[-1][0]["answer"] and streamed[-1][1] is None
