"""The whole pipeline as a LangChain Runnable: messages -> standalone query -> passages -> answer."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any, Protocol

from langchain_core.runnables import Runnable, RunnableLambda

from bot.answer import Answer
from bot.followup import standalone_query
from bot.language import NOT_ENGLISH, is_english
from bot.retrieval import HybridRetriever, Scored
from bot.spelling import Speller
from bot.validate import DEFAULT_MAX_CHARS, split_messages


class Answerer(Protocol):
    """Anything that turns a question and ranked passages into a cited ``Answer``."""

    def answer(
        self, question: str, query: str, candidates: list[Scored], history: Sequence[dict[str, str]] = ()
    ) -> Answer: ...


def build_chain(
    *, retriever: HybridRetriever, answerer: Answerer, max_chars: int = DEFAULT_MAX_CHARS
) -> Runnable[dict[str, Any], dict[str, Any]]:
    """A Runnable taking ``{"messages": [...]}`` (OpenAI chat format) and returning the answer JSON."""

    people = sorted({p for chunk in retriever.index.chunks for p in chunk.people})
    written = [w for chunk in retriever.index.chunks for w in re.findall(r"[^\W\d_]+", chunk.text)]
    speller = Speller(written)
    vocabulary = speller.vocabulary

    def run(inputs: dict[str, Any]) -> dict[str, Any]:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        question, history = split_messages(inputs.get("messages"), max_chars=max_chars)
        if not is_english(question, vocabulary):
            return to_json(question, question, Answer(NOT_ENGLISH, refused=True, reason=NOT_ENGLISH), timings)
        asked = speller.correct(question)  # typos fixed; the answer object keeps what was typed
        query = standalone_query(asked, history, people=people)
        timings["rewrite"] = _ms(started)
        mark = time.perf_counter()
        earlier = [m["content"] for m in history if m["role"] == "user"]
        topic = earlier[-1] if earlier and earlier[-1] not in query else None
        candidates = retriever.rank(query, topic=topic)
        timings["retrieve"] = _ms(mark)
        mark = time.perf_counter()
        answer = answerer.answer(asked, query, candidates, history)
        timings["answer"] = _ms(mark)
        timings["total"] = _ms(started)
        return to_json(question, query, answer, timings)

    return RunnableLambda(run, name="article_chat")


def to_json(question: str, query: str, answer: Answer, timings: dict[str, float]) -> dict[str, Any]:
    """The stable answer contract shared by the CLI, the web API and the eval."""
    return {
        "question": question,
        "query": query,
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [c.as_dict() for c in answer.citations],
        "closest": [c.as_dict() for c in answer.closest],
        "timings_ms": timings,
    }


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
