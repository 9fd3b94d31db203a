"""The whole pipeline as a LangChain Runnable: messages -> standalone query -> passages -> answer."""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.runnables import Runnable, RunnableLambda

from bot.answer import Answer
from bot.followup import narrated_subject, person_genders, standalone_query
from bot.language import NOT_ENGLISH, is_english
from bot.retrieval import HybridRetriever, Scored
from bot.spelling import Speller
from bot.validate import DEFAULT_MAX_CHARS, split_messages


class Answerer(Protocol):
    """Anything that turns a question and ranked passages into a cited ``Answer``.

    An answerer may also offer ``stream(question, query, candidates, history)`` yielding
    ``StreamDelta`` then the ``Answer``, and ``rewrite(question, history, fallback=...)``
    returning a standalone query; the chain uses them when present.
    """

    def answer(
        self, question: str, query: str, candidates: list[Scored], history: Sequence[dict[str, str]] = ()
    ) -> Answer: ...


@dataclass(frozen=True)
class StreamDelta:
    """Text the answerer just produced, and every citation its markers resolved to so far."""

    text: str
    citations: list[dict[str, Any]] = field(default_factory=list)


class ArticleChain:
    """The pipeline's steps, run whole (``invoke``) or streamed (``stream``)."""

    def __init__(self, *, retriever: HybridRetriever, answerer: Answerer, max_chars: int = DEFAULT_MAX_CHARS):
        self.retriever = retriever
        self.answerer = answerer
        self.max_chars = max_chars
        self.people = sorted({p for chunk in retriever.index.chunks for p in chunk.people})
        self.genders = person_genders(retriever.index.chunks)
        subject = narrated_subject(retriever.index.chunks)  # who an unnamed "she" means, if anyone
        self.subject = subject[0] if subject else None
        written = [w for chunk in retriever.index.chunks for w in re.findall(r"[^\W\d_]+", chunk.text)]
        full_names = {n for chunk in retriever.index.chunks for n in chunk.names if " " in n}
        self.speller = Speller(written, sorted(full_names))

    def with_answerer(self, answerer: Answerer) -> ArticleChain:
        """The same pipeline (people, speller and its remembered corrections) with another answerer."""
        chain = copy.copy(self)
        chain.answerer = answerer
        return chain

    def invoke(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """``{"messages": [...]}`` -> the answer JSON."""
        result: dict[str, Any] = {}
        for event in self.stream(inputs, deltas=False):
            if isinstance(event, dict):
                result = event
        return result

    def stream(
        self, inputs: dict[str, Any], *, deltas: bool = True
    ) -> Iterator[StreamDelta | dict[str, Any]]:
        """``StreamDelta``s as the answer is written, then the answer JSON."""
        timings: dict[str, float] = {}
        started = time.perf_counter()
        question, history = split_messages(inputs.get("messages"), max_chars=self.max_chars)
        rewrite = getattr(self.answerer, "rewrite", None)
        if rewrite is None and not is_english(question, self.speller.vocabulary):
            # Only a language model translates; the offline answerer says what it reads.
            yield to_json(question, question, Answer(NOT_ENGLISH, refused=True, reason=NOT_ENGLISH), timings)
            return
        asked = self.speller.correct(question)  # typos fixed; the answer object keeps what was typed
        query = standalone_query(
            asked, history, people=self.people, genders=self.genders, subject=self.subject
        )
        if rewrite is not None:
            query = rewrite(question, history, fallback=query)
        timings["rewrite"] = _ms(started)
        mark = time.perf_counter()
        earlier = [m["content"] for m in history if m["role"] == "user"]
        topic = earlier[-1] if earlier and earlier[-1] not in query else None
        candidates = self.retriever.rank(query, topic=topic)
        timings["retrieve"] = _ms(mark)
        mark = time.perf_counter()
        streaming = getattr(self.answerer, "stream", None) if deltas else None
        if streaming is None:
            answer = self.answerer.answer(asked, query, candidates, history)
            if deltas:
                yield StreamDelta(answer.text, [c.as_dict() for c in answer.citations])
        else:
            for event in streaming(asked, query, candidates, history):
                if isinstance(event, Answer):
                    answer = event
                else:
                    yield event
        timings["answer"] = _ms(mark)
        timings["total"] = _ms(started)
        yield to_json(question, query, answer, timings)


def build_chain(
    *, retriever: HybridRetriever, answerer: Answerer, max_chars: int = DEFAULT_MAX_CHARS
) -> Runnable[dict[str, Any], dict[str, Any]]:
    """A Runnable taking ``{"messages": [...]}`` (OpenAI chat format) and returning the answer JSON."""
    chain = ArticleChain(retriever=retriever, answerer=answerer, max_chars=max_chars)
    return RunnableLambda(chain.invoke, name="article_chat")


def to_json(question: str, query: str, answer: Answer, timings: dict[str, float]) -> dict[str, Any]:
    """The stable answer contract shared by the CLI, the web API and the eval."""
    return {
        "question": question,
        "query": query,
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [c.as_dict() for c in answer.citations],
        "closest": [c.as_dict() for c in answer.closest],
        "answerer": answer.answerer,
        "unsupported": list(answer.unsupported),
        "notice": answer.notice,
        "timings_ms": timings,
    }


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
