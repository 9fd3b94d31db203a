"""A question read once: its words, stems, names, the person asked about and the answer it wants.

Ranking, the answerability check and the answerer all read this one object instead of each
re-tokenising the text with its own patterns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.lists import ORDINALS
from bot.text import QUESTION_WORDS, STOPWORDS, content_stems, words
from index.chunks import SPEECH_VERBS, find_names

_QUOTE_QUESTION = re.compile(
    rf"\b(?:(?:what|how|why)(?:\s+else)?\s+(?:did|does|do|has|had|was|is)|(?:anything|something)\s+else"
    rf"(?:\s+(?:did|does|has|had))?)\s+(?P<who>.+?)\s+(?:{SPEECH_VERBS}|"
    r"say|tell|warn|call|recall|imply|mean|describe|think|claim|argue|predict|put it|react|respond|feel)\b",
    re.IGNORECASE,
)
_QUOTE_NOUN = re.compile(
    r"\b(?P<who>[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)(?:’s|'s)\s+(?:quote|words|warning|remark|comment|"
    r"statement|claim|prediction|description|view|views|opinion|reaction|response|position)",
)
# "According to the council's lawyer, what does the ruling mean ...?": the lawyer's view.
_ACCORDING = re.compile(
    r"^\W*according to (?!(?:the|this) (?:article|author|text|writer|story|report|essay|piece|passage)\b)"
    r"(?P<who>[^,?]{2,60}),",
    re.IGNORECASE,
)
# "Did Powell say anything else?"
_SAID_MORE = re.compile(
    r"\b(?:did|does|has)\s+(?P<who>.+?)\s+(?:say|tell|add)\s+(?:anything|something)\b", re.IGNORECASE
)
_ASKS_WORDS = re.compile(
    r"\b(say|said|says|tell|told|argue|argued|claim|claimed|warn|warned|quote|quoted|think|thinks|"
    r"thought|believe|believes|predict|predicted|write|wrote|words|comment|statement|remark|react|"
    r"reacted|respond|responded|feel|feels|felt|view|opinion)\b",
    re.IGNORECASE,
)
_WHO_SAID = re.compile(rf"\bwho\b.*\b({SPEECH_VERBS}|talked|spoke|quoted|compared)\b", re.I)
MEASURE_NOUNS = {
    "long": "length", "far": "distance", "tall": "height", "high": "height", "deep": "depth",
    "wide": "width", "heavy": "weight", "big": "size", "large": "size", "fast": "speed", "old": "age",
}  # fmt: skip
# Answered by a number with a unit ("70 km/h", "six metres"); "How long?" may want a duration, and
# "How big?" or "How high?" a sum or a rate.
_IN_UNITS = {"far", "tall", "deep", "wide", "heavy", "fast"}
_HOW_MEASURE = re.compile(rf"\bhow ({'|'.join(MEASURE_NOUNS)})\b(?P<is>\s+(is|are|was|were)\b)?", re.I)
# "How long did the strike last?" asks for a time, not a length.
_DURATION = re.compile(r"\b(last|lasted|take|took|run|ran|go on|been|ago|since|until|before|after)\b", re.I)
_ABOUT = re.compile(r"\babout\s+([^?.!]+)", re.IGNORECASE)
_WHY = re.compile(r"^\W*(why|what (is|was|are) the (reason|cause)|how come)\b|\bwhy\b", re.IGNORECASE)
_WANTS_NUMBER = re.compile(
    r"\bhow (many|much|long|old|often|far|fast|big|large|high|tall|wide|deep|heavy)\b"
    r"|\bwhat (number|percentage|share|proportion|fraction|amount)\b"
    r"|\bwhat (is|was|are|were) the (population|number|size|cost|price|amount|percentage|total|budget)\b",
    re.I,
)
# "How much did the bank lend?", "What is the fare?": a sum of money, not just any number.
_WANTS_MONEY = re.compile(
    r"\bhow much\b.*\b(cost|costs|costing|price|priced|pay|pays|paid|paying|spend|spends|spent|earn|"
    r"earns|earned|sell|sells|sold|buy|bought|charge|charges|charged|fee|fees|fare|fares|money|worth|"
    r"lend|lent|loan|deposit|salary|wage|wages|rent|budget|funding|donate|donated|grant|owe|owed)\b"
    r"|\bwhat (is|was|are|were|will be) the (cost|price|fare|fee|rent|salary|wage)\b"
    r"|\bwhat (does|did|do|will) .{1,60}\bcost\b",
    re.I,
)
# "How many troops?" is answered by a count, not by "for years"; "How many years?" is a number.
_WANTS_COUNT = re.compile(
    r"\bhow many\b(?!\s+(more\s+)?(years?|months?|weeks?|days?|hours?|minutes?|decades?|centur(y|ies))\b)",
    re.I,
)
# "How many nurses", "How much trash": what the number counts.
_COUNTED = re.compile(rf"(?:{_WANTS_COUNT.pattern}|\bhow much)\s+(?P<noun>[a-z]+)", re.I)
_BY_HOW_MUCH = re.compile(r"\bby how (much|many)\b", re.I)
_WANTS_AGE = re.compile(r"\bhow old\b|\b(what|which) age\b", re.I)
# "How old is she?", "How old was Greaves when ...?": a person's age, never a year.
_WANTS_PERSON_AGE = re.compile(
    r"\b(?i:how old (?:is|was|were|are)|(?:what|which) age (?:is|was|were|did)) (?:he|she|they|[A-Z]\w+)\b"
)
_WANTS_TIME = re.compile(
    r"^\W*(?:(?:and|so|but|by|since|until|till)\s+)*when\b"
    r"|\b(what|which|in what) (year|date|day|month|time|decade|century)\b|\bhow long ago\b",
    re.I,
)
# "What is his name?", "Who is the president of ...?" (a role, so the answer must name someone)
_WANTS_NAME = re.compile(r"\b(first |last |full |real )?name\b|^\W*who (is|was|are|were) the\b", re.I)
# "What else?", "Anything else he said?", "Tell me more": more of the last topic, not what was said.
_MORE = re.compile(
    r"\belse\b|\bany(?:thing)? ?(?:other|more)\b|\btell me more\b"
    r"|\bmore about (it|that|this|them|him|her)\b|^\W*(and |so )?(go on|what next)\W*$",
    re.I,
)
# Words that ask for more without naming a topic of its own.
_MORE_WORDS = frozenset(
    """else tell more other go next anything something said say says interesting important notable
    aspect aspects information facts details""".split()
)
# "And the second one?", "What about the third?", "What is the last objection?"
_ITEM = re.compile(rf"\bthe ({'|'.join(ORDINALS)})\b(?:\s+(?:one|ones|[a-z]+))?\s*\??\s*$", re.I)
_PRONOUNS = {"he", "she", "they", "it", "him", "her", "them", "i", "you", "we"}
_AUX = (
    r"(?:did|does|do|is|was|are|were|has|had|have|will|would|can|could|should|might|must|"
    r"went|made|caused|led|happened)"
)
# "Which hospital do the twins work at?", "What award did Reilly receive?": the thing asked for.
_WHICH_THING = re.compile(rf"^\W*(?:which|what)\s+((?:[a-z]+\s+){{0,2}}?[a-z]+)\s+{_AUX}\b", re.I)
# "Who is the hospital's chief financial officer?", "What is the name of Reilly's partner?"
_WHO_ROLE = re.compile(
    r"^\W*(?:who|what)\s+(?:is|was|are|were)\s+(?:the\s+name\s+of\s+)?(?:the\s+)?"
    r"(?:(?P<owner>[\w-]+(?:\s+[A-Z][\w-]*)?)(?:'s|’s)\s+)?(?P<head>(?:[a-z-]+\s+){0,2}[a-z-]+)\s*\??\s*$",
    re.I,
)
# "How old are Tomas Reilly's sons?": the thing measured is the sons, not Reilly.
_HOW_OWNED = re.compile(
    r"^\W*how\s+\w+\s+(?:is|are|was|were)\s+(?:the\s+)?(?P<owner>[\w-]+(?:\s+[A-Z][\w-]*)?)(?:'s|’s)\s+"
    r"(?P<head>(?:[a-z-]+\s+)?[a-z-]+)\s*\??\s*$",
    re.I,
)
_DOING = re.compile(r"^\w{3,}ing\b", re.IGNORECASE)  # "Who is designing it?", not "the building manager"
_NAMED_PERSON = r"(?P<{}>[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){{0,3}})"  # up to four capitalised words
# "Who is Simon Vance?", "Who was Greaves?": asks what the article says the named person is.
_WHO_IS_NAMED = re.compile(rf"^\W*(?i:who\s+(?:is|was))\s+{_NAMED_PERSON.format('who')}\s*\??\s*$")
# "What did Lionel Ashdown do for a living?", "What was Reyes's job?", "Where does Okafor work?":
# what the person is, too.
_JOB_OF_NAMED = re.compile(
    rf"^\W*(?:(?i:what)\s+(?:(?i:did|does|do)\s+{_NAMED_PERSON.format('who')}\s+(?i:do)\s+"
    r"(?i:for\s+(?:a\s+living|work))"
    rf"|(?i:is|was)\s+{_NAMED_PERSON.format('owner')}(?:'s|’s)\s+(?i:job|occupation|profession|trade))"
    rf"|(?i:where)\s+(?i:does|did)\s+{_NAMED_PERSON.format('worker')}\s+(?i:work))"
    r"\s*\??\s*$"
)
# A capitalised word after the first (the first is capitalised as the question's start); not an
# owner ("Halvorsen's deckhand" is the deckhand).
_NAME_WORD = re.compile(r"(?<!^)\b[A-Z][a-z][\w-]*\b(?!['’])")
_CARRIED = re.compile(r"\s*\([^()]*\)$")  # "... (the earlier question)" added by the rewrite
_VAGUE_HEADS = frozenset(
    """kind type sort way reason time year day month date number percentage share amount part
    point role name happened else about""".split()
)


@dataclass(frozen=True)
class Question:
    """What the pipeline needs to know about one question (``text``) and its search ``query``."""

    text: str
    query: str
    words: tuple[str, ...]
    content_words: tuple[str, ...]  # no stopwords, no question scaffolding
    own_stems: frozenset[str]  # the user's own content stems
    query_stems: frozenset[str]  # with what a follow-up rewrite added
    subject: str | None  # whose words are asked about: "What did Powell say?" -> "Powell"
    wants: str | None  # what the answer must hold: see ``answer_type``
    asks_reason: bool
    asks_speaker: bool  # "Who said ...?"
    asks_words: bool  # "What did X say / tell / argue?": X's own words, not "what is X called"
    asked_for: tuple[str, ...] = ()  # the thing named as the answer: "Which surgeon ...?" -> surgeon
    owner: str | None = None  # whose it is: "the hospital's chief negotiator" -> "hospital"
    more: bool = False  # "What else?": more of the last topic, never what was already said
    further: bool = False  # "What else did they change?": more, maybe with a topic of its own
    item: int | None = None  # "And the second one?": which item of a list (-1 the last)
    described: str | None = None  # "Who is Simon Vance?" -> "Simon Vance": what they are is wanted
    about: str = ""  # "What did Shah say about the swimming pool?" -> "the swimming pool"
    measure: str | None = None  # "How long is the river?" -> "length": a text may say "the length of"
    counted: str | None = None  # "How many nurses went on strike?" -> "nurses"; "How much trash?" -> "trash"
    by_how_much: bool = False  # "By how much did the fine fall?": the size of a change ("by 700,000 pounds")

    @classmethod
    def parse(cls, text: str, query: str | None = None) -> Question:
        query = query or text
        lowered = words(text)
        asked_for, owner = asked_thing(text)
        more = asks_more(text)
        return cls(
            text=text,
            query=query,
            words=tuple(lowered),
            content_words=tuple(
                w for w in lowered if w not in STOPWORDS and w not in QUESTION_WORDS and len(w) > 1
            ),
            own_stems=frozenset(content_stems(text)),
            query_stems=frozenset(content_stems(text)) | frozenset(content_stems(query)),
            subject=quoted_subject(text) or quoted_subject(query),
            wants=answer_type(text),
            asks_reason=bool(_WHY.search(text)),
            asks_speaker=bool(_WHO_SAID.search(text)),
            # "Anything else?" after "What did X say?" still asks for X's words.
            asks_words=bool(_ASKS_WORDS.search(text) or more and _ASKS_WORDS.search(query)),
            asked_for=asked_for,
            owner=owner,
            more=more,
            further=bool(_MORE.search(text)),
            item=asked_item(text),
            described=described_person(text) or described_person(query),
            about=asked_about(text),
            measure=measure_asked(text),
            counted=m.group("noun").lower() if (m := _COUNTED.search(text)) else None,
            by_how_much=bool(_BY_HOW_MUCH.search(text)),
        )

    @property
    def rewritten(self) -> bool:
        return self.query != self.text

    @property
    def resolved(self) -> tuple[str, ...]:
        """Name words the follow-up rewrite put in for a pronoun: "Has he run a trial?" rewritten
        "Has Gareth Pryce run a trial?" -> ("Gareth", "Pryce"); not the earlier question carried
        in brackets."""
        if not self.rewritten:
            return ()
        asked = _CARRIED.sub("", self.query)
        own = set(self.words)
        return tuple(dict.fromkeys(w for w in _NAME_WORD.findall(asked) if w.lower() not in own))

    def leaves_out(self, people: Sequence[str]) -> bool:
        """Whether one of ``people`` shares no word with the question or its follow-up rewrite."""
        asked = {*self.words, *words(self.query)}
        return any(not set(words(person)) & asked for person in people)


def asked_about(question: str) -> str:
    """ "What did Shah say about the swimming pool?" -> "the swimming pool"; "" without "about"."""
    match = _ABOUT.search(question)
    return match.group(1).strip() if match else ""


def answer_type(question: str) -> str | None:
    """What an answer to ``question`` must contain: "person_age", "age", "money", "measure",
    "duration", "count", "number", "time", "name" or nothing (None)."""
    if _WANTS_PERSON_AGE.search(question):
        return "person_age"
    if _WANTS_AGE.search(question):
        return "age"
    if _WANTS_MONEY.search(question):
        return "money"
    if (how := _HOW_MEASURE.search(question)) and how.group(1).lower() in _IN_UNITS:
        return "measure"
    if how and how.group(1).lower() == "long" and measure_asked(question) is None:
        # "How long did the strike last?"; "How long ago ...?" asks when
        return "time" if _WANTS_TIME.search(question) else "duration"
    if _WANTS_COUNT.search(question):
        return "count"
    if _WANTS_NUMBER.search(question):
        return "number"
    if _WANTS_TIME.search(question):
        return "time"
    if _WANTS_NAME.search(question):
        return "name"
    return None


def measure_asked(question: str) -> str | None:
    """ "How long is the river?" -> "length", "How old is she?" -> "age"; None for a duration."""
    match = _HOW_MEASURE.search(question)
    if not match:
        return None
    if match.group(1).lower() == "long" and (not match.group("is") or _DURATION.search(question)):
        return None
    return MEASURE_NOUNS[match.group(1).lower()]


def asks_more(question: str) -> bool:
    """ "What else?", "Anything else he said?", "Tell me more": more of the same, with no topic of
    its own ("What else is it dependent on?" has one: its answer may be in what was said)."""
    if not _MORE.search(question):
        return False
    names = {w for n in find_names(question) for w in words(n)}
    return not [w for w in words(question) if w not in STOPWORDS | QUESTION_WORDS | names | _MORE_WORDS]


def asked_item(question: str) -> int | None:
    """ "And the second one?" -> 2, "What about the last?" -> -1: a follow-up asking for one item of
    a list, with at most one word of its own ("the third objection"). None otherwise."""
    match = _ITEM.search(question)
    if not match:
        return None
    own = [w for w in content_stems(question) if w not in ORDINALS and w != "one"]
    return ORDINALS[match.group(1).lower()] if len(own) <= 1 else None


def quoted_subject(question: str) -> str | None:
    """ "What did Powell say?" -> "Powell"; None when the question is not about someone's words."""
    match = (
        _ACCORDING.search(question)
        or _QUOTE_QUESTION.search(question)
        or _QUOTE_NOUN.search(question)
        or _SAID_MORE.search(question)
    )
    if not match:
        return None
    who = match.group("who")
    if who.split()[-1].lower() in STOPWORDS - _PRONOUNS:
        return None  # "How does the author support the claim ...": "the author support the" is nobody
    if who.lower() in _PRONOUNS:
        return None  # a pronoun: the follow-up rewrite has put the name in the query
    names = find_names(who)
    rest = [w for w in words(who) if w not in STOPWORDS and not any(w in words(n) for n in names)]
    if names and not rest:
        return names[0]  # "Powell", "Mayor Ortiz"
    return who if len(who.split()) <= 4 else None  # a role: "the Sunni former minister"


