"""Answers written by a chat model from the article's numbered sentences, each sentence checked.

The model sees the article as numbered passages (one sentence each; only retrieval's best ones
when the whole article does not fit) and must cite ``[n]`` after every sentence. Markers become
the same ``Citation`` objects the extractive answerer makes; a marker naming no passage is
dropped; each sentence is checked against the passages it cites by ``bot.verify.Verifier``, never
by the model itself. Any fault of the model (down, slow, rate-limited, garbage) gives the
extractive answer with a notice.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from bot.answer import Answer, Citation
from bot.chain import Answerer, StreamDelta
from bot.followup import needs_context
from bot.guard import is_injection
from bot.retrieval import Scored
from bot.text import QUESTION_WORDS, STOPWORDS, words
from bot.verify import Verifier
from index.article import Article, split_sentences
from index.chunks import Chunk

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_CONTEXT_CHARS = 24_000  # prompt budget; an op-ed's numbered sentences fit
DEFAULT_RETRY_AFTER_S = 30.0  # after a fault, answer extractively this long before trying again
RELEVANT_PASSAGES = 8  # retrieval's best candidates, named to the model (or all it gets)
HISTORY_MESSAGES = 4  # earlier turns shown to the model
CLOSEST = 2
UNAVAILABLE = "The language model is unavailable; showing the article's own words."
UNVERIFIED = (
    "None of the language model's sentences could be checked against the article; "
    "showing the article's own words."
)
MARK, DROP = "mark", "drop"
_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_PARTIAL_MARKER = re.compile(r"\[[\d\s,;]*$")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?…])")
_DOESNT_SAY = re.compile(r"\b(doesn[’']t|does not|did not|didn[’']t) (say|mention|address|discuss)\b", re.I)


@cache
def prompt(name: str) -> str:
    """A prompt file from ``bot/prompts``."""
    return resources.files("bot").joinpath("prompts", f"{name}.txt").read_text(encoding="utf-8")


@dataclass
class Claim:
    """One sentence of the model's answer: its text without markers, and the passages it cites."""

    text: str
    cited: list[int] = field(default_factory=list)  # 0-based passage positions
    dangling: bool = False  # it had a marker naming no passage


class ModelFault(Exception):
    """The model failed in a way that calls for the extractive answer."""


