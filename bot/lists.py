"""The items of a list the article spells out sentence by sentence: "First, ...", "The second
objection is ...", "Finally, ...". "And the second one?" is answered by the item, not by ranking."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.chunks import Chunk

REACH = 25  # sentences after the start of the list where its items may still come
# How a question names an item: "the second (one)", "the last recommendation".
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "last": -1, "final": -1}
_WORDS = {n: word for word, n in ORDINALS.items() if n > 0}
_LAST = r"(?:finally|lastly|last(?:ly)?|the (?:last|final)\b)"


def _marker(n: int) -> re.Pattern[str]:
    """How the n-th item opens: "Second,", "Secondly", "The second ...", "A second ...", "2."."""
    if n == -1:
        return re.compile(rf"^\W*{_LAST}", re.I)
    word = _WORDS[n]
    return re.compile(rf"^\W*(?:(?:the|a|my|our|its|his|her|their)\s+)?{word}(?:ly)?\b|^\W*{n}[.)]\s", re.I)


def item_number(text: str) -> int | None:
    """Which item ``text`` opens as ("Second, ..." -> 2, "Finally, ..." -> -1), or None."""
    for n in [*_WORDS, -1]:
        if _marker(n).search(text):
            return n
    return None


def list_item(chunks: Sequence[Chunk], start: int, n: int) -> Chunk | None:
    """The n-th item (-1: the last) of a list that starts at position ``start`` in ``chunks``, if
    its items are marked; None when no sentence in reach opens the way that item would."""
    if n not in _WORDS and n != -1:
        return None
    marker = _marker(n)
    for chunk in chunks[start : start + REACH]:
        if marker.search(chunk.text):
            return chunk
    return None
