"""The article's map: which sentences are its title, thesis, recommendations, evidence, opposing
views, definitions and comparisons, and who said what.

Built once per index from sentence cues and the sentence embeddings the index already holds, so
it works on any article (op-ed, news report, encyclopedia entry) without a language model.
Every role holds chunk ids; the title, byline, date and headings are never in an answer role.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from index.article import Article
from index.chunks import SPEECH_VERBS, Chunk

# Bump when the rules change: a stored map of another version is rebuilt on load.
MAP_VERSION = 11
MAX_THESIS = 2
MAX_EVIDENCE = 5
MAX_KEY_POINTS = 10
TITLE_MAX_WORDS = 20
HEADING_MAX_WORDS = 12
SHORT_SENTENCE_WORDS = 8
# An article argues when it says what should be done at least twice in its own voice; one "the
# library has to pay its own way" is a report's fact, not a proposal.
MIN_PROPOSALS = 2
DIVERSITY = 0.35  # key points: how much likeness to points already picked costs

_TERMINAL = re.compile(r"[.!?:;\"'”’)\]…]\s*$")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = re.compile(
    rf"\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b|\b\d{{1,2}}\s+{_MONTHS}\s+\d{{4}}\b|"
    r"\b\d{4}-\d{2}-\d{2}\b|\b(?:published|updated|posted)\b",
    re.IGNORECASE,
)
# Someone else's words: a speech verb (or "according to", "believes") before the cue.
_ATTRIBUTION = re.compile(
    rf"\b({SPEECH_VERBS}|saying|arguing|claiming|believes?|believed|thinks?|thought|wants?|wanted|"
    r"fears?|feared|hopes?|hoped|according to|objections?|complaints?|criticisms?|(is|are) right that)\b"
)  # case-sensitive: "the United States should" is not "states"; "The objection is that parents
# must drive" and "He is right that ..." report or grant a critic's point, they propose nothing
_FIRST_PERSON = re.compile(r"\b(I|we)\b(?!\.)")
_AUTHOR_I = re.compile(r"\b(I|[Mm]y|[Mm]e)\b(?!\.)")
MIN_FIRST_PERSON = 2  # sentences where the author says "I" outside quotes: one writing as themself
_THESIS_CUES = re.compile(
    r"\b(the most important|most important|of central importance|the real (question|issue|problem|point)|"
    r"the point is|i (argue|believe|contend|maintain)|we (argue|believe|contend)|"
    r"the (key|main|central|fundamental|crucial|core|basic) (question|issue|point|problem|lesson|fact)|"
    r"in short|the bottom line|the truth is|what matters|the lesson|crucially|above all)\b",
    re.IGNORECASE,
)
# "Somebody has to close the road" says who does a job today; it proposes nothing.
_MODAL = re.compile(
    r"(?<!somebody )(?<!someone )(?<!something )(?<!nobody )(?<!no one )"
    r"\b(should|must|need to|needs to|ought to|have to|has to|it is time|it's time|"
    r"(i|we) (urge|recommend|propose|call on|call for))\b",
    re.IGNORECASE,
)
# Softer proposals, counted only in an article that argues (has a strong one).
_SOFT_PROPOSAL = re.compile(
    r"\b(could (then|still|instead)|can still|the best hope|becomes an option|the (only )?(solution|"
    r"answer|remedy|way forward|way out)|would be (wise|better|to)|the best (course|option|way))\b",
    re.IGNORECASE,
)
# "how the city should cope" asks; it does not propose.
_INDIRECT_QUESTION = re.compile(r"\b(how|whether|what|if)\b[^,;:]{0,40}$", re.IGNORECASE)
_EXPLAINS = re.compile(r"^\W*(that|this) means\b|^\W*in other words\b|^\W*that is,", re.IGNORECASE)
_NUMBER = re.compile(
    r"\d|\b(million|billion|thousand|hundred|percent|per cent|dozens?|half|twice|double|triple)\b",
    re.IGNORECASE,
)
_STUDY = re.compile(
    r"\b(stud(y|ies)|report(ed|s)?|survey|data|research|analys[ie]s|evidence|found|finding|findings|"
    r"measured|estimated?|statistics|experiment|tests?|poll|records?|demonstrated|shows?|showed|shown)\b",
    re.IGNORECASE,
)
# A measured change ("fell by 71 percent", "rose from 38 percent to 57 percent"): a result, the
# strongest evidence there is, where a bare year only dates something.
_MEASURED = re.compile(
    r"\b(fell|rose|dropped|declined|increased|decreased|grew|doubled|halved|tripled|cut|reduced|"
    r"climbed|jumped|shrank|slowed|improved|vanished)\b[^.;]{0,40}\d",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(1[6-9]|20)\d\d\b")
_EXAMPLE = re.compile(r"\b(for example|for instance|such as|as (dramatically |clearly )?demonstrated|"
                      r"including|in one case|case of)\b", re.IGNORECASE)  # fmt: skip
# "Historians disagree about the strike's significance.": a debate the next sentences report.
_DEBATE = re.compile(
    r"\b((historians|scholars|experts|researchers|scientists|economists|analysts|observers|commentators|"
    r"writers|critics|opinions?|views?) (still |also |have long )?(disagree|differ|are divided|debate)|"
    r"opinion (is|was|remains) divided|(is|was|remains) (disputed|contested|controversial)|"
    r"not everyone agrees|there is (some )?debate)\b",
    re.IGNORECASE,
)
_OPPOSING = re.compile(
    r"\b(critics?|opponents?|skeptics?|sceptics?|detractors?|naysayers?|the opposition|opposition group|"
    r"not everyone|on the other hand|voted against|argued against|arguments? against|"
    r"(some|others|many) (\w+ ){0,3}(argue|argued|say|said|believe|contend|claim|insist|object|disagree)|"
    r"(most|many|some|other) (pundits|experts|observers|commentators|analysts|politicians|political figures|"
    r"scientists|economists|people|residents|critics|officials)\b[^.]{0,40}\b(say|saying|argue|arguing|"
    r"believe|claim|claiming|warn|warning|contend)|"
    r"questioned|disputed|challenged|criticized|criticised|objected|disagreed|judicial review|"
    r"conventional wisdom|popular (perception|belief)|common (view|belief)|previously (thought|supposed)|"
    r"it was (often |widely |commonly |long |once )?(thought|said|argued|believed|assumed)|"
    r"there is (some )?debate|objections?|objectors?|complain(s|ed|ts?)?)\b|" + _DEBATE.pattern,
    re.IGNORECASE,
)
# "Critics raise three objections.": announces the views the next sentences report, says none itself.
_ANNOUNCES = re.compile(
    r"\b(two|three|four|five|several|a few|some|many|\d+)\s+(\w+\s+)?(objections|criticisms|complaints|"
    r"concerns|worries|arguments|counterarguments)\b",
    re.IGNORECASE,
)
# "First, the council should ...", "The third objection is cost.": one item of a numbered list.
_ENUMERATED = re.compile(
    r"^\W*(the )?(first|second|third|fourth|fifth|sixth|final|finally|lastly)(ly)?\b,?",
    re.IGNORECASE,
)
_HOWEVER_REPORTED = re.compile(r"\b(however|but|yet|although)\b", re.IGNORECASE)
_COMPARISON = re.compile(
    r"(?i:\b(recalls|recalled (the|a|an)|reminiscent of|remind(s|ed)? (us )?of|similar(ly)? to|"
    r"compared? (with|to)|in comparison|comparable to|unlike|just as|the same as|akin to|resembl\w+|"
    r"mirrors?|mirrored|echo(es|ed)|parallels?|paralleled|analog(y|ous|ies)|likened?)\b)|"
    r"(?<!such )\bas in (the |[A-Z]|\d)"  # "as in Vietnam", not "such as in the east"
)
# "Tarrow is warmer and more generous than Marsh": two named things set side by side; not "more
# than 2,000" or "older than the town hall".
_THAN_NAMED = re.compile(r"\b(?:[a-z]{3,}er|more [a-z]+|less [a-z]+) than (?=[A-Z][a-z])")
# "..., so the comparison is not exact.": the comparison is the sentence before.
_REFERS_TO_COMPARISON = re.compile(r"\b(the|this|that|such a) (comparison|analogy|parallel)\b", re.I)
# "much like the 1983 war", "Iraq is like Vietnam"; not "programs like Google Earth" (examples).
_LIKE = re.compile(r"\b(much|just|very|not unlike|looks?|seems?|is|are|was|were|becomes?|became) like\b")
# "X is defined as", "X refers to", "X means", "by X I mean", "known as X", "X (gloss)".
_DEFINED = re.compile(
    r"^\W*(?P<term>[\w“”\"'’ -]{2,60}?)\s+(?:is|are) (?:defined as|the term for|what we call)|"
    r"^\W*(?P<term2>[\w“”\"'’ -]{2,60}?)\s+(?:refers? to|means|denotes)\b|"
    r"\b[Bb]y (?P<term3>[\w“”\"'’ -]{2,40}?),? (?:I|we) mean\b|"
    r"\b(?:known (?:\w+ly )?as|also called|so-called|termed|which \w+ call) "
    r"(?P<term4>[“\"]?[\w’' -]{2,40}?[”\"]?)(?=[,.;:)]|$)|"
    # "The result was the lift house: a timber-framed building ..."
    r"\bthe (?P<term6>[\w’'-]+(?: [\w’'-]+){0,3}): (?:an?|the) |"
    r"(?P<term5>\b[A-Z][\w’'-]*(?: [\w’'-]+){0,3}) \((?P<gloss>[a-z][\w’'-]+(?: [\w’'-]+){0,3})\)",
)
# "Deforestation is the conversion of ...", "The Amazon rainforest (...) is a moist broadleaf forest that".
_GENUS = re.compile(
    r"^\W*(?P<term>(?:the |an? )?[\w’'-]+(?: [\w’'-]+){0,4}?)\s*(?:\([^)]*\)\s*)?(?:,[^,]{0,160},\s*)?"
    r"(?:is|are) (?:a|an|the|one of the) (?:[\w-]+ ){0,4}?[\w-]+ (?:of|that|which|who|for|in|used|where)\b",
    re.IGNORECASE,
)
# A sentence opening like this continues the one before: "Since then, ...", "Even worse, ...".
_CONNECTIVE = re.compile(
    r"^\W*(since then|then|after that|even worse|worse|finally|also|but|and|however|still|yet|thus|so|"
    r"instead|moreover|furthermore|meanwhile)\b",
    re.IGNORECASE,
)
_ANAPHOR = re.compile(r"^\W*(that|this|it|these|those)\b", re.IGNORECASE)
# A feature opens on a scene ("LINWICK - At half past six on a Friday evening, Nora Vance unlocks
# ..."), and says what the story is a paragraph or two later: the nut graf.
_SCENE = re.compile(
    r"^[^,.;]{0,40}?\bon an? (?:[\w-]+ ){0,2}(?:morning|afternoon|evening|night|day)\b", re.IGNORECASE
)  # not "On Monday, the council voted": that is the news itself
NUT_PARAGRAPHS = 3  # the nut graf is looked for this many paragraphs after the scene


@dataclass
class ArticleMap:
    """Chunk ids per role. Recommendations, evidence, opposing views and key points are ranked,
    strongest first; the other roles are in article order."""

    kind: str = "reference"  # "opinion", "news" or "reference": how the article argues, if at all
    title: list[str] = field(default_factory=list)
    byline: list[str] = field(default_factory=list)
    date: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    bio: list[str] = field(default_factory=list)  # "Jane Doe is a historian ...": about the author
    thesis: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    opposing: list[str] = field(default_factory=list)
    definitions: list[tuple[str, str]] = field(default_factory=list)  # (term, chunk id)
    comparisons: list[str] = field(default_factory=list)
    key_points: list[str] = field(default_factory=list)  # most representative first
    speakers: dict[str, list[str]] = field(default_factory=dict)
    version: int = MAP_VERSION

    @property
    def not_answers(self) -> set[str]:
        """Lines that label the article rather than say anything: never cite them as an answer."""
        return {*self.title, *self.byline, *self.date, *self.headings}

    def outline(self) -> list[tuple[str, str]]:
        """(label, chunk id) entries for a reader's outline, grouped by role, each chunk once."""
        labelled = [("Thesis" if self.kind == "opinion" else "Main point", i) for i in self.thesis]
        labelled += [("Recommendation", i) for i in self.recommendations]
        labelled += [("Evidence", i) for i in self.evidence]
        labelled += [("Opposing view", i) for i in self.opposing]
        labelled += [("Comparison", i) for i in self.comparisons]
        labelled += [("Definition", i) for _, i in self.definitions]
        first = {i: label for label, i in reversed(labelled)}  # a sentence keeps its first label
        return [(label, i) for label, i in labelled if first.pop(i, None) == label]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ArticleMap:
        """Raises ``ValueError`` for text that is not a map of this version."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != MAP_VERSION:
            raise ValueError("not an article map of this version")
        data["definitions"] = [(str(term), str(i)) for term, i in data.get("definitions", [])]
        return cls(**data)


def build_map(
    article: Article, chunks: Sequence[Chunk], vectors: Mapping[str, Sequence[float]]
) -> ArticleMap:
    """The map of ``article`` from its ``chunks`` and their sentence ``vectors`` (by chunk id)."""
    return _Builder(article, chunks, vectors).build()


class _Builder:
    def __init__(self, article: Article, chunks: Sequence[Chunk], vectors: Mapping[str, Sequence[float]]):
        self.article = article
        self.chunks = list(chunks)
        self.kinds = {p.number: p.kind for p in article.paragraphs}
        self.paragraph_chunks: dict[int, list[Chunk]] = {}
        for chunk in self.chunks:
            self.paragraph_chunks.setdefault(chunk.paragraph, []).append(chunk)
        self.map = ArticleMap()
        self._labels()
        skip = self.map.not_answers | set(self.map.bio)
        self.body = [c for c in self.chunks if c.id not in skip and self.kinds.get(c.paragraph) == "body"]
        self.voice = {c.id: _own_words(c) for c in self.body}
        self.centrality, self.unit = _centrality(self.body, vectors)
        self.lede = self._lede() if self.body else None

    def build(self) -> ArticleMap:
        m = self.map
        if not self.body:
            return m
        m.speakers = self._speakers()
        m.recommendations = self._recommendations()
        m.kind = self._kind()
        if m.kind != "opinion":
            m.recommendations = []  # a report's "should" is someone else's
        m.thesis = self._thesis()
        m.recommendations = self._ranked_proposals(m.recommendations)
        m.opposing = self._opposing()
        m.evidence = self._evidence()
        m.definitions = self._definitions()
        m.comparisons = self._comparisons()
        m.key_points = self._key_points()
        return m

    # Labels: title, byline, date, headings, the author's bio.
    def _labels(self) -> None:
        m = self.map
        first_body = next((p for p in self.article.paragraphs if p.kind == "body"), None)
        for p in self.article.paragraphs:
            ids = [c.id for c in self.paragraph_chunks.get(p.number, [])]
            if not ids:
                continue
            if p.kind == "heading" and p.number <= 4 and m.title and _DATE.search(p.text):
                m.date.extend(ids)
            elif p.kind == "heading":
                (m.headings if m.title else m.title).extend(ids)
            elif p.kind == "byline":
                m.byline.extend(ids)
            elif p.kind == "body" and _is_label_line(p.text, HEADING_MAX_WORDS):
                if p is first_body and not m.title and p.number <= 2:
                    m.title.extend(ids)
                elif p.number <= 4 and _DATE.search(p.text):
                    m.date.extend(ids)
                else:
                    m.headings.extend(ids)
            elif p is first_body and not m.title and _is_label_line(p.text, TITLE_MAX_WORDS):
                m.title.extend(ids)
        body = [p for p in self.article.paragraphs if p.kind == "body"]
        author = self.article.author
        for p in body[-2:]:
            if author and p.text.lstrip().startswith(author):
                m.bio.extend(c.id for c in self.paragraph_chunks.get(p.number, []))

    def _speakers(self) -> dict[str, list[str]]:
        """Speaker -> the sentences quoting them; "Wójcik" and "Tomasz Wójcik" are one person."""
        found: dict[str, list[str]] = {}
        for chunk in self.body:
            for speaker in chunk.speakers:
                found.setdefault(speaker, []).append(chunk.id)
        merged: dict[str, list[str]] = {}
        for name in sorted(found, key=len, reverse=True):
            full = next((k for k in merged if k.split()[-1] == name.split()[-1]), name)
            merged.setdefault(full, []).extend(found[name])
        order = {c.id: n for n, c in enumerate(self.chunks)}
        return {k: sorted(dict.fromkeys(v), key=order.__getitem__) for k, v in merged.items()}

    # Roles.
    def _authors(self, chunk: Chunk, pattern: re.Pattern[str]) -> bool:
        """The cue is in the author's own words, not inside a quote or someone's reported speech."""
        text = self.voice[chunk.id]
        for match in pattern.finditer(text):
            before = text[: match.start()]
            reported = _ATTRIBUTION.search(before) and not _FIRST_PERSON.search(before)
            if not reported and not _INDIRECT_QUESTION.search(before):
                return True
        return False

    def _recommendations(self) -> list[str]:
        strong = [c for c in self.body if self._authors(c, _MODAL)]
        if len(strong) < MIN_PROPOSALS:
            return []
        soft = [c for c in self.body if c not in strong and self._authors(c, _SOFT_PROPOSAL)]
        ranked = []
        for chunk in strong + soft:
            ranked.append(chunk.id)
            # "That means ..." right after a proposal says what the proposal is.
            following = self._next(chunk)
            if following and following not in strong and _EXPLAINS.search(following.text):
                ranked.append(following.id)
        return list(dict.fromkeys(ranked))

    def _ranked_proposals(self, ids: Sequence[str]) -> list[str]:
        """A numbered list's items first ("First, the council should ..."), then the thesis's own
        proposal, then the rest; lead-ins that say nothing alone ("It is time to act.") last.
        A "That means ..." keeps the rank of the proposal it explains."""
        by_id = {c.id: c for c in self.body}
        ranks: dict[str, int] = {}
        previous = None
        for chunk_id in ids:
            text = by_id[chunk_id].text
            if previous is not None and _EXPLAINS.search(text):
                ranks[chunk_id] = ranks[previous]
            elif len(text.split()) < SHORT_SENTENCE_WORDS:
                ranks[chunk_id] = 3
            else:
                ranks[chunk_id] = 0 if _ENUMERATED.match(text) else 1 if chunk_id in self.map.thesis else 2
            previous = chunk_id
        return sorted(ids, key=ranks.__getitem__)

    def _kind(self) -> str:
        if self.map.recommendations or any(self._authors(c, _THESIS_CUES) for c in self.body[:3]):
            return "opinion"
        # A review or a column judges in the first person ("the best book I have read this
        # spring"); a report's "I" is inside its quotes.
        if sum(1 for c in self.body if _AUTHOR_I.search(self.voice[c.id])) >= MIN_FIRST_PERSON:
            return "opinion"
        quoted = sum(1 for c in self.body if c.speakers)
        return "news" if quoted >= 2 or self.article.author else "reference"

    def _thesis(self) -> list[str]:
        scores = self._thesis_scores()
        ranked = sorted(self.body, key=lambda c: scores[c.id], reverse=True)
        # A report that opens on a scene says what it is about in its nut graf, however central
        # the quotes after it are.
        scene = self.map.kind != "opinion" and self.lede is not self.body[0]
        chosen = [self.lede if scene and self.lede else ranked[0]]
        if self.map.kind == "opinion":
            # An op-ed states its case twice: the claim, and what the author says must follow.
            argued = [c for c in ranked if c not in chosen and self._authors(c, _MODAL) and not _asks(c)]
            argued = argued or [c for c in ranked if c not in chosen and self._authors(c, _THESIS_CUES)]
            chosen += argued[: MAX_THESIS - 1]
        order = {c.id: n for n, c in enumerate(self.body)}
        return sorted((c.id for c in chosen), key=order.__getitem__)

    def _thesis_scores(self) -> dict[str, float]:
        first_paragraph = self.body[0].paragraph
        last_paragraph = self.body[-1].paragraph
        scores = {}
        for n, chunk in enumerate(self.body):
            score = self.centrality[chunk.id]
            if self._authors(chunk, _THESIS_CUES):
                score += 0.6
            if self.map.kind == "opinion" and self._authors(chunk, _MODAL):
                score += 0.3
            if chunk is self.lede:
                # An opinion's opening states its case when it argues or judges ("the best book I
                # have read this spring"), not when it sets a scene.
                judged = _THESIS_CUES.search(chunk.text) or _AUTHOR_I.search(self.voice[chunk.id])
                score += 0.5 if self.map.kind != "opinion" or judged else 0.2
                if _GENUS.match(chunk.text):
                    score += 0.3  # an encyclopedia entry opens by saying what its subject is
            elif n == 0:
                pass  # a scene: it sets the story up, it does not say what it is
            elif chunk.paragraph == first_paragraph:
                score += 0.15
            elif chunk.paragraph == last_paragraph:
                score += 0.1
            score -= self._weakness(chunk)
            scores[chunk.id] = score
        return scores

    def _weakness(self, chunk: Chunk) -> float:
        """How poorly a sentence stands alone as a statement of the article's point."""
        penalty = 0.0
        if chunk.speakers:
            penalty += 0.6
        if chunk.context or _CONNECTIVE.match(chunk.text):
            penalty += 0.15
        if _asks(chunk):
            penalty += 0.5
        if len(chunk.text.split()) < SHORT_SENTENCE_WORDS:
            penalty += 0.4
        return penalty

    def _opposing(self) -> list[str]:
        chosen: list[Chunk] = []
        for chunk in self.body:
            text = self.voice[chunk.id]
            cue = _OPPOSING.search(chunk.text)
            reported_turn = _HOWEVER_REPORTED.search(text) and _ATTRIBUTION.search(text)
            if cue or (reported_turn and re.search(r"\b(suggest|argue|claim|contend)", text, re.I)):
                chosen.append(chunk)
        dissenters = {p for c in chosen for p in (*c.people, *c.speakers)}
        extra = []
        announced: set[str] = set()  # lead-ins whose views follow: those say it, not the lead-in
        for chunk in chosen:
            # "Not everyone shares her enthusiasm." announces the dissenter in the next sentence;
            # "Historians disagree about ..." the views the rest of its paragraph reports.
            if len(chunk.text.split()) < SHORT_SENTENCE_WORDS or not chunk.people:
                following = self._next(chunk)
                while following and following.paragraph == chunk.paragraph:
                    if following.people or following.speakers:
                        extra.append(following)
                        dissenters.update((*following.people, *following.speakers))
                        announced.add(chunk.id)
                    following = self._next(following)
        for chunk in self.body:
            speakers = {s.split()[-1] for s in chunk.speakers}
            if speakers and speakers & {d.split()[-1] for d in dissenters}:
                extra.append(chunk)  # a quoted dissenter's own words
        # Sentences that report the view rank first, then the dissenters' own words, then lead-ins
        # ("Not everyone agrees.") that say nothing alone.
        short = [
            c
            for c in chosen
            if _ANNOUNCES.search(c.text)
            or (len(c.text.split()) < SHORT_SENTENCE_WORDS and not _ENUMERATED.search(c.text))
        ]
        ranked = [c for c in chosen if c not in short] + extra + short
        # "Historians disagree about it." says nothing the views after it don't.
        left_out = set(self.map.thesis) | {
            c.id
            for c in short
            if c.id in announced and len(c.text.split()) < SHORT_SENTENCE_WORDS and _DEBATE.search(c.text)
        }
        return list(dict.fromkeys(c.id for c in ranked if c.id not in left_out))

    def _evidence(self) -> list[str]:
        thesis = [self.unit[i] for i in self.map.thesis if i in self.unit]
        anchor = np.mean(thesis, axis=0) if thesis else None
        scored = []
        for chunk in self.body:
            if chunk.id in {*self.map.thesis, *self.map.opposing, *self.map.recommendations}:
                continue  # a proposal or a critic's point backs nothing
            numbers = bool(_NUMBER.search(_YEAR.sub(" ", chunk.text)))
            cues = numbers + sum(bool(p.search(chunk.text)) for p in (_STUDY, _EXAMPLE, _MEASURED))
            if chunk.speakers and self.map.kind == "opinion":
                cues += 1  # an op-ed quotes authorities to back its case
            if not cues:
                continue
            related = (
                float(self.unit[chunk.id] @ anchor) if anchor is not None and chunk.id in self.unit else 0
            )
            scored.append((cues + related - self._weakness(chunk) / 2, chunk.id))
        return [i for _, i in sorted(scored, reverse=True)[:MAX_EVIDENCE]]

    def _definitions(self) -> list[tuple[str, str]]:
        found = []
        for chunk in self.body:
            text = self.voice[chunk.id]
            match = _DEFINED.search(text)
            term = ""
            if match:
                term = next(g for g in match.groups() if g is not None)
            elif self.map.kind == "reference" and (genus := _GENUS.match(text)) and self._opens(chunk):
                term = genus.group(
                    "term"
                )  # an entry's "X is a ... that": not an op-ed's "X is a consequence"
            elif _EXPLAINS.search(chunk.text) and chunk.context:
                term = chunk.context  # "That means ...": what "that" is, the sentence before says
            term = term.strip(" “”\"'’,")
            if term and not _ANAPHOR.match(term) and term not in chunk.people:
                found.append((term, chunk.id))
            elif term and chunk.context:
                found.append((chunk.context, chunk.id))
        return found

    def _comparisons(self) -> list[str]:
        found = []
        for chunk in self.body:
            previous = self._previous(chunk)
            refers_back = previous is not None and _REFERS_TO_COMPARISON.search(self.voice[chunk.id])
            if refers_back and previous is not None:
                found.append(previous.id)
            if refers_back or self._compares(chunk):
                found.append(chunk.id)
        return list(dict.fromkeys(found))

    def _compares(self, chunk: Chunk) -> bool:
        text = self.voice[chunk.id]
        return bool(_COMPARISON.search(text) or _LIKE.search(text) or _THAN_NAMED.search(text))

    def _key_points(self) -> list[str]:
        """Sentences that together cover the article: central ones, each unlike those before."""
        # A point must stand alone: one leaning on the sentence before costs twice as much here.
        relevance = {
            c.id: self.centrality[c.id] - self._weakness(c) - (0.15 if c.context else 0) for c in self.body
        }
        for n, chunk_id in enumerate(self.map.thesis):
            relevance[chunk_id] += 1.0 - 0.1 * n
        if self.lede is not None:
            relevance[self.lede.id] += 0.2
        picked: list[str] = []
        # A scene is not a point: the nut graf after it says what the story is.
        candidates = [c.id for c in self.body if c is self.lede or c is not self.body[0]]
        while candidates and len(picked) < MAX_KEY_POINTS:

            def gain(chunk_id: str) -> float:
                if not picked or chunk_id not in self.unit:
                    return relevance[chunk_id]
                likeness = max(float(self.unit[chunk_id] @ self.unit[p]) for p in picked if p in self.unit)
                return relevance[chunk_id] - DIVERSITY * likeness

            best = max(candidates, key=gain)
            picked.append(best)
            candidates.remove(best)
        return picked

    def _lede(self) -> Chunk:
        """The sentence that says what the story is: the first one, unless that sets a scene; then
        the first plain statement of fact (a number or a date in it, nobody quoted) after the scene."""
        first = self.body[0]
        if not opens_on_scene(first.text):
            return first
        later = sorted({c.paragraph for c in self.body if c.paragraph > first.paragraph})[:NUT_PARAGRAPHS]
        for chunk in self.body:
            if (
                chunk.paragraph in later
                and not chunk.quotes
                and _NUMBER.search(chunk.text)
                and self._weakness(chunk) == 0
            ):
                return chunk
        return first

    def _opens(self, chunk: Chunk) -> bool:
        return self.paragraph_chunks[chunk.paragraph][0] is chunk

    def _next(self, chunk: Chunk) -> Chunk | None:
        siblings = self.paragraph_chunks.get(chunk.paragraph, [])
        position = siblings.index(chunk)
        return siblings[position + 1] if position + 1 < len(siblings) else None

    def _previous(self, chunk: Chunk) -> Chunk | None:
        siblings = self.paragraph_chunks.get(chunk.paragraph, [])
        position = siblings.index(chunk)
        return siblings[position - 1] if position > 0 else None


