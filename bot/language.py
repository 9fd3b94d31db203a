"""Whether a question is in English: the offline answerer reads English only."""

from __future__ import annotations

import re
from collections.abc import Container

from index.english import english_frequencies

MIN_ENGLISH_SHARE = 0.4  # below this share of English (or the article's) words, it is another language
# Everyday words of the languages students most often switch to, that are not English words.
_FOREIGN = frozenset(
    """el los las del qué que por para con sobre dijo dice es está son una unos pero cómo cuál
    quién dónde cuándo porqué según le les des du est et une qui quoi pourquoi comment selon
    dit sont avec dans pas der die das und ist nicht wer was warum wie sagte mit ein eine
    il di che non sono perché cosa chi come disse não são uma quem como disse""".split()
)
_WORD = re.compile(r"[^\W\d_]+")

NOT_ENGLISH = (
    "I can only read questions in English without a language model; please ask in English. "
    "(With a language model configured, other languages work too.)"
)


def is_english(question: str, vocabulary: Container[str] = ()) -> bool:
    """False when most words are neither English nor the article's own (names, typos aside)."""
    tokens = [t.lower() for t in _WORD.findall(question)]
    if len(tokens) < 2:
        return True
    english = english_frequencies()
    known = sum(1 for t in tokens if (t in english and t not in _FOREIGN) or t in vocabulary)
    foreign = sum(1 for t in tokens if t in _FOREIGN)
    if foreign >= 2 and 2 * foreign >= len(tokens) - foreign or re.search(r"[¿¡]", question):
        return False
    return known / len(tokens) >= MIN_ENGLISH_SHARE