class LLMAnswerer:
    """A chat model answers from the article's numbered sentences; ``fallback`` answers when it can't.

    Args:
        article: the article.
        chunks: its sentence chunks, in article order.
        model: a LangChain chat model (``bot.chat_models.chat_model``).
        name: what the answer's ``answerer`` field says, e.g. ``"openai:gpt-4o-mini"``.
        fallback: the extractive answerer, used for faults and guarded questions.
        verifier: checks each sentence against the passages it cites.
        unsupported: ``"mark"`` keeps failed sentences (listed in ``unsupported``), ``"drop"``
            removes them from the text.
        timeout: seconds for one model reply, from request to last token.
        context_chars: the most prompt text to send; beyond it only retrieval's best passages go
            (default: the model's own ``prompt_chars`` if it has one, else DEFAULT_CONTEXT_CHARS).
        retry_after: seconds to skip the model after it failed.
    """

    def __init__(
        self,
        article: Article,
        chunks: Sequence[Chunk],
        *,
        model: Any,
        name: str,
        fallback: Answerer,
        verifier: Verifier,
        unsupported: str = MARK,
        timeout: float = DEFAULT_TIMEOUT_S,
        context_chars: int | None = None,
        retry_after: float = DEFAULT_RETRY_AFTER_S,
    ):
        if unsupported not in (MARK, DROP):
            raise ValueError(f"unsupported must be {MARK!r} or {DROP!r}, not {unsupported!r}")
        self.article = article
        self.chunks = list(chunks)
        self.model = model
        self.name = name
        self.fallback = fallback
        self.verifier = verifier
        self.unsupported = unsupported
        self.timeout = timeout
        if context_chars is None:
            context_chars = int(getattr(model, "prompt_chars", DEFAULT_CONTEXT_CHARS))
        self.context_chars = context_chars
        self.retry_after = retry_after
        self._down_until = 0.0

    # -- the answer -----------------------------------------------------------------------------

    def answer(
        self, question: str, query: str, candidates: Sequence[Scored], history: Sequence[dict[str, str]] = ()
    ) -> Answer:
        final = None
        for event in self.stream(question, query, candidates, history):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def stream(
        self, question: str, query: str, candidates: Sequence[Scored], history: Sequence[dict[str, str]] = ()
    ) -> Iterator[StreamDelta | Answer]:
        """Text deltas (markers renumbered, dangling ones left out) as the model writes, then the Answer."""
        if is_injection(question):  # the extractive answerer refuses it, no model needed
            yield self._fallback(question, query, candidates, history, notice=None)
            return
        if self._is_down():
            yield self._fallback(question, query, candidates, history, notice=UNAVAILABLE)
            return
        passages, relevant = self.passages(candidates)
        messages = self.messages(question, history, passages, relevant)
        stream = MarkerStream(passages, self._citation)
        try:
            for piece in self._generate(messages):
                delta = stream.feed(piece)
                if delta:
                    yield StreamDelta(delta, [c.as_dict() for c in stream.citations])
            tail = stream.close()
            if tail:
                yield StreamDelta(tail, [c.as_dict() for c in stream.citations])
        except ModelFault as exc:
            self._fault(exc)
            yield self._fallback(question, query, candidates, history, notice=UNAVAILABLE)
            return
        answer = self.build(stream.raw, passages, candidates)
        if answer is None:
            log.warning("language model %s gave no usable sentence: %.200r", self.name, stream.raw)
            yield self._fallback(question, query, candidates, history, notice=UNAVAILABLE)
            return
        if not answer.citations and not answer.refused:
            yield self._fallback(question, query, candidates, history, notice=UNVERIFIED)
            return
        yield answer

    def rewrite(self, question: str, history: Sequence[dict[str, str]], *, fallback: str) -> str:
        """A standalone query in the article's language; ``fallback`` (the rule-based one) on any fault."""
        if not (history and needs_context(question)) and not looks_foreign(question):
            return fallback
        if self._is_down():
            return fallback
        turns = "\n".join(f"{m['role']}: {_strip_markers(m['content'])}" for m in history[-HISTORY_MESSAGES:])
        opening = self.chunks[0].text[:160] if self.chunks else ""
        text = prompt("rewrite").format(history=turns or "(none)", question=question, opening=opening)
        try:
            reply = "".join(self._generate([HumanMessage(text)]))
        except ModelFault as exc:
            self._fault(exc)
            return fallback
        lines = [line.strip().strip("\"'“”`") for line in reply.strip().splitlines() if line.strip()]
        query = lines[0].removeprefix("Standalone query:").strip() if lines else ""
        if not query or len(query) > 3 * len(fallback) + 200 or "QUESTION" in query:
            return fallback
        return query

    # -- the prompt -----------------------------------------------------------------------------

    def passages(self, candidates: Sequence[Scored]) -> tuple[list[Chunk], list[int]]:
        """The numbered passages (the whole article when it fits) and retrieval's best among them."""
        best = [c.chunk for c in candidates[:RELEVANT_PASSAGES]]
        whole = sum(len(c.text) + 16 for c in self.chunks) + len(prompt("system")) + len(prompt("passages"))
        passages = self.chunks if whole <= self.context_chars else best
        position = {c.id: i for i, c in enumerate(passages)}
        return passages, [position[c.id] + 1 for c in best if c.id in position]

    def messages(
        self,
        question: str,
        history: Sequence[dict[str, str]],
        passages: Sequence[Chunk],
        relevant: Sequence[int],
    ) -> list[BaseMessage]:
        """System rules, the last few turns, then the passages and the question."""
        earlier: list[BaseMessage] = []
        for turn in history[-HISTORY_MESSAGES:]:
            kind = HumanMessage if turn["role"] == "user" else AIMessage
            earlier.append(kind(_strip_markers(turn["content"])))
        title = f" “{self.article.title}”" if self.article.title else ""
        block = prompt("passages").format(
            title=title,
            passages=numbered(passages),
            relevant=", ".join(f"[{n}]" for n in relevant) or "none",
            question=question.replace("QUESTION>>>", "QUESTION"),
        )
        return [SystemMessage(prompt("system")), *earlier, HumanMessage(block)]

    # -- the reply ------------------------------------------------------------------------------

    def build(self, raw: str, passages: Sequence[Chunk], candidates: Sequence[Scored]) -> Answer | None:
        """The checked Answer from the model's whole reply; None when no sentence is usable."""
        sentences = parse(raw, len(passages))
        usable = [s for s in sentences if s.cited or _DOESNT_SAY.search(s.text)]
        if not usable:
            return None
        kept, unsupported = [], []
        for sentence in sentences:
            reason = self._problem(sentence, passages)
            if reason:
                unsupported.append({"sentence": sentence.text, "reason": reason})
                if self.unsupported == DROP:
                    continue
            kept.append(sentence)
        numbers: dict[int, int] = {}
        parts = []
        for sentence in kept:
            markers = "".join(f"[{numbers.setdefault(p, len(numbers) + 1)}]" for p in sentence.cited)
            parts.append(f"{sentence.text} {markers}".strip())
        citations = [self._citation(n, passages[p]) for p, n in numbers.items()]
        text = " ".join(parts)
        if not citations and _DOESNT_SAY.search(text):
            closest = [self._citation(i + 1, c.chunk) for i, c in enumerate(candidates[:CLOSEST])]
            return Answer(text, True, closest=closest, answerer=self.name, unsupported=unsupported)
        return Answer(text, False, citations=citations, answerer=self.name, unsupported=unsupported)

    def _problem(self, sentence: Claim, passages: Sequence[Chunk]) -> str:
        """Why the sentence is not supported by what it cites; "" when it is."""
        if not sentence.cited:
            if sentence.text.rstrip().endswith("?") or _DOESNT_SAY.search(sentence.text):
                return ""  # a question back to the student, or "the article doesn't say"
            return "it cites a passage that does not exist" if sentence.dangling else "it cites no passage"
        check = self.verifier.check(sentence.text, [passages[p].text for p in sentence.cited])
        return "" if check.supported else (check.reason or "not supported by the cited passage")

    # -- faults ---------------------------------------------------------------------------------

    def _generate(self, messages: list[BaseMessage]) -> Iterator[str]:
        """The model's reply piece by piece; ``ModelFault`` on any failure or past the timeout."""
        deadline = time.monotonic() + self.timeout
        try:
            for chunk in self.model.stream(messages):
                text = chunk.content if isinstance(chunk.content, str) else _text_of(chunk.content)
                if text:
                    yield text
                if time.monotonic() > deadline:
                    raise ModelFault(f"no complete reply within {self.timeout:g} s")
        except ModelFault:
            raise
        except Exception as exc:  # any client error: connection, timeout, 5xx, 429, bad payload
            raise ModelFault(f"{type(exc).__name__}: {_first_line(exc)}") from None

    def _fault(self, exc: ModelFault) -> None:
        log.warning(
            "language model %s unavailable (%s); answering from the article's own words for %g s",
            self.name,
            exc,
            self.retry_after,
        )
        self._down_until = time.monotonic() + self.retry_after

    def _is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _fallback(
        self,
        question: str,
        query: str,
        candidates: Sequence[Scored],
        history: Sequence[dict[str, str]],
        *,
        notice: str | None,
    ) -> Answer:
        answer = self.fallback.answer(question, query, list(candidates), history)
        return replace(answer, notice=notice)

    def _citation(self, n: int, chunk: Chunk) -> Citation:
        text = self.article.text[chunk.start : chunk.end]
        return Citation(n, chunk.paragraph, chunk.start, chunk.end, text)


