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

from bot.answerability import Aligner, Model, default_model, other_amount, same_people
from bot.guard import is_injection, is_other_task
from bot.question import Question
from bot.text import QUESTION_WORDS, SEQUENCE_WORDS, STOPWORDS, stem, words
from index.article import Article
from index.query_cache import embed_queries

if TYPE_CHECKING:
    from bot.retrieval import Scored
    from index.chunks import Chunk

SYNONYM_SIMILARITY = 0.6  # a word the article lacks still counts if it is this close to one it has
# Places and bodies that news writing names in place of a country or a government: "Washington"
# for the U.S. A question using one asks about what the article names the other way.
METONYMS = {
    "washington": ("u.s.", "united states", "america", "american"),
    "white house": ("president", "administration", "u.s.", "united states"),
    "capitol hill": ("congress", "senate", "lawmakers"),
    "pentagon": ("military", "defense", "defence", "army", "u.s."),
    "america": ("u.s.", "united states", "american"),
    "united states": ("u.s.", "america", "american"),
    "u.s.": ("united states", "america", "american"),
    "kremlin": ("russia", "moscow", "putin"),
    "moscow": ("russia", "russian"),
    "downing street": ("britain", "british", "prime minister", "u.k."),
    "whitehall": ("britain", "british", "government"),
    "westminster": ("britain", "british", "parliament"),
    "beijing": ("china", "chinese"),
    "tehran": ("iran", "iranian"),
    "baghdad": ("iraq", "iraqi"),
    "brussels": ("european union", "e.u.", "europe"),
}
# What a refusal says is missing.
_KIND_NAMES = {
    "measure": "measurement",
    "count": "number",
    "duration": "length of time",
    "number": "number",
    "money": "sum",
    "time": "date",
    "age": "age",
    "person_age": "age",
}
RARE_NAME_SENTENCES = 2  # a name in at most this many sentences is specific enough to be "a name"


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
        model: Model | None = None,
        vocabulary_vectors: Callable[[list[str]], Any] | None = None,
    ):
        """``model`` weighs the answerability features (default: the fitted one shipped);
        ``vocabulary_vectors(words)`` gives the words' vectors, one row each (stored with the
        index, see ``index.derived``); by default they are embedded at the first ``prepare``."""
        self.embeddings = embeddings
        self.model = model or default_model()
        self.aligner = Aligner([s.text for s in article.sentences])
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

    def check(self, question: Question, ranked: Sequence[tuple[Scored, float]]) -> Verdict:
        """Whether the best ranked passage answers ``question``; the reason when it doesn't."""
        screened = self.screen(question.text)
        if screened:
            return screened
        missing_names = self.unknown_names(question.text)
        if missing_names:
            return Verdict(False, f"It doesn't mention {_join(missing_names)}.", {"names": missing_names})
        best, score = ranked[0]
        unknown = self.unknown_words(question.query)
        features, missing = self.aligner.features(
            question_words=question.content_words,
            question_text=question.text,
            passage=best.chunk.text,
            context=best.chunk.context,
            referent=best.chunk.referent,
            score=score,
            dense=best.dense,
            wants=question.wants,
            unknown_shortfall=max((SYNONYM_SIMILARITY - s for s in unknown.values()), default=0.0),
            asked_for=question.asked_for,
            owner=question.owner,
            speaker=_speaks(question, best.chunk.speakers),
            subject=question.subject,
        )
        if question.wants == "name":
            features["type_missing"] = float(not self._new_name(question, best.chunk))
        probability = self.model.probability(features)
        details = {**features, "p": round(probability, 3), "unknown": unknown}
        if features["type_missing"] and question.wants in _KIND_NAMES:
            # The best passage (ranked with a bonus for holding one) has no number, date or age at all.
            kind = _KIND_NAMES[question.wants]
            return Verdict(False, f"It gives no {kind} for that.", details)
        if amount := other_amount(question.text, best.chunk.text):
            # The same thing counted, another count: a detail changed, however close the rest.
            reason = f"No passage answers this: the closest one does not say “{amount}”."
            return Verdict(False, reason, details)
        if probability >= self.model.threshold:
            return Verdict(True, "", details)
        if features["type_missing"]:  # numbers and dates were refused above: a name is wanted
            return Verdict(False, "It gives no name for that.", details)
        if unknown:
            return Verdict(
                False, f"No passage answers this. It says nothing about {_join(list(unknown))}.", details
            )
        clash = [w for w in missing if self.aligner.idf(stem(w)) >= 0.5][:2]
        if clash and (features["number_clash"] or features["time_clash"] or features["opposite"]
                      or features["name_missing"]):  # fmt: skip
            return Verdict(
                False, f"No passage answers this: the closest one does not say {_join(clash)}.", details
            )
        return Verdict(False, "No passage answers this.", details)

    def unknown_names(self, question: str) -> list[str]:
        """Capitalised words in the question that appear nowhere in the article."""
        names = []
        other_name = self.other_names(question)
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
            if i == 0 or lowered in STOPWORDS or lowered in QUESTION_WORDS or lowered in other_name:
                continue
            if not self._known(lowered):
                names.append(word)
        return names

    def other_names(self, question: str) -> set[str]:
        """Words of ``question`` that name, another way, something the article names: "Washington"
        when it speaks of the U.S."""
        lowered = question.lower()
        return {
            w
            for metonym, meant in METONYMS.items()
            if re.search(rf"\b{re.escape(metonym)}(?!\w)", lowered)
            and any(re.search(rf"\b{re.escape(m)}(?!\w)", self._lower_text) for m in meant)
            for w in words(metonym)
        }

    def unknown_words(self, text: str) -> dict[str, float]:
        """Content words of ``text`` the article lacks and has no close synonym for, with the
        similarity of the closest word it has."""
        other_name = self.other_names(text)
        # "police" is not a misspelt "policy": only a capitalised word may be a name spelt another way.
        capitalised = {w.lower() for w in re.findall(r"\b[A-Z]\w+", text)}
        candidates = [
            w for w in dict.fromkeys(words(text))
            if w not in STOPWORDS | QUESTION_WORDS | SEQUENCE_WORDS and len(w) > 2
            and not self._known(w, name=w in capitalised) and w not in other_name
        ]  # fmt: skip
        if not candidates:
            return {}
        similarity = self._nearest_similarity(candidates)
        pairs = zip(candidates, similarity, strict=True)
        return {w: round(float(s), 3) for w, s in pairs if s < SYNONYM_SIMILARITY}

    def _known(self, word: str, *, name: bool = True) -> bool:
        """Whether the article has ``word``; a ``name`` also when it spells it another way."""
        if word in self._words or stem(word) in self._stems:
            return True
        # "Americans" vs "America": a shared stem start of 5+ letters, from a stem longer than that
        # ("police" is not "policy").
        root = stem(word)
        if len(root) > 5 and re.search(rf"\b{re.escape(root[: max(5, len(root) - 2)])}", self._lower_text):
            return True
        return name and any(_same_name(w, word) or same_people(w, word) for w in self._words)

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

    def _new_name(self, question: Question, chunk: Chunk) -> bool:
        """Whether the passage names someone or something the question doesn't already."""
        asked = words(question.text)
        # "the name of the shipping firm": "a shipping firm" names none, "the Harland shipping firm" does.
        if (thing := named_thing(question.text)) and (
            named := names_the(thing, chunk.text, asked)
        ) is not None:
            return named
        if question.leaves_out(chunk.people):
            return True  # "Morrow is drawing up the plans": a person, though opening the sentence
        for match in re.finditer(r"\b[A-Z][a-z][\w’'-]+", chunk.text[1:]):
            name = words(match.group(0))[0]
            specific = self._sentence_counts.get(name, 0) <= RARE_NAME_SENTENCES
            if specific and not any(_same_name(a, name) for a in asked):
                return True
        return False