def described_person(question: str) -> str | None:
    """ "Who is Simon Vance?", "What did Lionel Ashdown do for a living?" -> the name; None for
    roles ("Who is the mayor?") and the rest."""
    if match := _WHO_IS_NAMED.match(question):
        return match.group("who")
    if match := _JOB_OF_NAMED.match(question):
        return match.group("who") or match.group("owner") or match.group("worker")
    return None


def asked_thing(question: str) -> tuple[tuple[str, ...], str | None]:
    """The words naming what the answer must be, and whose it is: "Which political party does
    Wójcik belong to?" -> (political, party), None; "Who is the hospital's chief negotiator?" ->
    (chief, negotiator), "hospital". Empty for questions that name no such thing."""
    role = _WHO_ROLE.search(question) or _HOW_OWNED.search(question)
    match = role or _WHICH_THING.search(question)
    if not match:
        return (), None
    head = role.group("head") if role else match.group(1)
    if role and _DOING.match(head) and not question[: role.start("head")].rstrip().lower().endswith("the"):
        return (), None  # "Who is designing it?" asks who does something, not for a role
    kept = tuple(w for w in words(head) if w not in STOPWORDS and w not in QUESTION_WORDS)
    if not kept or set(kept) & _VAGUE_HEADS or find_names(head) or all(w.endswith("ly") for w in kept):
        return (), None  # "What finally made it slow down?" names no thing
    owner = role.group("owner") if role else None
    return kept, owner.lower() if owner else None