class MarkerStream:
    """Turns the model's raw text into display text as it arrives: ``[7]`` becomes the citation's
    own number (``[1]`` for the first passage cited), a marker naming no passage disappears, and
    a half-written marker waits for its ``]``."""

    def __init__(self, passages: Sequence[Chunk], citation: Any):
        self.passages = passages
        self._citation = citation
        self.raw = ""
        self._pending = ""
        self._numbers: dict[int, int] = {}
        self.citations: list[Citation] = []

    def feed(self, text: str) -> str:
        self.raw += text
        self._pending += text
        out = []
        while True:
            match = _MARKER.search(self._pending)
            partial = _PARTIAL_MARKER.search(self._pending)
            if match and (partial is None or match.start() < partial.start()):
                out.append(self._pending[: match.start()] + self._renumber(match.group(1)))
                self._pending = self._pending[match.end() :]
                continue
            if partial:
                out.append(self._pending[: partial.start()])
                self._pending = self._pending[partial.start() :]
            else:
                out.append(self._pending)
                self._pending = ""
            return "".join(out)

    def close(self) -> str:
        rest, self._pending = self._pending, ""
        return rest

    def _renumber(self, group: str) -> str:
        markers = []
        for number in _numbers(group):
            if not 1 <= number <= len(self.passages):
                continue
            if number not in self._numbers:
                self._numbers[number] = len(self._numbers) + 1
                self.citations.append(self._citation(self._numbers[number], self.passages[number - 1]))
            markers.append(f"[{self._numbers[number]}]")
        return "".join(markers)


