"""Answers about the article as a whole (its point, proposals, summary, critics, comparisons,
evidence, definitions, author, the people it quotes) from the article map, in the article's own
sentences."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.followup import last_answer, person_genders
from bot.intent import WholeQuestion, asks_reply, asks_support, read_whole_question, topic_words
from bot.lists import item_number
from bot.text import balance_quotes, starts_inside_quote, stem, words
from index.article import Article
from index.article_map import ArticleMap
from index.chunks import Chunk

NO_RECOMMENDATION = (
    "It informs rather than argues: its author recommends nothing. Ask what someone in it wants."
)
# How an answer giving the article's claims starts (see ``_lead``): "Why?" after one asks for support.
_CLAIM_LEADS = ("The author's main argument:", "The article's main point:", "What the author recommends:")
NO_TERMS = "It explains no terms of its own; ask what a word means to see where it is used."
MAX_SENTENCES = {
    "thesis": 2,
    "recommendation": 4,
    "counter": 4,
    "comparison": 3,
    "evidence": 4,
    "people": 4,
    "terms": 4,
    "next": 2,
}
# What the article says will happen: "will meet", "has 28 days to", "is expected to decide".
_FUTURE = re.compile(
    r"\b(will|is expected to|are expected to|plans? to|planning to|(has|have) \w+ (days|weeks|months|years) "
    r"to|(is|are) due to|intends? to|next (year|month|week|summer|spring|autumn|fall|winter)|"
    r"by the end of (the|this|next) (year|month|week))\b",
    re.IGNORECASE,
)
SHORT_ITEM = 60  # characters; a list item this short gets the sentence after it
PREFIX = 5  # "Lebanon" and "Lebanese" share this many letters: the same topic
# Kinds whose topic picks among the map's entries ("Explain the Lebanon comparison"); for the
# others a topic makes the question one about a detail.
_TOPICAL = {"comparison", "definition", "author", "evidence"}
# A sentence that turns against the objection before it: the author's reply starts there.
_REBUTTAL = re.compile(
    r"^\W*(but|however|yet|still|actually|in fact|in practice|in reality)\b|"
    r"\b(the (answer|response|truth|reality|evidence) is|fair (worry|point|concern|question)|"
    r"(is|are) right that|(is|are) wrong|not (so|true|the case))\b",
    re.IGNORECASE,
)
_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}|\b[A-Z]{2,5}\b")
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:of\s+|the\s+|and\s+)?[A-Z][a-z]+)+")


@dataclass
class WholeAnswer:
    """Cited sentences answering a whole-article question, and how to frame them."""

    # thesis, recommendation, summary, counter, comparison, evidence, definition, terms, author, people
    kind: str
    chunks: list[Chunk]  # cited sentences, in the order to show them
    lead: str = ""  # a short framing phrase with no facts, e.g. "The author's main argument:"
    bullets: bool = False
    refusal: str = ""  # why the article has no such thing: "It reports; its author recommends nothing."
    labels: list[str] = field(default_factory=list)  # whom each sentence is about ("Who is quoted?")

    def render(self) -> str:
        """The answer text: the lead, then each sentence followed by its marker ``[n]`` (after the
        person it is about, when it does not name them)."""
        labels = self.labels or [""] * len(self.chunks)
        cited = [
            f"{label}: {balance_quotes(chunk.text)} [{n}]"
            if label and label.split()[-1] not in chunk.text
            else f"{balance_quotes(chunk.text)} [{n}]"
            for n, (label, chunk) in enumerate(zip(labels, self.chunks, strict=True), start=1)
        ]
        if self.bullets:
            return "\n".join([self.lead] * bool(self.lead) + [f"- {line}" for line in cited])
        return " ".join([self.lead] * bool(self.lead) + cited)


class WholeArticle:
    """Recognises whole-article questions and answers them from the ``ArticleMap``."""

    def __init__(self, article: Article, chunks: Sequence[Chunk], article_map: ArticleMap):
        self.article = article
        self.map = article_map
        self._chunks = list(chunks)
        self._by_id = {c.id: c for c in chunks}
        self._order = {c.id: n for n, c in enumerate(chunks)}
        self._title_words = {
            w for i in article_map.title + article_map.byline for w in words(self._by_id[i].text)
        } | {w for w in words(article.author or "")}

    def answer(self, question: str, history: Sequence[dict[str, str]] = ()) -> WholeAnswer | None:
        """None when the question is not about the article as a whole (or the map has nothing for it).

        ``history`` only matters to "How does the author answer it?" after an objection was given.
        """
        asked = read_whole_question(question)
        said = last_answer(history)
        if asked and asked.kind == "next" and history:
            return None  # "What happens next?" in a conversation: after what was just said
        if asked is None and said.startswith(_CLAIM_LEADS) and asks_support(question):
            # "Why?" after the main argument or a recommendation: the evidence the article gives.
            if evidence := self._pick(self.map.evidence, (), MAX_SENTENCES["evidence"]):
                return WholeAnswer("evidence", evidence, "What the article offers in support:")
        if asked is None:
            if not said or not asks_reply(question):
                return None
            objections = [c for c in self._chunks_of(self.map.opposing) if c.text in said]
            replies = self._replies(objections)
            return WholeAnswer("counter", replies, "The author's reply:") if replies else None
        topic = tuple(w for w in asked.topic if w not in self._title_words)
        if asked.target:
            topic = tuple(w for w in topic if not _covers(asked.target, [w]))
        if topic and asked.kind not in _TOPICAL and not asked.response:
            # "What is Finch's main argument?", "What evidence is there of X?": a question about a
            # detail, which retrieval answers better than the map.
            return None
        if asked.kind == "recommendation" and asked.by_author and self.map.kind != "opinion":
            # A report's "should" is someone else's: say so rather than pass a quote off as the author's.
            return WholeAnswer(asked.kind, [], refusal=NO_RECOMMENDATION)
        if asked.kind == "terms" and not self.map.definitions:
            return WholeAnswer(asked.kind, [], refusal=NO_TERMS)
        if asked.kind == "people":
            if topic:
                return None  # "Who is quoted about the fee?" asks about a detail
            cited = self._people(asked)
            chunks, labels = [c for _, c in cited], [name for name, _ in cited]
            return (
                WholeAnswer(asked.kind, chunks, self._lead(asked, len(cited)), labels=labels)
                if cited
                else None
            )
        handler = getattr(self, f"_{asked.kind}")
        chosen: list[Chunk] | None = handler(asked, topic)
        if not chosen:
            return None
        if asked.kind == "counter" and (fresh := [c for c in chosen if c.text not in said]):
            chosen = fresh  # "Does everyone agree with her?" after her view: the others'
        return WholeAnswer(asked.kind, chosen, self._lead(asked, len(chosen)), bullets=asked.bullets)

    # One method per kind: the sentences to cite, or None.
    def _author(self, asked: WholeQuestion, topic: tuple[str, ...]) -> list[Chunk] | None:
        # The byline is the one place a label line is the answer.
        ids = self.map.bio[:1] or self.map.byline[:1]
        return [self._by_id[i] for i in ids if i in self._by_id] or None

    def _thesis(self, asked: WholeQuestion, topic: tuple[str, ...]) -> list[Chunk] | None:
        return self._pick(self.map.thesis, topic, MAX_SENTENCES["thesis"])

    def _recommendation(self, asked: WholeQuestion, topic: tuple[str, ...]) -> list[Chunk] | None:
        ids = self.map.recommendations
        if asked.item is not None:
            return self._item(ids, asked.item)
        if asked.target:
            # "What does the author want the city to do?" when the proposals name the council: all of them.
            ids = [i for i in ids if self._mentions(self._by_id[i].text, asked.target)] or ids
        chosen = self._pick(ids, topic, MAX_SENTENCES["recommendation"])
        if not chosen:
            return None
        # A proposal and its "That means ..." go together, whichever of the two was picked.
        proposals = set(self.map.recommendations)
        for chunk in list(chosen):
            previous, following = self._previous(chunk), self._following(chunk)
            if chunk.context and previous and previous.id in proposals:
                chosen.append(previous)
            if following and following.context and following.id in proposals:
                chosen.append(following)
        return self._in_order(chosen)

    def _people(self, asked: WholeQuestion) -> list[tuple[str, Chunk]]:
        """The people it quotes most, each where a quote is first put to them by name; for "Who are
        the main people?" those it names most, each where it first gives their full name."""
        # Someone the article calls "he" or "she", or quotes, named in full: not "He", nor a place
        # taken for a speaker or for the subject ("the Brazilian Amazon").
        persons = {*person_genders(self._chunks), *self.map.speakers}
        full = sorted(n for n in persons if len(n.split()) > 1 and all(w[0].isupper() for w in n.split()))
        surnames = Counter(n.split()[-1] for n in full)
        in_full = {n: n for n in full} | {n.split()[-1]: n for n in full if surnames[n.split()[-1]] == 1}
        body = self._chunks_of(c.id for c in self._chunks)  # no title or heading
        mentions: dict[str, list[Chunk]] = {}
        if asked.quoted:
            for speaker, ids in self.map.speakers.items():
                if speaker in in_full:
                    mentions.setdefault(in_full[speaker], []).extend(self._chunks_of(ids))
        else:
            for chunk in body:
                for name in {in_full[p] for p in chunk.people if p in in_full}:
                    mentions.setdefault(name, []).append(chunk)
        ranked = sorted(mentions.items(), key=lambda item: -len(item[1]))[: MAX_SENTENCES["people"]]
        opening = [c for c in body if not starts_inside_quote(c.text)]
        cited = []
        for name, chunks in ranked:
            if not asked.quoted and (introduced := [c for c in opening if name in c.text]):
                cited.append((name, introduced[0]))  # "chaired by Priya Shah": the first full mention
                continue
            chunks = self._in_order(chunks)
            whole = [c for c in chunks if not starts_inside_quote(c.text)] or chunks
            named = [c for c in whole if name in c.text] or [c for c in whole if name.split()[-1] in c.text]
            cited.append((name, (named or whole)[0]))
        return sorted(cited, key=lambda pair: self._order[pair[1].id])

    def _next(self, asked: WholeQuestion, topic: tuple[str, ...]) -> list[Chunk] | None:
        # A report says what comes next near its end: the last sentences that say what will
        # happen, in the article's words rather than a quote.
        body = self._chunks_of(c.id for c in self._chunks)
        ahead = [c for c in body if _FUTURE.search(c.text) and not c.quotes]
        return self._in_order(ahead[-MAX_SENTENCES["next"] :]) or None

    def _summary(self, asked: WholeQuestion, topic: tuple[str, ...]) -> list[Chunk] | None:
        return self._in_order(self._chunks_of(self.map.key_points[: asked.points])) or None

    def _counter(self, asked: WholeQuestion, topic: tuple[str, ...]) -> list[Chunk] | None:
        if not asked.response:
            if asked.item is not None:
                return self._item(self.map.opposing, asked.item)
            return self._pick(self.map.opposing, topic, MAX_SENTENCES["counter"])
        if asked.item is not None:
            objection = self._numbered(self.map.opposing, asked.item)
            objections = [objection] if objection else []
        else:
            objections = self._pick(self.map.opposing, topic, MAX_SENTENCES["counter"]) or []
        return self._replies(objections)

    def _replies(self, objections: Sequence[Chunk]) -> list[Chunk] | None:
        """How the author answers each objection: in its paragraph, the first sentence after it that
        turns against it ("But ...", "The answer is ...") and the one after that, else the next one."""
        opposing = set(self.map.opposing)
        replies: list[Chunk] = []
        for objection in objections:
            after = []
            chunk = self._following(objection)
            while chunk is not None:
                after.append(chunk)
                chunk = self._following(chunk)
            after = [c for c in after if c.id not in opposing]
            turn = next((i for i, c in enumerate(after) if _REBUTTAL.search(c.text)), None)
            replies += after[turn : turn + 2] if turn is not None else after[:1]
        return self._in_order(replies[: MAX_SENTENCES["counter"]]) or None

    def _evidence(self, asked: WholeQuestion, topic: tuple[str, ...]) -> list[Chunk] | None:
        chosen = self._pick(self.map.evidence, topic, MAX_SENTENCES["evidence"])
        if chosen or not topic:
            return chosen
        # "What evidence is there that the trial worked?": the figures themselves may not say
        # "trial", the paragraph they stand in does.
        about = {c.paragraph for c in self._chunks if _covers(c.text, topic, every=False)}
        evidence = [c for c in self._chunks_of(self.map.evidence) if c.paragraph in about]
        return self._in_order(evidence[: MAX_SENTENCES["evidence"]]) or None

    def _comparison(self, asked: WholeQuestion, topic: tuple[str, ...]) -> list[Chunk] | None:
        chosen = self._pick(self.map.comparisons, topic, MAX_SENTENCES["comparison"])
        if not chosen or not topic:
            return chosen
        # The sentences after a comparison in its paragraph usually say what it shows.
        for chunk in list(chosen):
            following = self._following(chunk)
            if following and following not in chosen and len(chosen) < MAX_SENTENCES["comparison"]:
                chosen.append(following)
        return self._in_order(chosen)

    def _definition(self, asked: WholeQuestion, topic: tuple[str, ...]) -> list[Chunk] | None:
        wanted = topic_words(asked.term)
        if not wanted:
            return None
        for term, chunk_id in self.map.definitions:
            chunk = self._by_id.get(chunk_id)
            if chunk is None or not _covers(term, wanted):
                continue
            if asked.loose and not _covers(" ".join(wanted), topic_words(term)):
                continue  # "What is X?" takes only a definition of X itself
            previous = self._previous(chunk)
            if term == chunk.context and previous:
                return [previous, chunk]  # "That means ...": what "that" is comes first
            return [chunk]
        return None

    def _terms(self, asked: WholeQuestion, topic: tuple[str, ...]) -> list[Chunk] | None:
        chosen: list[Chunk] = []
        for _, chunk_id in self.map.definitions[: MAX_SENTENCES["terms"]]:
            chunk = self._by_id.get(chunk_id)
            previous = self._previous(chunk) if chunk else None
            if chunk and chunk.context and previous:
                chosen.append(previous)  # "That means ...": what "that" is comes first
            chosen += [chunk] if chunk else []
        return self._in_order(chosen) or None

    # Helpers.
    def _item(self, ids: Sequence[str], n: int) -> list[Chunk] | None:
        """The n-th (-1: last) of a role's sentences, and the next one when it says little alone."""
        chosen = self._numbered(ids, n)
        if chosen is None:
            return None
        following = self._following(chosen)
        # "The third objection is cost." says little alone: the sentence after it goes with it.
        return [chosen, following] if following and len(chosen.text) < SHORT_ITEM else [chosen]

    def _numbered(self, ids: Sequence[str], n: int) -> Chunk | None:
        """The n-th (-1: last) of a role's sentences, where the article numbers them ("Second, ...",
        "The third objection is ..."); None for a list it does not number."""
        in_order = self._in_order(self._chunks_of(ids))
        numbered = [(number, c) for c in in_order if (number := item_number(c.text))]
        if n == -1 and numbered and all(number != -1 for number, _ in numbered):
            n = max(number for number, _ in numbered)  # no "Finally": the highest number is the last
        return next((c for number, c in numbered if number == n), None)

    def _pick(self, ranked: Sequence[str], topic: tuple[str, ...], limit: int) -> list[Chunk] | None:
        """The best ``limit`` of a role's ranked sentences mentioning the topic, in article order."""
        chunks = self._chunks_of(ranked)
        if topic:
            chunks = [c for c in chunks if _covers(c.text, topic, every=False)]
        return self._in_order(chunks[:limit]) or None

    def _chunks_of(self, ids: Iterable[str]) -> list[Chunk]:
        hidden = self.map.not_answers
        return [self._by_id[i] for i in ids if i in self._by_id and i not in hidden]

    def _in_order(self, chunks: Iterable[Chunk]) -> list[Chunk]:
        return sorted(dict.fromkeys(chunks), key=lambda c: self._order[c.id])

    def _neighbour(self, chunk: Chunk, step: int) -> Chunk | None:
        position = self._order[chunk.id] + step
        if not 0 <= position < len(self._chunks):
            return None
        other = self._chunks[position]
        return other if other.paragraph == chunk.paragraph and other.id not in self.map.not_answers else None

    def _following(self, chunk: Chunk) -> Chunk | None:
        return self._neighbour(chunk, 1)

    def _previous(self, chunk: Chunk) -> Chunk | None:
        return self._neighbour(chunk, -1)

    def _mentions(self, text: str, target: str) -> bool:
        """Whether ``text`` names ``target``: its words, or the same initials ("U.S." = "United States")."""
        wanted = _initials(target)
        if wanted and wanted & _initials(text):
            return True
        content = topic_words(target)
        return bool(content) and _covers(text, content)

    def _lead(self, asked: WholeQuestion, count: int) -> str:
        opinion = self.map.kind == "opinion"
        if asked.kind == "thesis":
            if asked.by_author and not opinion:
                return "It reports rather than argues; its main point:"  # "What is the author's opinion?"
            return "The author's main argument:" if opinion else "The article's main point:"
        if asked.kind == "recommendation":
            return "What the author recommends:"
        if asked.kind == "summary":
            return (
                f"The article in {count} point{'s' if count > 1 else ''}:" if asked.bullets else "In brief:"
            )
        if asked.kind == "counter":
            return "The author's reply:" if asked.response else "Opposing views the article reports:"
        if asked.kind == "comparison":
            return "The comparison the article draws:"
        if asked.kind == "next":
            return "What the article says comes next:"
        if asked.kind == "evidence":
            return "Evidence the article gives:"
        if asked.kind == "people":
            return "The people it quotes most:" if asked.quoted else "The people it names most:"
        if asked.kind == "definition":
            return "How the article explains it:"
        if asked.kind == "terms":
            return "The terms the article explains:"
        return ""


def _covers(text: str, wanted: Sequence[str], *, every: bool = True) -> bool:
    """Whether ``text`` has every (or any) of the ``wanted`` words, allowing other word forms."""
    have = {_key(w) for w in words(text)}
    found = [_key(w) in have for w in wanted]
    return bool(found) and (all(found) if every else any(found))


def _key(word: str) -> str:
    """A word's stem, cut to ``PREFIX`` letters so "Lebanon" meets "Lebanese"."""
    return stem(word)[:PREFIX]


def _initials(text: str) -> set[str]:
    """Acronyms in ``text`` ("U.S.", "NATO") and the initials of its capitalised names."""
    found = {re.sub(r"\W", "", a) for a in _ACRONYM.findall(text)}
    for run in _CAPITALISED_RUN.findall(text):
        letters = "".join(w[0] for w in run.split() if w.lower() not in {"the", "of", "and"})
        if len(letters) >= 2:
            found.add(letters)
    return found
