"""Numbers in running text, written as digits or words, as values: "twelve" = "12", "1,000" = "1000"."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "dozen": 12, "twice": 2, "double": 2, "triple": 3, "half": 0.5,
}  # fmt: skip
# "one" is left out on purpose: "one of their own", "one side" are not quantities anyone checks.
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_WORD = "|".join(sorted([*_UNITS, *_SCALES], key=len, reverse=True))
_MENTION = re.compile(
    rf"(?<![\w.])(?P<digits>\d+(?:,\d{{3}})*(?:\.\d+)?|\.\d+)(?!\.\d)"
    rf"|\b(?P<words>(?:{_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_WORD}))*)\b",
    re.IGNORECASE,
)
_SCALE_AFTER = re.compile(r"^[\s-]*(hundred|thousand|million|billion|bn|m|k)\b", re.IGNORECASE)
_SCALE_ABBREVIATIONS = {"bn": 1_000_000_000, "m": 1_000_000, "k": 1_000}
_CURRENCY = {"$": "dollar", "£": "pound", "€": "euro"}
# What a number counts, when it says: "two weeks" is not "two months", "$5" is not "five days".
_UNIT_WORDS = {
    "dollar": "dollar", "pound": "pound", "euro": "euro", "percent": "percent", "%": "percent",
    "second": "second", "minute": "minute", "hour": "hour", "day": "day", "week": "week",
    "month": "month", "year": "year", "decade": "decade", "century": "century", "centuri": "century",
    "mile": "mile", "kilometre": "kilometre", "kilometer": "kilometre", "km": "kilometre",
    "metre": "metre", "meter": "metre", "ton": "ton", "tonne": "ton",
}  # fmt: skip
_UNIT_AFTER = re.compile(
    r"^(?:[\s-]*(?:hundred|thousand|million|billion|bn|m|k)\b)?[\s-]*(?:per cent\b|(%)|([a-z]+?)(?:e?s)?\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Number:
    """One number mention: its value(s) and where it sits in the text."""

    text: str
    start: int
    end: int
    values: frozenset[float]  # "412 million" is both 412 and 412,000,000: either way round matches
    unit: str | None = None  # "dollar", "year", "percent"... when the text says


def _word_value(phrase: str) -> float:
    """ "twenty-five" -> 25, "three hundred" -> 300, "a thousand" -> 1000."""
    total, current = 0.0, 0.0
    for part in re.split(r"[\s-]+", phrase.lower()):
        if part == "and":
            continue
        if part in _SCALES:
            current = (current or 1) * _SCALES[part]
            if _SCALES[part] >= 1_000:
                total, current = total + current, 0.0
        else:
            current += _UNITS[part]
    return total + current


def numbers(text: str) -> list[Number]:
    """Every number mentioned in ``text``, in order."""
    found: list[Number] = []
    for match in _MENTION.finditer(text):
        words = match.group("words")
        if words and words.lower() in _SCALES and found and _SCALE_AFTER.match(text[found[-1].end :]):
            continue  # the "million" of "412 million", already counted with 412
        if match.group("digits"):
            value = float(match.group("digits").replace(",", ""))
        else:
            value = _word_value(match.group("words"))
        values = {value}
        scale = _SCALE_AFTER.match(text[match.end() :])
        if match.group("digits") and scale:
            word = scale.group(1).lower()
            values.add(value * _SCALES.get(word, _SCALE_ABBREVIATIONS.get(word, 1)))
        found.append(
            Number(match.group(0), match.start(), match.end(), frozenset(values), _unit(text, match))
        )
    return found


def _unit(text: str, match: re.Match[str]) -> str | None:
    before = text[max(0, match.start() - 1) : match.start()]
    if before in _CURRENCY:
        return _CURRENCY[before]
    after = _UNIT_AFTER.match(text[match.end() :])
    if not after:
        return None
    if after.group(0).lower().strip(" -").endswith(("per cent", "%")):
        return "percent"
    word = (after.group(2) or "").lower()
    return _UNIT_WORDS.get(word) or _UNIT_WORDS.get(word.rstrip("s")) or _UNIT_WORDS.get(word + "e")


def values(text: str) -> set[float]:
    """All the values ``text`` mentions."""
    return {v for n in numbers(text) for v in n.values}
