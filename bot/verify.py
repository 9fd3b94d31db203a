"""Stand-in sentence checker (the real one lands from the `verify` branch with this interface).

Checks only that the numbers and the quoted text of a sentence appear in the passages it cites.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from bot.text import normalize

STAND_IN = True  # the real checker (branch `verify`) replaces this module
DEFAULT_THRESHOLD = 0.0
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_QUOTED = re.compile(r"\"([^\"]{3,})\"")


@dataclass(frozen=True)
class Check:
    supported: bool
    reason: str  # "" when supported
    score: float


class Verifier:
    """Whether one answer sentence is backed by the passages it cites."""

    def __init__(
        self, article_text: str, *, embeddings: Embeddings | None = None, threshold: float = DEFAULT_THRESHOLD
    ):
        self.article = normalize(article_text)
        self.threshold = threshold

    def check(self, sentence: str, cited: Sequence[str]) -> Check:
        sentence = normalize(sentence)
        source = normalize(" ".join(cited))
        for number in _NUMBER.findall(sentence):
            if number not in source:
                return Check(False, f"the number {number} is not in the cited passage", 0.0)
        for quote in _QUOTED.findall(sentence):
            if quote.strip(" ,.") not in self.article:
                return Check(False, "the quoted words are not in the article", 0.0)
        return Check(True, "", 1.0)
