"""A question read once: its words, stems, names, the person asked about and the answer it wants.

Ranking, the answerability check and the answerer all read this one object instead of each
re-tokenising the text with its own patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import QUESTION_WORDS, STOPWORDS, content_stems, words
from index.chunks import SPEECH_VERBS, find_names

_QUOTE_QUESTION = re.compile(
    rf"\b(?:what|how)\s+(?:did|does|do|has|had|was|is)\s+(?P<who>.+?)\s+(?:{SPEECH_VERBS}|"
    r"say|tell|warn|call|recall|imply|mean|describe|think|claim|argue|predict|put it)\b",
    re.IGNORECASE,
)
_QUOTE_NOUN = re.compile(
    r"\b(?P<who>[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)(?:’s|'s)\s+(?:quote|words|warning|remark|comment|"
    r"statement|claim|prediction|description)",
)
_ASKS_WORDS = re.compile(
    r"\b(say|said|says|tell|told|argue|argued|claim|claimed|warn|warned|quote|quoted|think|thinks|"
    r"thought|believe|believes|predict|predicted|write|wrote|words|comment|statement|remark)\b",
    re.IGNORECASE,
)
_WHO_SAID = re.compile(rf"\bwho\b.*\b({SPEECH_VERBS}|talked|spoke|quoted|compared)\b", re.I)
_WHY = re.compile(r"^\W*(why|what (is|was|are) the (reason|cause)|how come)\b|\bwhy\b", re.IGNORECASE)
_WANTS_NUMBER = re.compile(
    r"\bhow (many|much|long|old|often|far|fast|big|large|high|tall|wide|deep|heavy)\b"
    r"|\bwhat (number|percentage|share|proportion|fraction|amount)\b"
    r"|\bwhat (is|was|are|were) the (population|number|size|cost|price|amount|percentage|total|budget)\b",
    re.I,
)
_WANTS_TIME = re.compile(
    r"^\s*when\b|\b(what|which|in what) (year|date|day|month|time|decade|century)\b|\bhow long ago\b", re.I
)
# "What is his name?", "Who is the president of ...?" (a role, so the answer must name someone)
_WANTS_NAME = re.compile(r"\b(first |last |full |real )?name\b|^\W*who (is|was|are|were) the\b", re.I)
_PRONOUNS = {"he", "she", "they", "it", "him", "her", "them", "i", "you", "we"}


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
    wants: str | None  # "number", "time", "name" or None
    asks_reason: bool
    asks_speaker: bool  # "Who said ...?"
    asks_words: bool  # "What did X say / tell / argue?": X's own words, not "what is X called"

    @classmethod
    def parse(cls, text: str, query: str | None = None) -> Question:
        query = query or text
        lowered = words(text)
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
            asks_words=bool(_ASKS_WORDS.search(text)),
        )

    @property
    def rewritten(self) -> bool:
        return self.query != self.text


def answer_type(question: str) -> str | None:
    """What an answer to ``question`` must contain: "number", "time", "name" or nothing."""
    if _WANTS_NUMBER.search(question):
        return "number"
    if _WANTS_TIME.search(question):
        return "time"
    if _WANTS_NAME.search(question):
        return "name"
    return None


def quoted_subject(question: str) -> str | None:
    """ "What did Powell say?" -> "Powell"; None when the question is not about someone's words."""
    match = _QUOTE_QUESTION.search(question) or _QUOTE_NOUN.search(question)
    if not match:
        return None
    who = match.group("who")
    if who.lower() in _PRONOUNS:
        return None  # a pronoun: the follow-up rewrite has put the name in the query
    names = find_names(who)
    rest = [w for w in words(who) if w not in STOPWORDS and not any(w in words(n) for n in names)]
    if names and not rest:
        return names[0]  # "Powell", "Mayor Ortiz"
    return who if len(who.split()) <= 4 else None  # a role: "the Sunni former minister"