def opens_on_scene(sentence: str) -> bool:
    """ "At ten past six on a grey Tuesday morning, ...": a feature's opening scene."""
    return bool(_SCENE.match(sentence))


def _is_label_line(text: str, max_words: int) -> bool:
    """One short line without closing punctuation: a title, a heading or a dateline."""
    line = text.strip()
    return "\n" not in line and len(line.split()) <= max_words and not _TERMINAL.search(line)


def _asks(chunk: Chunk) -> bool:
    """ "So who should read it?": a question the author goes on to answer, not a claim."""
    return chunk.text.rstrip(" ”\"'").endswith("?")


def _own_words(chunk: Chunk) -> str:
    """The sentence with the quotations it reports blanked out (offsets kept)."""
    text = chunk.text
    for quote in chunk.quotes:
        start, end = quote.start - chunk.start, quote.end - chunk.start
        if 0 <= start < end <= len(text):
            text = text[:start] + " " * (end - start) + text[end:]
    return text


def _centrality(
    body: Sequence[Chunk], vectors: Mapping[str, Sequence[float]]
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Each sentence's likeness to the article as a whole, as a rank in [0, 1]; unit vectors."""
    unit = {}
    for chunk in body:
        if chunk.id in vectors:
            vector = np.asarray(vectors[chunk.id], dtype=float)
            unit[chunk.id] = vector / (np.linalg.norm(vector) + 1e-9)
    centrality = dict.fromkeys((c.id for c in body), 0.0)
    if len(unit) < 2:
        return centrality, unit
    centroid = np.mean(list(unit.values()), axis=0)
    similarity = {i: float(v @ centroid) for i, v in unit.items()}
    ranked = sorted(similarity, key=similarity.__getitem__)
    for rank, chunk_id in enumerate(ranked):
        centrality[chunk_id] = rank / (len(ranked) - 1)
    return centrality, unit
