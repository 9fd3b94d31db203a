"""The default answerer: picks the article's own sentences that answer, or says it doesn't say."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from bot.answerability import (
    TYPED,
    counts_thing,
    describes,
    has_answer_type,
    same_person,
    states_change,
    states_measure,
)
from bot.followup import last_answer
from bot.grounding import Grounding, names_the
from bot.lists import list_item
from bot.question import Question
from bot.retrieval import Scored
from bot.text import (
    SEQUENCE_WORDS,
    STOPWORDS,
    balance_quotes,
    content_stems,
    is_plural,
    starts_inside_quote,
    stem,
    words,
)
from bot.whole_article import WholeArticle
from index.article import Article
from index.chunks import ASKED_LEAD_IN, SPEECH_VERBS, TITLES, Chunk, find_names

MAX_SENTENCES = 3
EXTRA_SENTENCE_RATIO = 0.9  # a second sentence must score this close to the best one
CONTEXT_WEIGHT = 0.5  # words a sentence only has through its pronouns' antecedent count half
# A candidate's score is a weighted sum of these signals; the weights are fit on our question sets
# (benchmarks/fit_answerability.py) and shipped in ranking.json beside this module.
SIGNALS = (
    "dense",  # meaning: cosine similarity to the query
    "overlap",  # share of the question's information (IDF mass) in the sentence
    "lexical",  # BM25, relative to the best
    "topic",  # closeness to the conversation's previous question
    "own_words",  # in a rewritten follow-up, the user's own words again
    "phrase",  # share of the question's word pairs ("first passengers") found as pairs
    "repeat",  # already said, and lacking the follow-up's own words
    "after_said",  # the sentence right after the last answer, for a bare "Why?" or a "What else ...?"
    "speaker",  # the person asked about speaks here (0.5) or is named beside a speech verb (0.2)
    "has_speakers",  # "Who said ...?" and the sentence has attributed quotes
    "causal",  # "Why ...?" and the sentence says "because", "so", "means" ...
    "answer_type",  # "How many ...?" and it has a number, "When ...?" a date, "How old ...?" an age
)
HAND_WEIGHTS = (0.55, 0.3, 0.15, 0.1, 0.35, 0.1, -0.1, 0.4, 1.0, 0.1, 0.1, 0.1)  # before any fit
# "How old is X?": a sentence giving an age, if it scores this close to the best one, beats one
# that only names X (likewise a number for "How many?", a date for "When?").
TYPED_RATIO = 0.7
# "How long is the barrier?": "It was 240 metres long" beats any other number if it scores this close.
MEASURED_RATIO = 0.5
# "Who is X?": a sentence saying what X is beats one only naming X if it scores this close.
DESCRIBED_RATIO = 0.5
# A role this close to a name is theirs: "Varga, a surgical nurse for 22 years and the union's
# chief negotiator".
APPOSITIVE_CHARS = 60
TOPIC_CHARS = 60  # a longer "about ..." is not echoed in a refusal
SHORT_SENTENCE = 60  # characters; shorter best sentences get the one after them too
# "Porter's book": the thing owned is what the question is about.
_POSSESSED = re.compile(r"(?:’s|'s)\s+(\w+)(?:\s+(\w+))?")
_PRONOUN_SAYS = re.compile(rf"\b(he|she|they)\s+({SPEECH_VERBS})\b", re.IGNORECASE)
_OPENING_PRONOUN = re.compile(r"^\W*(he|she)\b", re.IGNORECASE)
# "Who was the referee?", "Who is the Kestrel coach?": the role whose holder is asked for.
_WHO_IS_THE = re.compile(
    r"^\W*(?i:who)(?:'s| is| was| were| are) the (?:[A-Z][\w’'-]* )?(?P<head>[a-z][\w-]+)\W*$"
)
_ASKS_PERSON = re.compile(r"^\W*(who|whom|whose)\b", re.IGNORECASE)
_CAUSAL = re.compile(
    r"\b(because|since|so that|due to|in order to|as a result|leads?|led|"
    r"reason|consequence|means|therefore|thus|caused?|so)\b",
    re.IGNORECASE,
)

# "Why was that useful?", "Why does this matter?": a judgement of what was just said, no topic.
_ABOUT_THAT = re.compile(r"^\W*why\s+(?:is|was|does|did|would|are|were)\s+(?:that|this|it)\b", re.IGNORECASE)
_JUDGEMENTS = {
    stem(w)
    for w in """useful important matter matters mattered significant necessary needed helpful good bad
    problem problematic mistake surprising controversial interesting better worse worth big deal""".split()
}
# A clause that gives a reason outright; the looser ``_CAUSAL`` only hints at one.
_REASON_CLAUSE = re.compile(
    r"\b(because|due to|owing to|so that|in order to|as a result of|thanks to|which (allowed|allows|enabled|"
    r"enables|meant|means))\b",
    re.IGNORECASE,
)


def default_weights() -> tuple[float, ...]:
    """The ranking weights fit by ``benchmarks/fit_answerability.py`` (hand-set ones before a fit)."""
    path = resources.files("bot").joinpath("ranking.json")
    if not path.is_file():
        return HAND_WEIGHTS
    data = json.loads(path.read_text("utf-8"))
    if tuple(data["signals"]) != SIGNALS:
        raise ValueError("ranking.json was fit on other signals; rerun benchmarks/fit_answerability.py")
    return tuple(float(w) for w in data["weights"])


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
    features: dict[str, Any] = field(default_factory=dict)  # what the answerability check saw
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
        whole: WholeArticle | None = None,
        max_sentences: int = MAX_SENTENCES,
        weights: Sequence[float] | None = None,
    ):
        self.article = article
        self.whole = whole  # answers "What is the main argument?" and the like from the article map
        self.grounding = grounding
        self.max_sentences = max_sentences
        self.weights = tuple(weights) if weights is not None else default_weights()
        self._chunks = list(chunks)
        self._position = {c.id: i for i, c in enumerate(self._chunks)}
        self._body = {p.number for p in article.paragraphs if p.kind == "body"}
        self._names = {name for c in self._chunks for name in find_names(c.text)}
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
            return whole
        asked = Question.parse(question, query)
        said = last_answer(history)
        if asked.item is not None and said and (item := self._list_item(asked.item, said)):
            return self._cite(self._completed(item))
        candidates = self.citable(candidates)
        speaker = self.resolve_person(asked.subject)
        bare = is_bare(question, history)
        if bare and said and asked.wants in TYPED:
            # "By when?" after "Second, it should extend them by the end of 2028": the date is there.
            holding = [c for c in self._said_chunks(said) if has_answer_type(asked.wants, c.text)]
            if holding:
                return self._cite(holding[:1])
        if bare and said and asked.asks_reason and (reasons := self._reason_for(said)):
            return self._cite(reasons, attribute=True)
        if (bare or asked.further) and said:
            candidates = self._with_next_to_said(candidates, said)
        onward = bare and (asked.asks_reason or bool(SEQUENCE_WORDS & set(asked.words)))
        if asked.more or onward:  # "What else?", "Why?", "What happened next?": not what was said
            spoken = " ".join(m.get("content", "") for m in history if m.get("role") == "assistant")
            candidates = [c for c in candidates if c.chunk.text not in spoken]
            if speaker and asked.asks_words and not self._speaks(speaker, besides=spoken):
                reason = f"It quotes nothing more from {speaker} than what I gave."
                return Answer(refusal_text(reason), refused=True, reason=reason)
        if not candidates:
            return Answer(refusal_text(), refused=True)
        if (
            speaker
            and asked.asks_words
            and asked.subject
            and is_name(asked.subject)  # named in the question, not a role it describes
            and any(same_person(asked.subject, name) for name in self._names)  # whatever the title
            and not self._speaks(speaker)
            and (not_quoted := self._not_quoted(speaker))
        ):
            return not_quoted
        if absent := self._absent_role(asked):
            reason = f"It never mentions {absent}."
            return Answer(refusal_text(reason), refused=True, reason=reason)
        ranked = self._rank(asked, candidates, said, speaker=speaker, bare=bare)
        ranked = described_first(asked, typed_first(asked, measured_first(asked, ranked)))
        ranked = role_named_first(asked, ranked)
        verdict = self.grounding.check(asked, ranked)
        if not verdict.answerable:
            reason = "It says nothing more about this than what I gave." if asked.more else verdict.reason
            closest = [self._citation(i + 1, s.chunk) for i, (s, _) in enumerate(ranked[:2])]
            return Answer(
                refusal_text(reason), refused=True, closest=closest, reason=reason,
                features=verdict.features,
            )  # fmt: skip
        if other := self._about_another(asked, ranked[0][0].chunk):
            closest = [self._citation(i + 1, s.chunk) for i, (s, _) in enumerate(ranked[:2])]
            return Answer(refusal_text(other), refused=True, closest=closest, reason=other)
        if speaker and asked.asks_words and (nobody := self._not_theirs(speaker, ranked[0][0].chunk)):
            closest = [self._citation(i + 1, s.chunk) for i, (s, _) in enumerate(ranked[:2])]
            return Answer(refusal_text(nobody), refused=True, closest=closest, reason=nobody)
        # "Who said ...?" is answered by the speaker's name, even when the quote lacks it.
        quote = bool(speaker) or asked.asks_speaker
        asked_about = [n for n in find_names(asked.query) if is_name(n) and n in self._names]
        chosen = self._choose(ranked, quote=quote, described=asked.described, about=asked_about)
        if (
            speaker
            and asked.asks_words
            and (topic := content_stems(asked.about))  # "about it" names no topic
            and not verdict.features.get("coverage")  # ranked first as theirs alone
            and not self._touches(chosen, topic)
        ):
            # X's best words share nothing with the question, and the sentences beside them say
            # nothing of its topic either.
            topic_text = asked.about if len(asked.about) <= TOPIC_CHARS else "that"
            reason = f"It quotes {speaker}, but not about {topic_text}."
            closest = [self._citation(i + 1, c) for i, c in enumerate(chosen[:2])]
            return Answer(
                refusal_text(reason), refused=True, closest=closest, reason=reason,
                features=verdict.features,
            )  # fmt: skip
        answer = self._cite(chosen, attribute=quote)
        answer.features = verdict.features
        return answer

    def citable(self, candidates: Sequence[Scored]) -> list[Scored]:
        """The candidates that may answer: a title, heading or byline names the subject, it never
        answers a question about it."""
        return [c for c in candidates if c.chunk.paragraph in self._body]

    def signal_rows(
        self, question: str, query: str, candidates: Sequence[Scored], history: Sequence[dict[str, str]] = ()
    ) -> tuple[list[Scored], np.ndarray]:
        """The citable candidates and their ``SIGNALS``, as ``answer`` ranks them (for fitting)."""
        asked = Question.parse(question, query)
        kept = self.citable(candidates)
        speaker = self.resolve_person(asked.subject)
        bare = is_bare(question, history)
        return kept, self.signals(asked, kept, last_answer(history), speaker=speaker, bare=bare)

    def _speaks(self, person: str, *, besides: str = "") -> bool:
        """Whether the article may give ``person``'s words: a quote attributed to them, "X said/told
        that", or a paragraph naming them with a quote a pronoun speaks ("..., he says"). Sentences
        in ``besides`` (what was already said) do not count."""
        wanted = {w for w in words(person) if w not in STOPWORDS}
        named = {c.paragraph for c in self._chunks if wanted & set(words(c.text))}
        for chunk in self._chunks:
            if besides and chunk.text in besides:
                continue
            if any(same_person(person, s) for s in chunk.speakers):
                return True
            unattributed = any(q.speaker is None for q in chunk.quotes)
            if chunk.paragraph in named and unattributed and _PRONOUN_SAYS.search(chunk.text):
                return True  # "..., he says" beside X's name, given to no one: it may well be X's
            for name in chunk.people:
                if same_person(person, name) and re.search(
                    rf"{re.escape(name.split()[-1])}\W+(?:\w+\W+){{0,12}}?({SPEECH_VERBS})\b", chunk.text
                ):
                    return True
        return False

    def _absent_role(self, asked: Question) -> str | None:
        """ "What did the mayor say?" of an article with no mayor, nor anyone like one: the role."""
        role = asked.subject
        # One person by their role ("the mayor"); a group ("commentators") may go by other words.
        if not (asked.asks_words and role and role.lower().startswith("the ") and not find_names(role)):
            return None
        role_words = [w for w in words(role) if w not in STOPWORDS]
        unknown = self.grounding.unknown_words(role)
        return role if role_words and all(w in unknown for w in role_words) else None

    def _person_words(self, asked: Question, *, own: bool = False) -> set[str]:
        """The words naming the person a follow-up's pronoun was read as ("Ingrid" is Ingrid
        Halvorsen, quoted as Halvorsen); ``own``: only those no one else's name has ("Walter"
        for Walter Feltham, whose sister Margaret Feltham shares the surname)."""
        person = {w.lower() for w in asked.resolved}
        if not person:
            return set()
        person |= {w for name in self._names if person <= set(words(name)) for w in words(name)}
        if not own:
            return person
        # Names neither holding the person's ("Walter Feltham") nor part of it ("Walter") are others'.
        others = [set(words(name)) for name in self._names]
        shared = {w for name in others if not (person <= name or name <= person) for w in name}
        return (person - shared) or person

    @staticmethod
    def _mentions(chunk: Chunk, person: set[str]) -> bool:
        return bool(person & set(words(" ".join([chunk.search_text, *chunk.speakers]))))

    def _about_another(self, asked: Question, chunk: Chunk) -> str:
        """ "When did he die?" read as Sir Lionel Abery, where the best passage is "Augustin Pellow
        died in 1878": it names someone else, and neither names nor quotes him. Else ""."""
        person = self._person_words(asked)
        if not person or self._mentions(chunk, person):
            return ""
        others = [p for p in chunk.names if not person & set(words(p))]
        return f"The closest passage is about someone else, not {' '.join(asked.resolved)}." if others else ""

    def _not_theirs(self, speaker: str, chunk: Chunk) -> str:
        """Why ``chunk`` cannot answer "What did the mayor say ...?": it neither gives nor
        mentions the words of the one asked about (the author's are every sentence); else ""."""
        wanted = set(content_stems(speaker))  # "the author", "the article": none
        if (owned := _OWNED_ROLE.match(speaker)) and _owned_by_other(
            chunk.text, owned.group("owner"), owned.group("role")
        ):
            return f"The closest passage gives no words of {speaker}."  # another's lawyer
        if not wanted or _speaker_bonus(speaker, chunk):
            return ""
        if wanted & set(content_stems(" ".join([chunk.search_text, *chunk.people]))):
            return ""
        return f"The closest passage gives no words of {speaker}."

    def _not_quoted(self, person: str) -> Answer | None:
        """ "What did X say?" when the article mentions X but never gives X's words: say so, and
        show where X appears. None when X is not mentioned at all (the grounding check says so)."""
        wanted = {w for w in words(person) if w not in STOPWORDS}
        mentions = [c for c in self._chunks if c.paragraph in self._body and wanted & set(words(c.text))]
        if not mentions:
            return None
        reason = f"It mentions {person} but never quotes or reports what {person} said."
        closest = [self._citation(i + 1, c) for i, c in enumerate(mentions[:2])]
        return Answer(refusal_text(reason), refused=True, closest=closest, reason=reason)

    def prepare(self) -> None:
        """Do the one-off work (the vocabulary's embeddings) before the first question."""
        self.grounding.prepare()

    def _cite(self, chosen: Sequence[Chunk], *, attribute: bool = False) -> Answer:
        citations = [self._citation(i + 1, chunk) for i, chunk in enumerate(chosen)]
        text = " ".join(f"{balance_quotes(c.text)} [{c.n}]" for c in citations)
        first = chosen[0] if chosen else None
        speaker = next(iter(first.speakers), None) if first else None
        # A quote that runs on from an earlier sentence names its speaker only there: say who it is.
        if (
            first is not None
            and speaker
            and (attribute or starts_inside_quote(first.text))
            and not set(words(speaker)) & set(words(first.text))
        ):
            text = f"{speaker}: {text}"
        return Answer(text, refused=False, citations=citations)

    def _about_article(self, question: str, history: Sequence[dict[str, str]]) -> Answer | None:
        """The answer to a question about the whole article ("What is the main argument?"), else None."""
        whole = self.whole.answer(question, history) if self.whole else None
        if whole is None:
            return None
        if whole.refusal:
            return Answer(refusal_text(whole.refusal), refused=True, reason=whole.refusal)
        cited = self._cite(whole.chunks)
        cited.text = whole.render()
        return cited

    def _rank(
        self,
        asked: Question,
        candidates: Sequence[Scored],
        said: str = "",
        *,
        speaker: str | None = None,
        bare: bool = False,
    ) -> list[tuple[Scored, float]]:
        """Candidates best first, each with its weighted score (see ``SIGNALS``)."""
        weights = np.asarray(self.weights)
        signals = self.signals(asked, candidates, said, speaker=speaker, bare=bare)
        scored = [(c, float(weights @ row)) for c, row in zip(candidates, signals, strict=True)]
        scored.sort(key=lambda pair: pair[1], reverse=True)
        return scored

    def signals(
        self,
        asked: Question,
        candidates: Sequence[Scored],
        said: str = "",
        *,
        speaker: str | None = None,
        bare: bool = False,
    ) -> np.ndarray:
        """One row of ``SIGNALS`` per candidate."""
        # The user's own words weigh fully; what the follow-up rewrite added (an earlier question,
        # a name for "he") weighs as context.
        own = set(asked.own_stems)
        q_stems = set(asked.query_stems) | ({stem(asked.measure)} if asked.measure else set())
        q_pairs = _pairs(content_stems(asked.query))
        focus = {
            stem(w)
            for pair in _POSSESSED.findall(asked.query)
            for w in pair
            if w and w.lower() not in STOPWORDS
        } | {stem(w) for w in asked.asked_for}  # "Which hospital ...?": the answer names a hospital
        # The sentence after the last answer: where "Why?", "And then?" or "What else did they
        # change?" usually points ("How old is she?" only if it gives an age).
        # "What happened to him?": the sentence after, only if it is about him too.
        person = self._person_words(asked, own=True)
        after_said = {
            following.id
            for c in (self._chunks if (bare or asked.further) and said else ())
            if c.text in said
            and (following := self._next(c))
            and (asked.wants not in TYPED or has_answer_type(asked.wants, following.text))
            and (not person or self._mentions(following, person))
        }
        # "How many nurses ...?": a sentence counting nurses ("About 640 nurses") beats any number.
        counted = stem(asked.counted) if asked.counted else ""
        rows = []
        for candidate in candidates:
            chunk = candidate.chunk
            rows.append(
                [
                    candidate.dense,
                    self._overlap(q_stems, chunk, focus, own=own),
                    candidate.lexical,
                    candidate.topic,
                    self._overlap(own, chunk) if own and asked.rewritten else 0.0,
                    len(q_pairs & self._chunk_pairs[chunk.id]) / len(q_pairs) if q_pairs else 0.0,
                    # A follow-up whose own words the last answer lacks ("When did it reopen?") wants
                    # something not yet said, a bare one most often what comes right after it.
                    float(bool(said and chunk.text in said and not own & self._chunk_stems[chunk.id])),
                    float(chunk.id in after_said),
                    _speaker_bonus(speaker, chunk) if speaker else 0.0,
                    float(asked.asks_speaker and bool(chunk.speakers)),
                    float(asked.asks_reason and bool(_CAUSAL.search(chunk.text))),
                    float(bool(counted) and counts_thing(chunk.text, counted))
                    + float(
                        asked.wants in TYPED
                        and has_answer_type(asked.wants, chunk.text)
                        or (
                            describes(asked.described, chunk.text)
                            if asked.described
                            else asks_person(asked) and names_someone_new(asked, chunk)
                        )
                    ),
                ]
            )
        return np.asarray(rows, dtype=float).reshape(len(rows), len(SIGNALS))

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

    def _choose(
        self,
        ranked: list[tuple[Scored, float]],
        *,
        quote: bool = False,
        described: str | None = None,
        about: Sequence[str] = (),
    ) -> list[Chunk]:
        """The best sentence, plus what completes it, plus any nearly as good. For "Who is X?",
        a best sentence that only names X ("... was Walter Greaves.") gets the next one when that
        goes on about X ("Greaves, now 83, was the projectionist ..."), else a good one saying
        what X is. An extra sentence quoting someone other than the people ``about`` is left out."""
        best, best_score = ranked[0]
        following = self._next(best.chunk)
        if (
            following
            and following.quotes
            and ASKED_LEAD_IN.match(best.chunk.text)
            and following.context == best.chunk.text
        ):
            # 'Asked what she would do, the founder laughed. "Then we'll charge ..."': the answer is
            # the quote the lead-in sets up.
            best = Scored(following, best.dense, best.lexical, best.fused)
        chosen = self._completed(best.chunk, quote=quote)
        if described and chosen == [best.chunk] and not describes(described, best.chunk.text):
            after = self._next(best.chunk)
            if after and goes_on_about(described, best.chunk, after):
                chosen.append(after)
            elif saying := next(
                (
                    c.chunk
                    for c, s in ranked[1:]
                    if s >= DESCRIBED_RATIO * best_score and describes(described, c.chunk.text)
                ),
                None,
            ):
                chosen.append(saying)  # "Halvorsen, who is 64, has been the skipper ..."
        for candidate, score in ranked[1:]:
            if len(chosen) >= self.max_sentences or score < EXTRA_SENTENCE_RATIO * best_score:
                break
            speakers = candidate.chunk.speakers
            if about and speakers and not any(same_person(a, p) for a in about for p in speakers):
                continue  # "Why did Nora come back?": not her brother's "I wasn't coming back"
            if candidate.chunk not in chosen:
                chosen.append(candidate.chunk)
        return chosen

    def _reason_for(self, said: str) -> list[Chunk]:
        """What a bare "Why?" asks of the last answer: its own "because ..." clause, else the
        sentences right after it, where a report gives the reason for what it just said."""
        said_chunks = self._said_chunks(said)
        stated = [c for c in said_chunks if _REASON_CLAUSE.search(c.text)]
        if stated:
            return stated[:1]
        following = self._next(said_chunks[-1]) if said_chunks else None
        return self._completed(following, quote=True) if following and following.text not in said else []

    def _touches(self, chosen: Sequence[Chunk], topic: Sequence[str]) -> bool:
        """Whether any of ``chosen``, or a sentence beside it in its paragraph, has a word of ``topic``."""
        near = [n for c in chosen for n in (c, self._previous(c), self._next(c)) if n is not None]
        return any(set(topic) & self._chunk_stems[c.id] for c in near)

    def _said_chunks(self, said: str) -> list[Chunk]:
        """The article's body sentences in ``said`` (an earlier answer), in article order."""
        return [c for c in self._chunks if c.text in said and c.paragraph in self._body]

    def _with_next_to_said(self, candidates: Sequence[Scored], said: str) -> list[Scored]:
        """``candidates`` and the sentence after each one said last: a bare "Why?" or "And then?"
        most often points there, whatever retrieval made of its few words."""
        have = {c.chunk.id for c in candidates}
        floor = min((c.dense for c in candidates), default=0.0)
        following = [nxt for c in self._said_chunks(said) if (nxt := self._next(c))]
        extra = [
            Scored(c, dense=floor, lexical=0.0, fused=0.0)
            for c in following
            if c.id not in have and c.paragraph in self._body
        ]
        return [*candidates, *extra]

    def _completed(self, chunk: Chunk, *, quote: bool = False) -> list[Chunk]:
        """``chunk``, and the sentence after it when it is needed to make sense."""
        following = self._next(chunk) if self.max_sentences > 1 else None
        # A lead-in ("The money will come from three sources.") needs the sentence it announces;
        # a quote that runs on ("I believe in it," she said. "But ...") needs its continuation.
        if following and (len(chunk.text) < SHORT_SENTENCE or chunk.text.rstrip().endswith(":")):
            return [chunk, following]
        if following and quote and _continues_quote(chunk, following):
            return [chunk, following]
        return [chunk]

    def _list_item(self, n: int, said: str) -> Chunk | None:
        """Item ``n`` of the list the last answer started or announced (searched from its first
        sentence on), if the article marks its items."""
        said_chunks = self._said_chunks(said)
        item = list_item(self._chunks, self._position[said_chunks[0].id], n) if said_chunks else None
        return item if item is not None and item.paragraph in self._body else None

    def _previous(self, chunk: Chunk) -> Chunk | None:
        position = self._position.get(chunk.id)
        if not position:
            return None
        before = self._chunks[position - 1]
        return before if before.paragraph == chunk.paragraph else None

    def _next(self, chunk: Chunk) -> Chunk | None:
        position = self._position.get(chunk.id)
        if position is None or position + 1 >= len(self._chunks):
            return None
        following = self._chunks[position + 1]
        return following if following.paragraph == chunk.paragraph else None

    def resolve_person(self, subject: str | None) -> str | None:
        """A role ("the bakery owner") -> the person the article introduces with it."""
        if not subject or find_names(subject) or is_plural(subject):
            return subject  # "the researchers" are not one of them
        owned = _OWNED_ROLE.match(subject)
        # "the company's lawyer" is found by "lawyer"; whose lawyer is checked apart.
        wanted = set(content_stems(owned.group("role") if owned else subject))
        best, best_key = subject, (0, -APPOSITIVE_CHARS)
        for chunk in self._chunks:
            overlap = len(wanted & self._chunk_stems[chunk.id])
            if not chunk.people or not overlap:
                continue
            if owned and _owned_by_other(chunk.text, owned.group("owner"), owned.group("role")):
                continue  # "the council's lawyer" is not "the company's lawyer"
            # The person the role is said of: "Mark Ashdown, the hospital's chief executive", not
            # the first person in a sentence that merely mentions the hospital.
            for person in chunk.people:
                key = (overlap, -_distance(chunk.text, person, wanted))
                if key[1] > -APPOSITIVE_CHARS and key > best_key:
                    best, best_key = person, key
        return best

    def _citation(self, n: int, chunk: Chunk) -> Citation:
        return Citation(
            n, chunk.paragraph, chunk.start, chunk.end, self.article.text[chunk.start : chunk.end]
        )


