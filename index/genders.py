"""Whom an article calls "he" and whom "she", read from its own pronouns, never from names."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

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
AUXILIARIES = frozenset("did does do is was were are has have had will would can could should".split())


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
    for i, (paragraph, text) in enumerate(texts):
        names = [n for n in find_names(text) if n.split()[0].lower() not in AUXILIARIES]
        if not names:
            continue
        subject = names[0]
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


def _people(names: list[str]) -> list[str]:
    return [n for n in names if n.split()[-1].lower() not in _NOT_PEOPLE]