# "Sunni", "Shiite", "British", "Italian", "Chinese": a capitalised word that describes, not names.
_DEMONYM = re.compile(r"(i|ite|ish|ian|ese|ean)s?$")
_NAME_OF = re.compile(r"\bname of (?:the |a |an )?(?P<thing>[^?.!]+)", re.IGNORECASE)
_ENDS_THING = frozenset(
    "who whom that which whose where when the a an of in at on by for to from with he she they it we you "
    "i is was are were will would has have had do does did can could".split()
)


def named_thing(question: str) -> str | None:
    """ "What is the name of the mosque the Shiites seized?" -> "mosque": the noun whose name is
    asked, the last word before a clause, a preposition or a participle ("the book edited by")."""
    match = _NAME_OF.search(question)
    if not match:
        return None
    head = None
    for word in match.group("thing").split():
        if word.lower() in _ENDS_THING or word.endswith(("ed", "en")) and head:
            break
        head = word.strip(",;:")
    return head.lower() if head and head.isalpha() and head.islower() else None


def names_the(head: str, passage: str, asked: Sequence[str]) -> bool | None:
    """Whether ``passage`` gives a name to the ``head`` noun: a capitalised word the question lacks
    right before or after it ("the Al-Hassan mosque", "her book Amazonia", "a firm called
    Harland"; "a Sunni mosque", "an Italian restaurant" name none). None when it does not mention
    ``head`` at all."""
    mentions = list(re.finditer(rf"\b{re.escape(head)}s?\b", passage, re.IGNORECASE))
    for match in mentions:
        before = re.search(r"([\w’'-]+)\W*$", passage[: match.start()])
        after = re.match(r"\W{0,3}(?:(?:called|named|known as) )?([\w’'-]+)", passage[match.end() :])
        for near in (before, after):
            word = near.group(1) if near else ""
            if word[:1].isupper() and not _DEMONYM.search(word) and word.lower() not in asked:
                return True
    return False if mentions else None


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


def _speaks(question: Question, speakers: Sequence[str]) -> bool:
    """Whether the person whose words the question asks for is one of ``speakers``."""
    if not (question.asks_words and question.subject):
        return False
    asked = {w for w in words(question.subject) if w not in STOPWORDS}
    return any(asked and asked <= set(words(s)) for s in speakers)


def _join(items: Sequence[str]) -> str:
    items = [f"“{i}”" for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
