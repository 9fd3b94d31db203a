"""Decides whether the best passages really answer a question, or the article doesn't say."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.guard import is_injection, is_other_task
from bot.text import QUESTION_WORDS, STOPWORDS, stem, words
from index.article import Article
from index.query_cache import embed_queries

if TYPE_CHECKING:
    from bot.retrieval import Scored

# Calibrated on the public dev set and our own eval sets (see README "Evaluation").
MIN_SCORE = 0.35  # best combined score below this: nothing in the article is close enough
SYNONYM_SIMILARITY = 0.6  # a word the article lacks still counts if it is this close to one it has
# The bar rises by this much per unit a missing word falls short of SYNONYM_SIMILARITY: a question
# whose key word has nothing like it in the article ("weather") needs a far better passage.
UNKNOWN_PENALTY = 0.5
CLOSE_IN_MEANING = 0.5  # cosine similarity of question and best passage that lifts that bar
RARE_NAME_SENTENCES = 2  # a name in at most this many sentences is specific enough to be "a name"
_NUMBER = re.compile(r"\d|\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|"
                     r"hundred|thousand|million|billion|half|several|few)\b", re.IGNORECASE)  # fmt: skip
_TIME = re.compile(
    r"\b(1[5-9]\d\d|20\d\d|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|"
    r"tomorrow|week|month|year|years|ago|since|until|spring|summer|autumn|fall|winter|century|"
    r"decade|morning|evening|night)\b",
    re.IGNORECASE,
)
_WANTS_NUMBER = re.compile(
    r"\bhow (many|much|long|old|often|far|fast|big|large|high|tall|wide|deep|heavy)\b"
    r"|\bwhat (number|percentage|share)\b"
    r"|\bwhat (is|was|are|were) the (population|number|size|cost|price|amount|percentage|total|budget)\b",
    re.I,
)
_WANTS_TIME = re.compile(r"^\s*when\b|\bwhat (year|date|day|month|time)\b|\bhow long ago\b", re.I)
# "What is his name?", "Who is the president of ...?" (a role, so the answer must name someone)
_WANTS_NAME = re.compile(r"\b(first |last |full |real )?name\b|^\W*who (is|was|are|were) the\b", re.I)


def answer_type(question: str) -> re.Pattern[str] | None:
    """What an answer to ``question`` must contain, as a pattern: a number, a date, or nothing."""
    if _WANTS_NUMBER.search(question):
        return _NUMBER
    if _WANTS_TIME.search(question):
        return _TIME
    return None


@dataclass
class Verdict:
    answerable: bool
    reason: str = ""
    features: dict[str, Any] = field(default_factory=dict)


class Grounding:
    """Answerability from the question's own words and the best passage's scores."""

    def __init__(
        self,
        article: Article,
        *,
        embeddings: Embeddings,
        vocabulary_vectors: Callable[[list[str]], Any] | None = None,
    ):
        """``vocabulary_vectors(words)`` gives the words' vectors, one row each (stored with the
        index, see ``index.derived``); by default they are embedded at the first ``prepare``."""
        self.embeddings = embeddings
        self._vocabulary_source = vocabulary_vectors or embeddings.embed_documents
        self._prepare_lock = threading.Lock()  # answers run in parallel threads
        body = " ".join(s.text for s in article.sentences)
        self._words = {w for w in words(body) if w not in STOPWORDS}
        self._stems = {stem(w) for w in self._words}
        self._lower_text = body.lower()
        self._vocabulary: list[str] = sorted(self._words)
        self._vocabulary_vectors: np.ndarray | None = None
        self._sentence_counts: Counter[str] = Counter()
        for sentence in article.sentences:
            self._sentence_counts.update(set(words(sentence.text)))

    def screen(self, question: str) -> Verdict | None:
        """A refusal for messages that are not questions about the article at all, else None."""
        if is_injection(question):
            return Verdict(
                False,
                "I only answer questions about what the article says, and I don't take new instructions.",
            )
        if is_other_task(question):
            return Verdict(False, "I only answer questions about what the article says; that isn't one.")
        return None

    def check(self, question: str, query: str, ranked: Sequence[tuple[Scored, float]]) -> Verdict:
        """Whether the best ranked passage answers ``question``; the reason when it doesn't."""
        screened = self.screen(question)
        if screened:
            return screened
        missing_names = self.unknown_names(question)
        if missing_names:
            return Verdict(False, f"It doesn't mention {_join(missing_names)}.", {"names": missing_names})
        best, score = ranked[0]
        unknown = self.unknown_words(query)
        shortfall = max((SYNONYM_SIMILARITY - s for s in unknown.values()), default=0.0)
        # A passage this close in meaning answers a paraphrase, whatever words it uses.
        if best.dense >= CLOSE_IN_MEANING:
            shortfall = 0.0
        floor = MIN_SCORE + UNKNOWN_PENALTY * shortfall
        features = {"score": round(score, 3), "floor": round(floor, 3), "unknown": unknown}
        if score < floor:
            detail = f" It says nothing about {_join(list(unknown))}." if unknown else ""
            return Verdict(False, f"No passage answers this.{detail}", features)
        text = best.chunk.text
        wanted = answer_type(question)
        if wanted is _NUMBER and not wanted.search(text):
            return Verdict(False, "It gives no number for that.", features)
        if wanted is _TIME and not wanted.search(text):
            return Verdict(False, "It gives no date for that.", features)
        if _WANTS_NAME.search(question) and not self._new_name(question, text):
            return Verdict(False, "It gives no name for that.", features)
        return Verdict(True, "", features)

    def unknown_names(self, question: str) -> list[str]:
        """Capitalised words in the question that appear nowhere in the article."""
        names = []
        for i, match in enumerate(re.finditer(r"[A-Za-z][\w’'-]*|\d[\d,.]*\d|\d", question)):
            word = match.group(0)
            if word[0].isdigit():
                # A specific number or year the article never uses: it can't be about this.
                if word.rstrip(".,") not in self._lower_text:
                    names.append(word.rstrip(".,"))
                continue
            if not word[0].isupper() or word.isupper() and len(word) <= 3:
                continue
            plain = words(word)
            if not plain:
                continue
            lowered = plain[0]
            if i == 0 or lowered in STOPWORDS or lowered in QUESTION_WORDS:
                continue
            if not self._known(lowered):
                names.append(word)
        return names

    def unknown_words(self, text: str) -> dict[str, float]:
        """Content words of ``text`` the article lacks and has no close synonym for, with the
        similarity of the closest word it has."""
        candidates = [
            w for w in dict.fromkeys(words(text))
            if w not in STOPWORDS and w not in QUESTION_WORDS and len(w) > 2 and not self._known(w)
        ]  # fmt: skip
        if not candidates:
            return {}
        similarity = self._nearest_similarity(candidates)
        pairs = zip(candidates, similarity, strict=True)
        return {w: round(float(s), 3) for w, s in pairs if s < SYNONYM_SIMILARITY}

    def _known(self, word: str) -> bool:
        if word in self._words or stem(word) in self._stems:
            return True
        # "Americans" vs "America", "Shia" inside "Shiite": a shared stem start of 5+ letters.
        root = stem(word)
        if len(root) >= 5 and re.search(rf"\b{re.escape(root[: max(5, len(root) - 2)])}", self._lower_text):
            return True
        return any(_same_name(w, word) for w in self._words)

    def prepare(self) -> None:
        """Load (or embed) the article's vocabulary now rather than on the first unusual question."""
        with self._prepare_lock:
            if self._vocabulary_vectors is None:
                self._vocabulary_vectors = np.asarray(self._vocabulary_source(self._vocabulary))

    def _nearest_similarity(self, candidates: list[str]) -> list[float]:
        self.prepare()
        assert self._vocabulary_vectors is not None
        # All unknown words in one model run; a word seen before comes from the query cache.
        vectors = np.asarray(embed_queries(self.embeddings, candidates))
        if not len(self._vocabulary_vectors):
            return [0.0] * len(candidates)
        return list((vectors @ self._vocabulary_vectors.T).max(axis=1))

    def _new_name(self, question: str, text: str) -> bool:
        """Whether the passage names someone or something the question doesn't already."""
        asked = words(question)
        for match in re.finditer(r"\b[A-Z][a-z][\w’'-]+", text[1:]):
            name = words(match.group(0))[0]
            specific = self._sentence_counts.get(name, 0) <= RARE_NAME_SENTENCES
            if specific and not any(_same_name(a, name) for a in asked):
                return True
        return False


def _same_name(a: str, b: str) -> bool:
    """Spelling variants of one long name: "Baghdad"/"Baghad"."""
    # Short names are too alike by letters alone ("Iran"/"Iraq", "Peru"/"Perils"): exact only.
    return a[:3] == b[:3] and min(len(a), len(b)) > 5 and _dice(a, b) >= 0.7


def _dice(a: str, b: str) -> float:
    """Similarity of two words by shared letter pairs."""
    pairs_a = {a[i : i + 2] for i in range(len(a) - 1)}
    pairs_b = {b[i : i + 2] for i in range(len(b) - 1)}
    if not pairs_a or not pairs_b:
        return 0.0
    return 2 * len(pairs_a & pairs_b) / (len(pairs_a) + len(pairs_b))


def _join(items: Sequence[str]) -> str:
    items = [f"“{i}”" for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
