"""Whom an article calls "he" and whom "she", read from its own pronouns, never from names."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from index.english import english_frequencies

PERSON_PRONOUN = re.compile(r"\b(he|she|him|her|his|hers|himself|herself)\b", re.IGNORECASE)
SHE = frozenset({"she", "her", "hers", "herself"})
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
# Names ending in these are institutions or places, never the person a pronoun points back to:
# "Harold Bisset, the chief engineer of the Wenn River Authority, ... He argued" is Bisset's "he".
_NOT_PEOPLE = frozenset(
    """authority council university college school institute institution hospital company ministry
    department committee association society union trust foundation agency board court gazette times
    post news river street road bridge lake sea ocean valley park station church hall house""".split()
)
# A word this common in English ("television", "everybody") is no name when only a sentence's
# first word capitalises it; surnames are rarer (Powell 9 million, Graham 13 million).
COMMON_WORD_COUNT = 14_000_000
AUXILIARIES = frozenset("did does do is was were are has have had will would can could should".split())
CALENDAR = frozenset(
    """january february march april may june july august september october november december monday
    tuesday wednesday thursday friday saturday sunday""".split()
)
# What people are called by their work or side, written between a team or place and a name:
# "Millbrook coach Anne-Marie Costello", "Labour councillor Jo Hart".
ROLE_NOUNS = frozenset(
    """coach manager captain skipper player winger striker forward midfielder defender centre-back
    full-back goalkeeper keeper substitute referee umpire chairman chairwoman chair president secretary
    minister spokesman spokeswoman spokesperson councillor councilor mayor leader boss director founder
    owner head teacher headteacher principal lawyer barrister solicitor judge official officer inspector
    sergeant detective constable engineer scientist researcher professor historian economist analyst
    author writer novelist poet critic reviewer editor reporter correspondent photographer actor
    actress singer artist designer architect chef doctor nurse surgeon farmer campaigner activist
    volunteer organiser organizer resident member candidate governor senator""".split()
)
ROLE_NOUN = rf"(?:{'|'.join(sorted(ROLE_NOUNS))})"
ROLE = rf"(?:[a-z-]+\s+)?{ROLE_NOUN}"  # "coach", "assistant coach"


def pronoun_votes(
    sentences: Sequence[tuple[int, str]], find_names: Callable[[str], list[str]]
) -> dict[str, str]:
    """ "he" or "she" for each person the text refers back to with that pronoun.

    ``sentences`` are (paragraph, text) in order. A sentence's first named person is its subject;
    the first "he"/"she" (or "his", "her" ...) after the name, in that sentence or at the start of
    the next one before any other name, outside quotations, votes for that person's pronoun.
    """
    votes: dict[str, Counter[str]] = {}
    texts = [(paragraph, QUOTED.sub(" ", text)) for paragraph, text in sentences]
    named_inside = _capitalised_inside([text for _, text in sentences])
    for i, (paragraph, text) in enumerate(texts):
        names = [
            n
            for n in find_names(text)
            if n.split()[0].lower() not in AUXILIARIES | CALENDAR
            and not (text.lstrip(" \"“'‘").startswith(n) and _plain_word(n, named_inside))
        ]
        if not names:
            continue
        subject = _subject(names, text)
        if PERSON_PRONOUN.search(text[: text.find(subject)]):
            continue  # "She lifted the trophy alongside Pettit as ... sang her name": hers, not his
        after = text[text.find(subject) + len(subject) :]
        following = texts[i + 1][1] if i + 1 < len(texts) and texts[i + 1][0] == paragraph else ""
        for span in (after, following):
            pronoun = PERSON_PRONOUN.search(span)
            if pronoun and not _people(find_names(span[: pronoun.start()])):
                gender = "she" if pronoun.group(0).lower() in SHE else "he"
                votes.setdefault(subject, Counter())[gender] += 1
                break
            if _people(find_names(span)):
                break
    genders = {}
    for name, counted in votes.items():
        (first, n), *rest = counted.most_common()
        if not rest or n > rest[0][1]:
            genders[name] = first
    return genders


def _subject(names: list[str], text: str) -> str:
    """The sentence's first named person: "Millbrook coach Anne-Marie Costello did not hold back"
    is about Costello, not Millbrook."""
    if len(names) > 1 and re.search(rf"{re.escape(names[0])}\s+{ROLE}\s+{re.escape(names[1])}", text):
        return names[1]
    return names[0]


def _plain_word(name: str, named_inside: set[str]) -> bool:
    """ "Fouled 25 yards out, she ...", "Television replays ...": a sentence's capitalised first
    word that the article never capitalises elsewhere and that is a common English word or a
    participle, not a name."""
    if " " in name or name in named_inside:
        return False
    lowered = name.lower()
    return english_frequencies().get(lowered, 0) >= COMMON_WORD_COUNT or lowered.endswith(("ed", "ing"))


def _capitalised_inside(texts: Sequence[str]) -> set[str]:
    """Capitalised words written somewhere other than at a sentence's or a quotation's start."""
    inside = set()
    for text in texts:
        for match in re.finditer(r"\b[A-Z][\w’'-]*", text):
            before = text[: match.start()].rstrip(" \"“‘'(")
            if before and before[-1] not in ".!?:":
                inside.add(match.group(0))
    return inside


def _people(names: list[str]) -> list[str]:
    return [n for n in names if n.split()[-1].lower() not in _NOT_PEOPLE]