# "the company's lawyer": whose role it is.
_OWNED_ROLE = re.compile(r"^\W*(?:the\s+)?(?P<owner>[a-z]+)(?:'s|’s)\s+(?P<role>.+?)\W*$")


def _owned_by_other(text: str, owner: str, role: str) -> bool:
    """Whether ``text`` gives the ``role`` only as another's: "The council's lawyer" for "the
    company's lawyer" (a capitalised owner, "Tarnwell's lawyer", may be the company by name)."""
    head = role.split()[-1]
    owners = re.findall(rf"\b(\w+)(?:'s|’s)\s+(?:\w+\s+)?{re.escape(head)}\b", text, re.IGNORECASE)
    return bool(owners) and all(o.islower() and stem(o) != stem(owner) for o in owners)


def typed_first(asked: Question, ranked: list[tuple[Scored, float]]) -> list[tuple[Scored, float]]:
    """``ranked`` with the best passage holding the kind of answer the question wants (an age, a
    number, a date) moved to the top, when the top one lacks it and it scores nearly as well, or
    names whom the question names ("How old is Walter Greaves?": "Greaves, now 83, ...")."""
    if asked.wants not in TYPED or not ranked:
        return ranked
    best_score = ranked[0][1]
    if has_answer_type(asked.wants, ranked[0][0].chunk.text):
        return ranked
    named = [n for n in find_names(asked.query) if is_name(n)]
    # A sentence goes on with the one before it: "The repair sessions are the library's other
    # attraction. On the first and third Saturday of each month, ..." answers "When?" as well.
    scores = {(s.chunk.paragraph, s.chunk.sentence): score for s, score in ranked}
    for position, (candidate, score) in enumerate(ranked[1:], start=1):
        chunk = candidate.chunk
        if not has_answer_type(asked.wants, chunk.text):
            continue
        # "For Marchetti, it was the perfect farewell. The 34-year-old midfielder ...": hers.
        in_it = find_names(chunk.text) + [chunk.referent] + find_names(chunk.context)
        if (
            max(score, scores.get((chunk.paragraph, chunk.sentence - 1), 0.0)) >= TYPED_RATIO * best_score
            or named
            and all(any(same_person(n, m) for m in in_it if m) for n in named)
        ):
            return [ranked[position], *ranked[:position], *ranked[position + 1 :]]
    return ranked


