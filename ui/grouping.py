"""What the class asked, by meaning: similar questions grouped, refusals told apart.

Both work on the store's question rows (``FeedbackStore.questions``) and an ``embed`` function
passed in (the service's sentence embeddings: ``embed_documents``); nothing here loads a model.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.guard import is_injection, is_other_task

Embed = Callable[[list[str]], list[list[float]]]
# Cosine similarity at or above which two questions mean the same, measured with MiniLM on the
# labelled pairs of benchmarks/question_pairs.jsonl (benchmarks/grouping_threshold.py): the best
# F0.5 there is at 0.56, the lowest paraphrase in the sample; a little above, for a margin.
DEFAULT_THRESHOLD = 0.60
MAX_CACHED = 20_000  # question vectors kept between refreshes of the instructor page

NOT_COVERED = "the article doesn't cover it"
NOT_FOUND = "the bot couldn't find it"
OFF_TOPIC = "off-topic or instructions"
KINDS = (NOT_COVERED, NOT_FOUND, OFF_TOPIC)

# Input that is not a question at all: greetings, thanks, tests, keyboard mashing.
_CHATTER = re.compile(
    r"^\W*(hi|hello|hey|yo|thanks?|thank you|thx|ok(ay)?|cool|yes|no|test(ing)?|lol|bye|hmm+)\W*$", re.I
)

# What a question asks for: two questions asking "who" and "when" are never one, however many
# words they share ("When was the election?" / "Who won the election?"). What/which/how match any.
_ASKS = re.compile(r"\b(who|whom|whose|when|where|why|how (?:many|much|long|often))\b", re.I)
_SAME_ASK = {"whom": "who", "whose": "who"}


class Vectors:
    """Unit-length vectors of questions from ``embed``, each text embedded once."""

    def __init__(self, embed: Embed):
        self.embed = embed
        self.cache: dict[str, np.ndarray] = {}
        self.lock = threading.Lock()  # two instructors refreshing at once share the cache

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self.lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
            if missing:
                if len(self.cache) + len(missing) > MAX_CACHED:
                    self.cache.clear()
                vectors = np.asarray(self.embed(missing), dtype=np.float32)
                vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
                self.cache.update(zip(missing, vectors, strict=True))
            return np.stack([self.cache[t] for t in texts])


@dataclass
class Group:
    """Questions that mean the same: the most asked phrasing first."""

    representative: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def phrasings(self) -> list[str]:
        """The other ways it was asked."""
        return [p for p in dict.fromkeys(r["question"] for r in self.rows) if p != self.representative]

    @property
    def answers(self) -> list[str]:
        return list(dict.fromkeys(r["answer"] for r in self.rows))

    @property
    def refused(self) -> int:
        return sum(bool(r["refused"]) for r in self.rows)

    @property
    def up(self) -> int:
        return sum(int(r.get("up") or 0) for r in self.rows)

    @property
    def down(self) -> int:
        return sum(int(r.get("down") or 0) for r in self.rows)


def group_questions(
    rows: Sequence[dict[str, Any]], vectors: Vectors, *, threshold: float = DEFAULT_THRESHOLD
) -> list[Group]:
    """Greedy grouping: phrasings from most to least asked, each joins the first group whose
    representative it is ``threshold`` similar to, or starts one. Largest groups first."""
    by_text: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_text.setdefault(_key(row["question"]), []).append(row)
    texts = sorted(by_text, key=lambda t: -len(by_text[t]))  # stable: ties keep the newest first
    if not texts:
        return []
    matrix = vectors(texts)
    leaders: list[int] = []
    groups: list[Group] = []
    for i, text in enumerate(texts):
        found = None
        if leaders:
            similarity = matrix[leaders] @ matrix[i]
            for best in np.argsort(-similarity):
                if similarity[best] < threshold:
                    break
                if same_ask(groups[best].representative, text):
                    found = groups[best]
                    break
        if found is None:
            leaders.append(i)
            found = Group(representative=by_text[text][0]["question"])
            groups.append(found)
        found.rows.extend(by_text[text])
    return sorted(groups, key=lambda g: -g.count)


def split_refusals(
    rows: Sequence[dict[str, Any]], vectors: Vectors, *, threshold: float = DEFAULT_THRESHOLD
) -> dict[str, list[dict[str, Any]]]:
    """Refused or thumbs-down answers in three lists (``KINDS``), newest first.

    Off-topic or instructions: injection attempts, requests for other work or the bot's opinion,
    and chatter. The bot couldn't find it: a thumbs-down, or a retry (the next question in the
    same conversation means the same). The article doesn't cover it: the other refusals.
    """
    retried = _retried(rows, vectors, threshold=threshold)
    split: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    for row in rows:
        if not (row["refused"] or row.get("down")):
            continue
        if is_off_topic(row["question"]):
            split[OFF_TOPIC].append(row)
        elif row.get("down") or row["id"] in retried:
            split[NOT_FOUND].append(row)
        else:
            split[NOT_COVERED].append(row)
    return split


def same_ask(first: str, second: str) -> bool:
    """False when the two questions ask for different kinds of thing (a person, a time, a place...)."""
    a, b = _asks(first), _asks(second)
    return a is None or b is None or a == b


def _asks(question: str) -> str | None:
    found = _ASKS.search(question)
    if not found:
        return None
    word = " ".join(found.group(1).casefold().split())
    return "quantity" if word.startswith("how") else _SAME_ASK.get(word, word)


def is_off_topic(question: str) -> bool:
    """Instructions to the bot, requests for other work or its opinion, or no question at all."""
    return (
        is_injection(question)
        or is_other_task(question)
        or bool(_CHATTER.match(question))
        or not re.search(r"[^\W\d_]{2}", question)
    )


def _retried(rows: Sequence[dict[str, Any]], vectors: Vectors, *, threshold: float) -> set[int]:
    """Ids of questions asked again (in other words or the same) as the next one of their conversation."""
    by_conversation: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("conversation"):
            by_conversation.setdefault(row["conversation"], []).append(row)
    pairs = []
    for turns in by_conversation.values():
        ordered = sorted(turns, key=lambda r: r["id"])
        pairs += list(zip(ordered, ordered[1:], strict=False))
    if not pairs:
        return set()
    first = vectors([_key(a["question"]) for a, _ in pairs])
    second = vectors([_key(b["question"]) for _, b in pairs])
    similarity = np.einsum("ij,ij->i", first, second)
    return {
        a["id"]
        for (a, b), s in zip(pairs, similarity, strict=True)
        if s >= threshold and same_ask(a["question"], b["question"])
    }


def _key(question: str) -> str:
    """The same question typed with other case, spacing or end punctuation is one phrasing."""
    return " ".join(question.split()).rstrip("?!. ").casefold()