def parse(raw: str, passages: int) -> list[Claim]:
    """The reply's sentences with the passages they cite; markers after a full stop belong before it."""
    text = raw.strip()
    spans = split_sentences(text)
    pieces = [text[s:e] for s, e in spans]
    # "... the bridge. [3] The vote ..." splits as "... the bridge." / "[3] The vote ...".
    for i in range(1, len(pieces)):
        lead = _LEADING_MARKERS.match(pieces[i])
        if lead:
            pieces[i - 1] += " " + lead.group(0).strip()
            pieces[i] = pieces[i][lead.end() :].strip()
    sentences = []
    for piece in pieces:
        numbers = [n for group in _MARKER.findall(piece) for n in _numbers(group)]
        cited = list(dict.fromkeys(n - 1 for n in numbers if 1 <= n <= passages))
        body = _SPACE_BEFORE_PUNCT.sub(r"\1", _MARKER.sub("", piece))
        body = " ".join(body.split())
        if body.strip(" .,;:!?…\"'“”"):
            sentences.append(Claim(body, cited, dangling=len(cited) < len(set(numbers))))
        elif cited and sentences:  # markers alone, after the last sentence
            sentences[-1].cited += [p for p in cited if p not in sentences[-1].cited]
    return sentences


def numbered(passages: Sequence[Chunk]) -> str:
    """One passage a line, its number after it as an answer cites it ("... the bridge. [3]"), so a
    model that copies a sentence copies the right marker; a blank line between paragraphs."""
    lines: list[str] = []
    for i, chunk in enumerate(passages, start=1):
        if lines and chunk.paragraph != passages[i - 2].paragraph:
            lines.append("")
        lines.append(f"{chunk.text} [{i}]")
    return "\n".join(lines)


def looks_foreign(question: str) -> bool:
    """True for a question with several words and not one English function word ("¿Qué dijo?")."""
    tokens = words(question)
    return len(tokens) >= 3 and not any(t in STOPWORDS or t in QUESTION_WORDS for t in tokens)


def _numbers(group: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", group)]


def _strip_markers(text: str) -> str:
    return " ".join(_MARKER.sub("", text).split())


def _text_of(content: Any) -> str:
    """Text parts of a multi-part message content."""
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content or [])


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:200]