def measured_first(asked: Question, ranked: list[tuple[Scored, float]]) -> list[tuple[Scored, float]]:
    """For "How long is the barrier?", the best passage stating a length ("It was 240 metres long")
    moved to the top when the top one states none and it, or the sentence it goes on from, scores
    at least ``MEASURED_RATIO`` of the best; for "By how much did it fall?", one saying "by 23
    percent", at ``TYPED_RATIO``."""
    if asked.measure:
        return _stating_first(ranked, lambda text: states_measure(asked.measure, text), MEASURED_RATIO)
    if asked.by_how_much:
        return _stating_first(ranked, states_change, TYPED_RATIO)
    return ranked


def _stating_first(
    ranked: list[tuple[Scored, float]], states: Callable[[str], bool], ratio: float
) -> list[tuple[Scored, float]]:
    if not ranked or states(ranked[0][0].chunk.text):
        return ranked
    scores = {(s.chunk.paragraph, s.chunk.sentence): score for s, score in ranked}
    enough = ratio * ranked[0][1]
    for position, (candidate, score) in enumerate(ranked[1:], start=1):
        chunk = candidate.chunk
        previous = scores.get((chunk.paragraph, chunk.sentence - 1), 0.0)
        if states(chunk.text) and max(score, previous) >= enough:
            return [ranked[position], *ranked[:position], *ranked[position + 1 :]]
    return ranked


