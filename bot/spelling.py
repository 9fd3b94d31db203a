"""Typo tolerance: words of a question that are neither English nor the article's get the nearest
word the article uses, or a common English word ("wat did powel say abt lebanon")."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache

from bot.text import STOPWORDS, normalize
from index.english import english_frequencies

COMMON_WORDS = 3000  # the most frequent English words are candidates for any typo
RARE_RATIO = 0.01  # a dictionary word this much rarer than a neighbour one edit away is a typo of it
MAX_REMEMBERED = 50_000  # corrections kept per article
COMMON_COUNT = 100_000  # a word this frequent is meant as typed ("wet", "iran", "mended"): no search
MIN_LENGTH = 3  # shorter words are left alone: too many neighbours
# "trail" for the article's "trial": two letters swapped make another real word, which the word
# list accepts. Taken as a typo when the article uses the swapped word this often and the typed
# one not at all (long words only: short ones swap into each other too easily).
SWAP_MIN_COUNT = 2
SWAP_MIN_LENGTH = 5
# Chat shorthand is no typo of its nearest word ("wat" is "what", not "was"; "abt" is not "at").
SHORTHAND = {
    "wat": "what", "wht": "what", "wot": "what", "whos": "who's", "whats": "what's", "abt": "about",
    "bc": "because", "cuz": "because", "coz": "because", "becuz": "because", "ppl": "people",
    "pls": "please", "plz": "please", "thru": "through", "tho": "though", "govt": "government",
    "gov": "government", "dont": "don't", "doesnt": "doesn't",
    "didnt": "didn't", "isnt": "isn't", "wasnt": "wasn't", "cant": "can't", "wont": "won't",
    "u": "you", "ur": "your", "hw": "how", "wen": "when", "wher": "where", "ceo": "chief executive",
    "msg": "message", "msgs": "messages", "txt": "text", "info": "information", "yr": "year",
    "yrs": "years", "wk": "week", "wks": "weeks", "hr": "hour", "hrs": "hours", "mins": "minutes",
    "dept": "department", "univ": "university", "prof": "professor", "approx": "approximately",
    "esp": "especially", "smth": "something", "sth": "something",
}  # fmt: skip
# Units as typed, and the spellings an article may use for them (the first it uses is taken).
UNITS = {
    "km": ("kilometres", "kilometers", "km"), "kms": ("kilometres", "kilometers"),
    "kg": ("kilograms", "kilos", "kg"), "kgs": ("kilograms", "kilos"), "cm": ("centimetres", "centimeters"),
    "mm": ("millimetres", "millimeters"), "ft": ("feet", "foot"), "mph": ("miles per hour", "mph"),
    "sq": ("square",), "pct": ("percent", "per cent"),
}  # fmt: skip
# "y did the strike start": a question opening "y" and a verb asks why (alone, "y" may be a variable).
_LEADING_Y = re.compile(
    r"^(?P<lead>\W*)(?P<y>y)(?=\s+(?:did|do|does|is|was|are|were|would|should|could|can|has|have|had|didn['’]?t|"
    r"doesn['’]?t|don['’]?t|isn['’]?t|wasn['’]?t|aren['’]?t|not)\b)",
    re.IGNORECASE,
)
# A word with its clitic: "didn't" is one word (not "didn" + "'t"), "rumsfled's" a possessive.
# An initialism ("U.S.", "e.g.") is one token, kept as typed: its "U" is no shorthand for "you".
_TOKEN = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_](?![^\W\d_])\.?|[^\W\d_][^\W\d_'’]*(?:['’][^\W\d_]+)?")
_POSSESSIVE = re.compile(r"^(?P<word>.+?)(?P<suffix>['’]s)$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _common_set() -> frozenset[str]:
    return frozenset(_common())


@lru_cache(maxsize=1)
def _common() -> tuple[str, ...]:
    ranked = sorted(english_frequencies().items(), key=lambda item: -item[1])
    return tuple(w for w, _ in ranked[:COMMON_WORDS])


class Speller:
    """Corrects a question's typos against the article's vocabulary and an English word list."""

    def __init__(self, vocabulary: Iterable[str], names: Iterable[str] = ()):
        """``vocabulary``: the article's words as written; a name keeps its capital when corrected.
        ``names``: the people it names in full ("Walter Greaves")."""
        vocabulary = list(vocabulary)
        # Neighbouring words of a full name: "walter graves" is Walter Greaves even though
        # "graves" is English, because the article's Walter is a Greaves.
        pairs = {
            (first.lower(), second)
            for name in names
            for first, second in zip(name.split(), name.split()[1:], strict=False)
            if first.isalpha() and second.isalpha() and not {first.lower(), second.lower()} & STOPWORDS
        }
        self._name_pairs = [
            (re.compile(rf"\b({re.escape(first)}\s+)([^\W\d_]+)\b", re.IGNORECASE), second)
            for first, second in sorted(pairs)
        ]
        self._counts = Counter(w.lower() for w in vocabulary)
        self._forms: dict[str, str] = {}
        for word in vocabulary:
            if len(word) >= MIN_LENGTH and word.isalpha():
                known = self._forms.get(word.lower())
                if known is None or known[0].isupper() and word[0].islower():
                    self._forms[word.lower()] = word  # lower case wins: capitals may start a sentence
        self.vocabulary = set(self._forms)
        self._fixed: dict[str, str | None] = {}  # word -> its correction (None: none); a class repeats words

    def correct(self, text: str) -> str:
        """``text`` with each misspelt word replaced, case and punctuation kept."""
        text = _LEADING_Y.sub(lambda m: m.group("lead") + _same_case(m.group("y"), "why"), normalize(text))
        return self._fix_names(_TOKEN.sub(lambda m: self._fix(m.group(0)), text))

    def _fix_names(self, text: str) -> str:
        for pattern, second in self._name_pairs:

            def fixed(match: re.Match[str], second: str = second) -> str:
                typed = match.group(2)
                return match.group(1) + (second if self._misspelt(typed, second) else typed)

            text = pattern.sub(fixed, text)
        return text

    def _misspelt(self, typed: str, name: str) -> bool:
        """Whether ``typed``, after a name's first part, is its next part misspelt."""
        from editdistpy import damerau_osa

        word = typed.lower()
        if word == name.lower() or word in self.vocabulary or len(word) < MIN_LENGTH:
            return False
        limit = 1 if len(name) <= 4 else 2
        return 0 <= damerau_osa.distance(word, name.lower(), limit)

    def _fix(self, token: str) -> str:
        if "." in token:
            return token
        if possessive := _POSSESSIVE.match(token):
            return self._fix(possessive.group("word")) + possessive.group("suffix")
        word = token.lower()
        if word in SHORTHAND and word not in self.vocabulary:
            return _same_case(token, SHORTHAND[word])
        if word in UNITS and not self._counts[word]:  # "km" where the article writes it out
            spellings = UNITS[word]
            return next((s for s in spellings if self._counts[s.split()[0]]), spellings[0])
        if len(word) < MIN_LENGTH or word in self.vocabulary or "'" in word or "’" in word:
            return token
        if word not in self._fixed:
            if len(self._fixed) >= MAX_REMEMBERED:
                self._fixed.clear()  # bounded, whatever strings clients send
            self._fixed[word] = self._correction(word)
        best = self._fixed[word]
        if best is None:
            return token
        form = self._forms.get(best, best)
        return form if form[0].isupper() else _same_case(token, best)

    def _correction(self, word: str) -> str | None:
        if swapped := self._swapped(word):
            return swapped
        counts = english_frequencies()
        if counts.get(word, 0) >= COMMON_COUNT:
            return None
        if word not in counts and (common := self._swapped_common(word)):
            return common  # "mnay" is "many" before it is the article's "May"
        best = self._nearest(word)
        # A real word is only a typo of a far more common neighbour ("wat" of "what"); two
        # ordinary words ("Iran", "Iraq") are both meant.
        if best is None or word in counts and counts[word] >= RARE_RATIO * counts.get(best, 0):
            return None
        return best

    def _swapped(self, word: str) -> str | None:
        """The article's word that ``word`` is with two neighbouring letters swapped, if it uses it
        often enough ("trail" for "trial")."""
        if len(word) < SWAP_MIN_LENGTH:
            return None
        return next(
            (c for c in _swaps(word) if self._counts[c] >= SWAP_MIN_COUNT and c not in STOPWORDS), None
        )

    def _swapped_common(self, word: str) -> str | None:
        """The common English word that ``word``, no word itself, is with two neighbouring letters
        swapped ("mnay", "teh")."""
        common = _common_set()
        return next((c for c in _swaps(word) if c in common), None)

    def _nearest(self, word: str) -> str | None:
        """The closest word within the edit limit: the article's own first, then common English,
        then the more frequent."""
        from editdistpy import damerau_osa

        counts = english_frequencies()
        limit = 1 if len(word) <= 4 else 2
        best: tuple[int, int, int, int, str] | None = None
        for pool, rank in ((self.vocabulary, 0), (_common(), 1)):
            for candidate in pool:
                if abs(len(candidate) - len(word)) > limit:
                    continue
                distance = damerau_osa.distance(word, candidate, limit)
                if distance < 0:
                    continue
                # Typos keep the start of a word: "powel" is "powell" before "power".
                key = (distance, rank, -_shared_prefix(word, candidate), -counts.get(candidate, 0), candidate)
                if best is None or key < best:
                    best = key
        return best[-1] if best else None


def _swaps(word: str) -> Iterator[str]:
    """``word`` with two neighbouring letters swapped, each way it differs from ``word``."""
    for i in range(len(word) - 1):
        candidate = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if candidate != word:
            yield candidate


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _same_case(original: str, word: str) -> str:
    if original.isupper() and len(original) > 1:
        return word.upper()
    return word.capitalize() if original[0].isupper() else word
