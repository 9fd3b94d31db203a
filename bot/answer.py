"""The default answerer: picks the article's own sentences that answer, or says it doesn't say."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from bot.followup import needs_context
from bot.grounding import Grounding
from bot.intent import is_author_question, is_gist_question
from bot.retrieval import Scored
from bot.text import STOPWORDS, content_stems, stem, words
from index.article import Article
from index.chunks import SPEECH_VERBS, Chunk, find_names

MAX_SENTENCES = 3
EXTRA_SENTENCE_RATIO = 0.9  # a second sentence must score this close to the best one
# A candidate's score: meaning, shared rare words and BM25, plus bonuses for the question's kind.
DENSE_WEIGHT, OVERLAP_WEIGHT, LEXICAL_WEIGHT = 0.55, 0.3, 0.15
CONTEXT_WEIGHT = 0.5  # words a sentence only has through its pronouns' antecedent count half
TOPIC_WEIGHT = 0.1  # closeness to the conversation's previous question
OWN_WORDS_WEIGHT = 0.15  # a rewritten follow-up's own words, again
PHRASE_WEIGHT = 0.1  # share of the question's word pairs ("first passengers") found as pairs
SPEAKER_BONUS = 0.1  # "Who said ...?" prefers sentences with attributed quotes
REASON_BONUS = 0.05  # "Why ...?" prefers sentences with "because", "so", "means" ...
REPEAT_PENALTY = 0.1
NEXT_SENTENCE_BONUS = 0.25
SHORT_SENTENCE = 60  # characters; shorter best sentences get the one after them too
# "Porter's book": the thing owned is what the question is about.
_POSSESSED = re.compile(r"(?:’s|'s)\s+(\w+)(?:\s+(\w+))?")
_QUOTE_QUESTION = re.compile(
    rf"\b(?:what|how)\s+(?:did|does|do|has|had|was|is)\s+(?P<who>.+?)\s+(?:{SPEECH_VERBS}|"
    r"say|tell|warn|call|recall|imply|mean|describe|think|claim|argue|predict|put it)\b",
    re.IGNORECASE,
)
_QUOTE_NOUN = re.compile(
    r"\b(?P<who>[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)(?:’s|'s)\s+(?:quote|words|warning|remark|comment|"
    r"statement|claim|prediction|description)",
)
_WHO_SAID = re.compile(rf"\bwho\b.*\b({SPEECH_VERBS}|talked|spoke|quoted|compared)\b", re.I)
_WHY = re.compile(r"^\W*(why|what (is|was|are) the (reason|cause)|how come)\b|\bwhy\b", re.IGNORECASE)
_CAUSAL = re.compile(
    r"\b(because|since|so that|due to|in order to|as a result|leads?|led|"
    r"reason|consequence|means|therefore|thus|caused?|so)\b",
    re.IGNORECASE,
)


@dataclass
class Citation:
    """A cited passage; ``text == article.text[start:end]``."""

    n: int
    paragraph: int
    start: int
    end: int
    text: str

    def as_dict(self) -> dict[str, int | str]:
        return {
            "n": self.n,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }


@dataclass
class Answer:
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    closest: list[Citation] = field(default_factory=list)
    reason: str = ""
    answerer: str = "extractive"  # which answerer wrote it: "extractive" or a model spec
    unsupported: list[dict[str, str]] = field(default_factory=list)  # {"sentence", "reason"}
    notice: str | None = None  # why the answer is degraded, e.g. the model was unavailable


def refusal_text(reason: str = "") -> str:
    """What the bot says when the article has no answer."""
    base = "The article doesn't say."
    return f"{base} {reason}".strip()


class ExtractiveAnswerer:
    """Answers in the article's own words: the best one to three sentences, each cited.

    Needs no language model. Scores each candidate on meaning (dense similarity), shared rare
    words (IDF-weighted overlap) and the question's kind (who said what), then lets ``Grounding``
    decide whether the best passage really answers.
    """

    def __init__(
        self,
        article: Article,
        chunks: Sequence[Chunk],
        *,
        grounding: Grounding,
        gist: Sequence[Chunk] = (),
        max_sentences: int = MAX_SENTENCES,
    ):
        self.article = article
        self.gist = list(gist)  # what "What is the article about?" gets (see bot.summary)
        self.grounding = grounding
        self.max_sentences = max_sentences
        self._chunks = list(chunks)
        self._position = {c.id: i for i, c in enumerate(self._chunks)}
        document_frequency: Counter[str] = Counter()
        for chunk in chunks:
            document_frequency.update(set(content_stems(chunk.text, drop_question_words=False)))
        total = max(1, len(chunks))
        self._idf = {s: math.log(1 + total / df) for s, df in document_frequency.items()}
        self._default_idf = math.log(1 + total)
        self._chunk_stems = {c.id: set(content_stems(c.text, drop_question_words=False)) for c in chunks}
        self._context_stems = {c.id: set(content_stems(c.context, drop_question_words=False)) for c in chunks}
        self._chunk_pairs = {c.id: _pairs(content_stems(c.text, drop_question_words=False)) for c in chunks}

    def answer(
        self, question: str, query: str, candidates: Sequence[Scored], history: Sequence[dict[str, str]] = ()
    ) -> Answer:
        screened = self.grounding.screen(question)
        if screened:
            return Answer(screened.reason, refused=True, reason=screened.reason)
        whole = self._about_article(question, history)
        if whole:
            return self._cite(whole)
        if not candidates:
            return Answer(refusal_text(), refused=True)
        said = [m["content"] for m in history[-1:] if m.get("role") == "assistant"]
        ranked = self._rank(
            question, query, candidates, said[0] if said else "", bare=is_bare(question, history)
        )
        verdict = self.grounding.check(question, query, ranked)
        if not verdict.answerable:
            closest = [self._citation(i + 1, s.chunk) for i, (s, _) in enumerate(ranked[:2])]
            return Answer(refusal_text(verdict.reason), refused=True, closest=closest, reason=verdict.reason)
        quote = bool(quoted_subject(question) or quoted_subject(query))
        return self._cite(self._choose(ranked, quote=quote), attribute=quote)

    def prepare(self) -> None:
        """Do the one-off work (the vocabulary's embeddings) before the first question."""
        self.grounding.prepare()

    def _cite(self, chosen: Sequence[Chunk], *, attribute: bool = False) -> Answer:
        citations = [self._citation(i + 1, chunk) for i, chunk in enumerate(chosen)]
        text = " ".join(f"{c.text} [{c.n}]" for c in citations)
        speaker = next(iter(chosen[0].speakers), None) if attribute and chosen else None
        if speaker and not set(words(speaker)) & set(words(chosen[0].text)):
            text = f"{speaker}: {text}"  # a quote that runs on names its speaker only earlier
        return Answer(text, refused=False, citations=citations)

    def _about_article(self, question: str, history: Sequence[dict[str, str]]) -> list[Chunk]:
        """Sentences answering "Who wrote this?" or "What is it about?", else nothing."""
        if is_author_question(question) and self.article.author:
            by_author = [c for c in self._chunks if self.article.author in c.text]
            return by_author[:1]
        if is_gist_question(question) and not (history and needs_context(question)):
            return list(self.gist)
        return []

    def _rank(
        self, question: str, query: str, candidates: Sequence[Scored], said: str = "", *, bare: bool = False
    ) -> list[tuple[Scored, float]]:
        # The user's own words weigh fully; what the follow-up rewrite added (an earlier question,
        # a name for "he") weighs as context.
        own = set(content_stems(question))
        q_stems = own | set(content_stems(query))
        q_pairs = _pairs(content_stems(query))
        focus = {
            stem(w) for pair in _POSSESSED.findall(query) for w in pair if w and w.lower() not in STOPWORDS
        }
        speaker = self._resolve_person(quoted_subject(question) or quoted_subject(query))
        # The sentence after the last answer: where "Why?" or "And then?" usually points.
        after_said = {
            following.id
            for c in (self._chunks if bare and said else ())
            if c.text in said and (following := self._next(c))
        }
        wants_speaker = bool(_WHO_SAID.search(question))
        wants_reason = bool(_WHY.search(question))
        scored = []
        for candidate in candidates:
            chunk = candidate.chunk
            score = (
                DENSE_WEIGHT * candidate.dense
                + OVERLAP_WEIGHT * self._overlap(q_stems, chunk, focus, own=own)
                + LEXICAL_WEIGHT * candidate.lexical
            )
            score += TOPIC_WEIGHT * candidate.topic
            if own and query != question:
                # In a rewritten follow-up the user's own words ("And if that fails?") decide.
                score += OWN_WORDS_WEIGHT * self._overlap(own, chunk)
            if q_pairs:
                score += PHRASE_WEIGHT * len(q_pairs & self._chunk_pairs[chunk.id]) / len(q_pairs)
            if said and chunk.text in said and not own & self._chunk_stems[chunk.id]:
                # A follow-up whose own words the last answer lacks ("When did it reopen?",
                # "Why?") wants something not yet said...
                score -= REPEAT_PENALTY
            if chunk.id in after_said:
                score += NEXT_SENTENCE_BONUS  # ...a bare one most often what comes right after it
            if speaker:
                score += _speaker_bonus(speaker, chunk)
            if wants_speaker and chunk.speakers:
                score += SPEAKER_BONUS
            if wants_reason and _CAUSAL.search(chunk.text):
                score += REASON_BONUS
            scored.append((candidate, score))
        scored.sort(key=lambda pair: pair[1], reverse=True)
        return scored

    def _overlap(
        self,
        q_stems: set[str],
        chunk: Chunk,
        focus: AbstractSet[str] = frozenset(),
        *,
        own: AbstractSet[str] | None = None,
    ) -> float:
        """Share of the question's information (IDF mass) found in the chunk."""
        if not q_stems:
            return 0.0
        weights = {
            s: self._idf.get(s, self._default_idf)
            * (2 if s in focus else 1)
            * (1 if own is None or s in own else CONTEXT_WEIGHT)
            for s in q_stems
        }
        own = self._chunk_stems.get(chunk.id, set())
        context = self._context_stems.get(chunk.id, set())
        # Words the sentence only has through its pronouns count half.
        found = sum(w if s in own else CONTEXT_WEIGHT * w for s, w in weights.items() if s in own | context)
        return found / sum(weights.values())

    def _choose(self, ranked: list[tuple[Scored, float]], *, quote: bool = False) -> list[Chunk]:
        """The best sentence, plus what completes it, plus any nearly as good."""
        best, best_score = ranked[0]
        chosen = [best.chunk]
        following = self._next(best.chunk) if self.max_sentences > 1 else None
        # A lead-in ("The money will come from three sources.") needs the sentence it announces;
        # a quote that runs on ("I believe in it," she said. "But ...") needs its continuation.
        if following and (len(best.chunk.text) < SHORT_SENTENCE or best.chunk.text.rstrip().endswith(":")):
            chosen.append(following)
        elif following and quote and _continues_quote(best.chunk, following):
            chosen.append(following)
        for candidate, score in ranked[1:]:
            if len(chosen) >= self.max_sentences or score < EXTRA_SENTENCE_RATIO * best_score:
                break
            if candidate.chunk not in chosen:
                chosen.append(candidate.chunk)
        return chosen

    def _next(self, chunk: Chunk) -> Chunk | None:
        position = self._position.get(chunk.id)
        if position is None or position + 1 >= len(self._chunks):
            return None
        following = self._chunks[position + 1]
        return following if following.paragraph == chunk.paragraph else None

    def _resolve_person(self, subject: str | None) -> str | None:
        """A role ("the bakery owner") -> the person the article introduces with it."""
        if not subject or find_names(subject):
            return subject
        wanted = set(content_stems(subject))
        best, best_overlap = subject, 0
        for chunk in self._chunks:
            overlap = len(wanted & self._chunk_stems[chunk.id])
            if chunk.people and overlap > best_overlap:
                best, best_overlap = chunk.people[0], overlap
        return best

    def _citation(self, n: int, chunk: Chunk) -> Citation:
        return Citation(
            n, chunk.paragraph, chunk.start, chunk.end, self.article.text[chunk.start : chunk.end]
        )


def quoted_subject(question: str) -> str | None:
    """ "What did Powell say?" -> "Powell"; None when the question is not about someone's words."""
    match = _QUOTE_QUESTION.search(question) or _QUOTE_NOUN.search(question)
    if not match:
        return None
    who = match.group("who")
    if who.lower() in {"he", "she", "they", "it", "him", "her", "them", "i", "you", "we"}:
        return None  # a pronoun: the follow-up rewrite has put the name in the query
    names = find_names(who)
    return names[0] if names else (who if len(who.split()) <= 4 else None)


def is_bare(question: str, history: Sequence[dict[str, str]]) -> bool:
    """A follow-up with almost nothing of its own: "Why?", "How so?", "And then?"."""
    return bool(history) and not content_stems(question)


def _pairs(stems: list[str]) -> set[tuple[str, str]]:
    return set(zip(stems, stems[1:], strict=False))


def _continues_quote(chunk: Chunk, following: Chunk) -> bool:
    speakers = set(chunk.speakers)
    return bool(speakers) and bool(speakers & set(following.speakers))


def _speaker_bonus(subject: str, chunk: Chunk) -> float:
    subject_words = set(content_stems(subject))
    for speaker in chunk.speakers:
        if subject_words & set(content_stems(speaker)):
            return 0.5
    text_words = set(content_stems(chunk.text))
    if subject_words & text_words and re.search(rf"\b({SPEECH_VERBS})\b", chunk.text, re.I):
        return 0.2
    return 0.0