def described_first(asked: Question, ranked: list[tuple[Scored, float]]) -> list[tuple[Scored, float]]:
    """For "Who is X?", the best passage saying what X is ("Halvorsen, who is 64, has been the
    skipper ...") moved to the top when it scores at least ``DESCRIBED_RATIO`` of one that only
    names X ("At ten past six, Ingrid Halvorsen climbs the steps ...")."""
    if not asked.described or not ranked or describes(asked.described, ranked[0][0].chunk.text):
        return ranked
    floor = DESCRIBED_RATIO * ranked[0][1]
    named = set(words(asked.described))
    for position, (candidate, score) in enumerate(ranked[1:], start=1):
        text = candidate.chunk.text
        # Named in full, or the check that follows would find part of the name missing.
        if (
            score >= floor
            and describes(asked.described, text)
            and named <= set(words(candidate.chunk.search_text))
        ):
            return [ranked[position], *ranked[:position], *ranked[position + 1 :]]
    return ranked


def role_named_first(asked: Question, ranked: list[tuple[Scored, float]]) -> list[tuple[Scored, float]]:
    """For "Who was the referee?", the best passage naming whoever holds the role ("referee Martin
    Hale pointed to the spot") moved to the top when it scores at least ``DESCRIBED_RATIO`` of the best."""
    role = _WHO_IS_THE.match(asked.text)
    if not role or not ranked:
        return ranked
    head, floor = role.group("head").lower(), DESCRIBED_RATIO * ranked[0][1]
    for position, (candidate, score) in enumerate(ranked):
        if score < floor:
            break
        if names_the(head, candidate.chunk.text, asked.words):
            return [ranked[position], *ranked[:position], *ranked[position + 1 :]]
    return ranked


