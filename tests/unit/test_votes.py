"""One vote per answer per browser: the page keeps a random id in localStorage and sends it with each vote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from ui.app import ChatDesk, ChatHandlers, browser_id, build_app
from ui.feedback import FeedbackStore
from ui.settings import Settings


def turn(question_id: int | None) -> dict[str, Any]:
    result = {"question": "Q?", "query": "Q?", "answer": "A [1]", "refused": False, "citations": []}
    return {"result": result, "question_id": question_id, "index": 1, "rating": None}


def vote(handlers: ChatHandlers, turns: list[dict[str, Any]], liked: bool, browser: str) -> Any:
    return handlers.like(turns, gr.LikeData(None, {"index": 1, "value": "", "liked": liked}), browser)


def test_a_browser_voting_again_replaces_its_vote(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    handlers = ChatHandlers(ChatDesk(None, store), downloads=tmp_path / "dl", stream_delay=0)
    qid = store.record_question(turn(None)["result"], source="web")
    turns = [turn(qid)]
    vote(handlers, turns, True, "browser-1")
    vote(handlers, turns, True, "browser-1")
    vote(handlers, turns, False, "browser-1")
    vote(handlers, turns, True, "browser-2")
    assert store.summary() == {"asked": 1, "refused": 0, "up": 1, "down": 1}


def test_browser_id_is_made_once() -> None:
    made = browser_id("")
    assert len(made) == 32 and browser_id(None) != made
    assert browser_id(made) == made


def test_the_page_sends_the_browser_id_with_each_vote(tiny_service: Any, tmp_path: Path) -> None:
    app = build_app(tiny_service, Settings(home=tmp_path), stream_delay=0)
    kept = [c for c in app.blocks.values() if isinstance(c, gr.BrowserState)]
    assert len(kept) == 1 and kept[0].storage_key == "article-chat-browser"
    like = next(d for d in app.fns.values() if getattr(d.fn, "__name__", "") == "like")
    assert kept[0] in like.inputs
    load = next(d for d in app.fns.values() if d.fn is browser_id)
    assert load.inputs == load.outputs == [kept[0]]