def asks_person(asked: Question) -> bool:
    """ "Who ...?", "Whose idea ...?": the answer names someone (not "Who said ...?", ranked apart)."""
    return bool(_ASKS_PERSON.match(asked.text)) and not asked.asks_speaker


def names_someone_new(question: Question, chunk: Chunk) -> bool:
    """Whether ``chunk`` names a person or body the question (or its follow-up rewrite) does not.
    A lone capitalised word opening the sentence ("Nobody", "Traffic") is an ordinary word, unless
    it is someone the article named before ("Morrow is drawing up the plans")."""
    asked = set(question.words) | set(words(question.query))
    sentence = chunk.text
    return any(
        not set(words(name)) <= asked and (" " in name or not sentence.lstrip().startswith(name))
        for name in find_names(sentence)
    ) or question.leaves_out(chunk.people)


def goes_on_about(person: str, chunk: Chunk, following: Chunk) -> bool:
    """Whether ``following`` goes on about ``person``, whom ``chunk`` names: it describes them,
    opens with their name, or opens with a "he"/"she" that means them."""
    if describes(person, following.text):
        return True
    opening = following.text.split(",")[0].split()[:3]
    if any(same_person(person, n) for n in find_names(" ".join(opening))):
        return True
    named_last = find_names(chunk.text)[-1:]
    return bool(_OPENING_PRONOUN.match(following.text) and named_last and same_person(person, named_last[0]))


def is_bare(question: str, history: Sequence[dict[str, str]]) -> bool:
    """A follow-up with almost nothing of its own: "Why?", "How so?", "And then?", "What happened
    next?", "Why was that useful?"."""
    own = set(content_stems(question)) - {stem(w) for w in SEQUENCE_WORDS}
    if _ABOUT_THAT.match(question):
        own -= _JUDGEMENTS
    return bool(history) and not own


def _pairs(stems: list[str]) -> set[tuple[str, str]]:
    return set(zip(stems, stems[1:], strict=False))


def is_name(mention: str) -> bool:
    """ "Mayor Patricia Lund", "Powell": every word but a title capitalised; "the Sunni former
    minister" describes a role instead."""
    kept = [w for w in mention.split() if w.lower() not in TITLES]
    return bool(kept) and all(w[:1].isupper() for w in kept)


def _continues_quote(chunk: Chunk, following: Chunk) -> bool:
    speakers = set(chunk.speakers)
    return bool(speakers) and bool(speakers & set(following.speakers))


def _distance(text: str, name: str, stems: AbstractSet[str]) -> int:
    """Characters between ``name`` and the nearest word of ``text`` whose stem is in ``stems``."""
    at = text.find(name)
    if at < 0:
        at = text.find(name.split()[-1])
    if at < 0:
        return 10**6
    spans = [m.span() for m in re.finditer(r"\w+", text) if stem(m.group(0)) in stems]
    return min((max(start - (at + len(name)), at - end, 0) for start, end in spans), default=10**6)


# "Halvorsen is not sure about the card machine": a view reported without a verb of speech.
_STANCE = re.compile(
    r"\b(is|was|are|were)( not)? (sure|unsure|convinced|worried|opposed|keen|happy|unhappy|sceptical|"
    r"skeptical|confident|doubtful|against|in favour|in favor)\b|\b(thinks|thought|believes|believed|"
    r"doubts|doubted|fears|feared|hopes|hoped|agrees|agreed|disagrees|disagreed|opposes|opposed|"
    r"supports|supported|prefers|preferred|objects|objected|welcomes|welcomed|worries|worried)\b",
    re.IGNORECASE,
)


def _speaker_bonus(subject: str, chunk: Chunk) -> float:
    subject_words = set(content_stems(subject))
    for speaker in chunk.speakers:
        if same_person(subject, speaker):
            return 0.5
    text_words = set(content_stems(chunk.text))
    named = subject_words & text_words or any(same_person(subject, p) for p in chunk.people)
    if named and (re.search(rf"\b({SPEECH_VERBS})\b", chunk.text, re.I) or _STANCE.search(chunk.text)):
        return 0.2
    return 0.0
