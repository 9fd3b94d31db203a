"""Checks one answer sentence against the article passages it cites, without asking any language model.

Rules first, each with a reason a reader understands: quotations must be verbatim, numbers, dates and
names must be in the cited text, a negation or an opposite word must not contradict it, the people
and things around a shared verb must not swap places. Then a support score (shared content words,
plus embedding cosine when embeddings are given) must reach a threshold fit on
``data/eval/claims.jsonl`` by ``benchmarks/checker.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.numbers import Number, numbers
from bot.text import STOPWORDS, normalize, stem, words
from index.article import parse_article
from index.chunks import chunk_article
from index.errors import ArticleError

# Fit on data/eval/claims.jsonl by benchmarks/checker.py (see docs/checker.md): the score mixes
# embedding cosine and word overlap with this weight, and a sentence below the threshold is
# unsupported. Without embeddings the score is word overlap alone, checked against the same bar.
DEFAULT_THRESHOLD = 0.48
EMBEDDING_WEIGHT = 0.5
NEGATION_SHARE = 0.5  # a clause contradicts when this share of its negated shared words flip
UNCITED_FRAMING_WORDS = 4  # content words an uncited framing sentence may carry ("the exit strategy")

_MARKER = re.compile(r"\s*\[\d+(?:\s*[,–-]\s*\d+)*\]")
_QUOTE = re.compile(r'"([^"]+)"|(?<!\w)‘([^‘’]+)’(?!\w)')
_ELLIPSIS = re.compile(r"\.\.\.|…|\[[^\]]*\]")
# Where a negation's reach ends: punctuation, a conjunction, or a relative clause ("which brought").
_CLAUSE = re.compile(
    r"[.!?](?=\s+[A-Z\"])|[,;:()\"]|\s[-–—]\s"
    r"|\b(?:and|but|while|although|though|whereas|because|however|which|who)\b"
)
_NEGATORS = frozenset(
    """not no never none nothing nobody neither nor without unless cannot refuse refused refuses
    refusing fail failed fails failing""".split()
)
# Opposites a changed claim swaps in: the sentence has one, the passage only the other.
_OPPOSITES = [
    ("raise", "lower"), ("increase", "decrease"), ("increase", "reduce"), ("rise", "fall"),
    ("support", "oppose"), ("accept", "reject"), ("win", "lose"), ("early", "late"),
    ("more", "less"), ("more", "fewer"), ("larger", "smaller"), ("bigger", "smaller"),
    ("reopen", "close"), ("open", "close"), ("stop", "continue"), ("stop", "keep"),
    ("succeed", "fail"), ("willing", "unwilling"), ("allow", "prevent"), ("allow", "forbid"),
    ("result", "prevent"), ("lead", "prevent"), ("cause", "prevent"), ("agree", "disagree"),
    ("above", "below"), ("east", "west"), ("north", "south"), ("best", "worst"),
    ("strong", "weak"), ("success", "failure"), ("plenty", "little"), ("legal", "illegal"),
    ("right", "wrong"), ("true", "false"), ("first", "last"), ("most", "least"),
    # General pairs (a phrase is matched word for word): hiring and firing, buying and selling...
    ("hire", "fire"), ("hire", "lay off"), ("hire", "dismiss"), ("employ", "dismiss"),
    ("buy", "sell"), ("gain", "lose"), ("approve", "reject"), ("include", "exclude"),
    ("add", "remove"), ("grow", "shrink"), ("expand", "shrink"), ("increase", "cut"),
    ("rise", "drop"), ("high", "low"), ("higher", "lower"), ("cheap", "expensive"),
    ("safe", "dangerous"), ("safe", "unsafe"), ("strengthen", "weaken"), ("victory", "defeat"),
    ("win", "defeat"), ("friend", "enemy"), ("ally", "enemy"), ("import", "export"),
    ("enter", "exit"), ("arrive", "depart"), ("praise", "criticise"), ("praise", "criticize"),
    ("positive", "negative"), ("possible", "impossible"), ("likely", "unlikely"),
    ("inside", "outside"), ("minority", "majority"), ("join", "quit"), ("welcome", "oppose"),
    ("calm", "inflame"), ("calm", "provoke"), ("soothe", "inflame"), ("improve", "worsen"),
    ("help", "hurt"), ("help", "harm"), ("boycott", "participation"), ("boycott", "attend"),
]  # fmt: skip
# Words that judge, one side or the other: a claim that calls a "blunder" a "success", or says a group
# "supports" what the passage says it "questioned", swaps the verdict with a word outside the pairs.
_POSITIVE = frozenset(
    stem(w)
    for w in """success successful succeed triumph achievement wise smart brilliant good great excellent
    effective benefit beneficial helpful praise support back endorse welcome approve favor favour
    celebrate victory masterstroke boon""".split()
)
_NEGATIVE = frozenset(
    stem(w)
    for w in """blunder mistake error failure fail disaster disastrous fiasco folly foolish bad poor
    terrible harmful damaging ineffective criticize criticise question doubt oppose reject condemn
    dispute object defeat setback""".split()
)
# Negative prefixes that make an opposite of any word ("willing"/"unwilling"); "in-" and "dis-" only
# on adjectives, since "discover" and "inform" are no opposites of "cover" and "form".
_NEGATIVE_PREFIX = re.compile(
    r"^(?:un|non)(?=[a-z]{4})|^(?:in|im|il|ir|dis)(?=[a-z]{3,}(?:able|ible|ent|ant|al|ive|ect|ete|ate|ous|ful)$)"
)
# Time units of a vague amount: "a few months" is not "a few years", though no digit differs.
_VAGUE_AMOUNT = re.compile(
    r"\b(?:a\s+few|few|several|many|some|a\s+couple\s+of|a\s+handful\s+of|a\s+number\s+of)\s+"
    r"(second|minute|hour|day|week|month|year|decade|centur)(?:y|ies|s)?\b",
    re.IGNORECASE,
)
_TIME_UNIT = re.compile(
    r"\b(second|minute|hour|day|week|month|year|decade|centur)(?:y|ies|s)?\b", re.IGNORECASE
)
_RELATIVE_DATE = re.compile(
    r"\b(spring|summer|autumn|winter)\b"
    r"|\b(?:last|next|this|that|every|each|a|one)\s+(day|night|week|weekend|month|year|decade|century)\b",
    re.IGNORECASE,
)
# Capitalised words that are titles or sentence furniture, not names to look for.
_TITLES = frozenset(
    """mr mrs ms dr prof professor mayor secretary president councillor councilor senator minister
    prime general sir lady lord chair chairman chairwoman governor judge cleric""".split()
)
# One country, several names: a sentence may say "American" where the passage says "U.S.".
_ALIASES = [frozenset({"us", "usa", "america", "american", "americans", "united states"})]
# Words that frame a sentence ("the author argues") rather than carry its content.
_FRAMING = frozenset(
    stem(w)
    for w in """article author writer text piece say says said write writes wrote argue argues argued
    claim claims believe believes think thinks view according report reports reported describe
    describes explain explains suggest suggests note notes point points mention mentions state
    states conclude concludes here let look main answer question passage also""".split()
)
_FRAMING_OPENER = re.compile(
    r"^\W*(here (is|are)|here's|let's|let me|to answer|in short|in summary|to sum up|"
    r"the article (doesn't|does not) say)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Check:
    supported: bool
    reason: str  # "" when supported; else a short human reason
    score: float  # the support score in 0..1


class Verifier:
    """Decides whether one answer sentence is supported by the article passages it cites.

    Args:
        article_text: the whole article (quotations must be verbatim in it; its author may be
            named in any sentence).
        embeddings: when given, the support score mixes embedding cosine with word overlap.
        threshold: the lowest support score a supported sentence may have.
    """

    def __init__(
        self,
        article_text: str,
        *,
        embeddings: Embeddings | None = None,
        threshold: float = DEFAULT_THRESHOLD,
    ):
        self.embeddings = embeddings
        self.threshold = threshold
        self._article_words = words(_fold(article_text))
        self._article_lower = " ".join(self._article_words)
        self._known_names = _name_keys_in(article_text, sentence_initial=False)
        # Words the article writes in lower case, and adverbs: "Even Iyad Allawi" starts with no name.
        self._lower_words = frozenset(re.findall(r"\b[a-z]+\b", _fold(article_text))) | _ADVERBS
        try:
            author = parse_article(article_text).author
        except ArticleError:  # no text at all: nothing can be supported, but checking still works
            author = None
        self._author = {_key(w) for w in (author or "").split()} - {""}
        self._vectors: dict[str, np.ndarray] = {}
        self._article_text = article_text
        self._article_roots = {_root(w) for w in self._article_words}
        self._setting = _setting(article_text)
        self._people: dict[str, str] | None = None  # sentence -> the people it means; built when needed

    def check(self, sentence: str, cited: Sequence[str]) -> Check:
        """Whether ``sentence`` (its ``[n]`` markers are ignored) is supported by ``cited``."""
        sentence = _MARKER.sub("", sentence).strip()
        cited = [c for c in cited if c.strip()]
        if not cited:
            return self._check_uncited(sentence)
        passage = " ".join(cited)
        for rule in (
            self._quotes,
            _numbers_missing,
            _dates_missing,
            _vague_amount,
            _direction_missing,
            lambda s, p: self._names_missing(s, p, cited),
            _negation_flipped,
            _opposite_word,
            _roles_swapped,
            _owner_swapped,
            self._doer_swapped,
            _names_substituted,
            _numbers_misbound,
            _clause_added,
            _phrase_added,
        ):
            reason = rule(sentence, passage)
            if reason:
                return Check(False, reason, self.score(sentence, cited))
        score = self.score(sentence, cited)
        if score < self.threshold:
            return Check(False, f"too little of it is in the cited passage (support {score:.2f})", score)
        return Check(True, "", score)

    def score(self, sentence: str, cited: Sequence[str]) -> float:
        """Support in 0..1: shared content words, mixed with embedding cosine when available."""
        lexical = self.overlap(sentence, cited)
        if self.embeddings is None:
            return lexical
        cosine = max(self.similarity(sentence, cited), 0.0)
        return round(EMBEDDING_WEIGHT * cosine + (1 - EMBEDDING_WEIGHT) * lexical, 4)

    def overlap(self, sentence: str, cited: Sequence[str]) -> float:
        """Share of the sentence's content stems (framing words aside) found in the cited text."""
        stems = [
            s for s in _content(_MARKER.sub("", sentence)) if s not in _FRAMING and s not in self._author
        ]
        if not stems:
            return 1.0
        have = set(_content(" ".join(cited)))
        return sum(1 for s in stems if s in have or any(_same_stem(s, h) for h in have)) / len(stems)

    def similarity(self, sentence: str, cited: Sequence[str]) -> float:
        """Embedding cosine of the sentence and its closest cited passage (or all of them joined)."""
        passages = [*cited, " ".join(cited)] if len(cited) > 1 else list(cited)
        vectors = self._embed([_MARKER.sub("", sentence).strip(), *passages])
        return max(float(vectors[0] @ v) for v in vectors[1:])

    def _check_uncited(self, sentence: str) -> Check:
        """Framing ("Here is what the article says:") and questions back need no citation."""
        framing = _FRAMING_OPENER.search(sentence) or sentence.rstrip().endswith((":", "?"))
        facts = [n.text for n in numbers(sentence)] + self._unknown_names(sentence)
        if framing and not facts and not _QUOTE.search(normalize(sentence)):
            content = [s for s in _content(sentence) if s not in _FRAMING]
            if sentence.rstrip().endswith("?") or len(content) <= UNCITED_FRAMING_WORDS:
                return Check(True, "", 1.0)
        return Check(False, "it states something but cites no passage", 0.0)

    def _quotes(self, sentence: str, passage: str) -> str:
        cited_words = " ".join(words(_fold(passage)))
        for quote in _quoted(sentence):
            parts = [" ".join(words(_fold(p))) for p in _ELLIPSIS.split(quote)]
            parts = [p for p in parts if p]
            if not parts:
                continue
            if not _in_order(parts, self._article_lower):
                return f"the quotation “{_short(quote)}” is not in the article word for word"
            if not _in_order(parts, cited_words):
                return f"the quotation “{_short(quote)}” is not in the cited passage"
        return ""

    def _names_missing(self, sentence: str, passage: str, cited: Sequence[str]) -> str:
        missing = self._unsupported_names(sentence, passage)
        if missing and (implied := self._implied_people(cited)):
            missing = self._unsupported_names(sentence, f"{passage} {implied}")
        if missing and self._setting and _PLACE_NOUN.search(passage):
            missing = self._unsupported_names(sentence, f"{passage} {self._setting}")
        if missing:
            return f"the name “{_original(missing[0], sentence)}” is not in the cited passage"
        return ""

    def _unsupported_names(self, sentence: str, passage: str) -> list[str]:
        have = _name_keys_in(passage, sentence_initial=True) | set(map(_key, words(_fold(passage))))
        have_text = " ".join(words(_fold(passage)))
        missing = []
        for phrase in _name_phrases(_unquoted(sentence), self._known_names, self._lower_words):
            if len(phrase) > 1 and _name_in(" ".join(map(_key, phrase)), have, have_text):
                continue  # "United States" where the passage says "U.S."
            for token in phrase:
                key = _key(token)
                if key in self._author or _name_in(key, have, have_text):
                    continue
                # "Colin Powell" when the passage says "Powell": the full name is the article's own.
                others_cited = any(_name_in(_key(t), have, have_text) for t in phrase if t != token)
                if others_cited and " ".join(map(_key, phrase)) in self._article_lower:
                    continue
                missing.append(token)
        return missing

    def _doer_swapped(self, sentence: str, passage: str) -> str:
        """Who does a shared verb changed, between common nouns as between names: "the nurses have
        promised to hire 85 nurses" where the passage has management promise to hire them, "the
        hospital accepted" where it says "the union accepted"."""
        said = {_root(w) for w in words(_fold(sentence))}
        have = {_root(w) for w in words(_fold(passage))}
        # A present-tense verb has no ending or helper to show it ("the bottles trap sediment"):
        # a word followed by the same object in both texts reads as one.
        objects = _pairs(sentence) & _pairs(passage)
        verbs: dict[str, list[tuple[str, list[str], int]]] = {}
        for part in _SENTENCE_END.split(_fold(passage)):
            tokens = words(part)
            for k, word in enumerate(tokens):
                if _verb_like(tokens, k, objects):
                    verbs.setdefault(_root(word), []).append((part, tokens, k))
        for clause in _CLAUSE.split(_fold(sentence)):
            tokens = words(clause)
            for k, word in enumerate(tokens):
                anchor, head = _root(word), _head(tokens, k)
                if (
                    not head
                    or anchor in _FRAMING
                    or len(verbs.get(anchor, [])) != 1
                    or not _verb_like(tokens, k, objects)
                ):
                    continue
                part, theirs, at = verbs[anchor][0]
                if _passive(clause, word) or _passive(part, theirs[at]) or _inverted(part, theirs[at]):
                    continue
                subject = {_root(w) for w in tokens[:k] if _doer_word(w)}
                before = {_root(w) for w in theirs[:at] if _doer_word(w)}
                if any(_same_stem(a, b) for a in subject for b in before):
                    continue  # the passage names the sentence's doer before the verb too
                if head in {_root(w) for w in theirs[at + 1 :]}:
                    return f"the cited passage does not have “{_word_for(head, sentence)}” as who “{word}”"
                # Another doer right before the verb in the passage, one the sentence never names,
                # while the sentence's doer is nowhere in the passage; both are the article's words.
                other = _head(theirs, at)
                known = self._article_roots
                if other and other not in said and head not in have and {head, other} <= known:
                    theirs_word, mine_word = _word_for(other, passage), _word_for(head, sentence)
                    return f"the cited passage has “{theirs_word} {theirs[at]}”, not “{mine_word} {word}”"
        return ""

    def _implied_people(self, cited: Sequence[str]) -> str:
        """Who the cited sentences mean without naming them: the speaker of a quote named in a
        sentence before, the person "he" or "she" points back to (the article's quote attribution
        in ``index.chunks`` knows them). A name there is not a name the passage lacks."""
        if self._people is None:
            try:
                chunks = chunk_article(parse_article(self._article_text))
            except ArticleError:
                chunks = []
            by_text = {c.text: c for c in chunks}
            self._people = {}
            for chunk in chunks:
                people = list(chunk.people)
                if chunk.context in by_text:  # "She offered ...": whom the sentence before names
                    people += by_text[chunk.context].people
                self._people[chunk.text] = " ".join(dict.fromkeys(people))
        return " ".join(self._people.get(c, "") for c in cited).strip()

    def _unknown_names(self, sentence: str) -> list[str]:
        """Names in ``sentence`` the article never mentions."""
        return self._unsupported_names(sentence, " ".join(self._article_words))

    def _embed(self, texts: list[str]) -> list[np.ndarray]:
        new = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if new:
            assert self.embeddings is not None
            for text, vector in zip(new, self.embeddings.embed_documents(new), strict=True):
                array = np.asarray(vector, dtype=float)
                self._vectors[text] = array / (np.linalg.norm(array) or 1.0)
        return [self._vectors[t] for t in texts]


def _fold(text: str) -> str:
    """Typography and accents folded: "Wójcik’s" -> "Wojcik's"."""
    decomposed = unicodedata.normalize("NFKD", normalize(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _original(folded: str, text: str) -> str:
    """The spelling ``text`` itself uses for a folded word ("Wojcik" -> "Wójcik")."""
    found = (w for w in re.findall(r"[\w.]+(?:[-'’]\w+)*", text) if _fold(w).strip(".") == folded.strip("."))
    return re.sub(r"['’]s$", "", next(found, folded))


def _key(word: str) -> str:
    """A name reduced to lower-case letters and digits: "U.S." -> "us", "Powell's" -> "powell"."""
    word = _fold(word).lower()
    word = re.sub(r"'s$", "", word)
    return re.sub(r"[^a-z0-9]", "", word)


def _content(text: str) -> list[str]:
    return [_root(w) for w in words(_fold(text)) if w not in STOPWORDS and len(w) > 1]


def _same_stem(a: str, b: str) -> bool:
    """Stems of one word family: "Lebanon"/"Lebanese", "America"/"American"."""
    if a == b:
        return True
    shared = len(_common_prefix(a, b))
    return shared >= 5 and shared >= min(len(a), len(b)) - 2


def _common_prefix(a: str, b: str) -> str:
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return a[:i]


def _quoted(sentence: str) -> list[str]:
    text = normalize(sentence.replace("‘", "\x01").replace("’", "\x02"))
    text = text.replace("\x01", "‘").replace("\x02", "’")
    return [m.group(1) or m.group(2) for m in _QUOTE.finditer(text)]


def _unquoted(sentence: str) -> str:
    return _QUOTE.sub(" ", normalize(sentence))


def _in_order(parts: list[str], text: str) -> bool:
    """Every part appears in ``text`` as whole words, one after another."""
    position = 0
    for part in parts:
        match = re.compile(rf"(?<![a-z0-9']){re.escape(part)}(?![a-z0-9])").search(text, position)
        if not match:
            return False
        position = match.end()
    return True


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- numbers and dates -------------------------------------------------------------------------


def _numbers_missing(sentence: str, passage: str) -> str:
    cited = numbers(_fold(passage))
    said = {stem(w) for w in words(_fold(passage))}
    for number in numbers(_fold(sentence)):
        same = [n for n in cited if n.values & number.values]
        if not same:
            return f"the number “{number.text}” is not in the cited passage"
        if (
            number.unit
            and not any(n.unit == number.unit or n.unit is None and stem(number.unit) in said for n in same)
            and not (_age_in(number, _fold(sentence)) and any(_bare_age(n, _fold(passage)) for n in same))
        ):
            return f"the passage has “{number.text}” but not as {number.unit}s"
    return _ranges_reversed(sentence, passage)


def _age_in(number: Number, text: str) -> bool:
    """ "a 74-year-old" or "74 years old": an age."""
    return bool(re.match(r"[\s-]*years?[\s-]*old\b", text[number.end :], re.IGNORECASE))


def _bare_age(number: Number, text: str) -> bool:
    """ "Walter Benning, 74, a retired pilot": news style gives an age as a bare number set off by
    commas right after a name."""
    return bool(
        re.search(r"[A-Z][\w.'-]*,\s*$", text[: number.start]) and re.match(r"\s*,", text[number.end :])
    )


def _ranges_reversed(sentence: str, passage: str) -> str:
    """ "from $1,000 to $250" where the passage says "from $250 to $1,000"."""
    passage_pairs = set(_number_pairs(passage))
    for first, second in _number_pairs(sentence):
        if (second, first) in passage_pairs and (first, second) not in passage_pairs:
            return f"the numbers “{first:g}” and “{second:g}” are the other way round in the cited passage"
    return ""


def _number_pairs(text: str) -> Iterable[tuple[float, float]]:
    found = numbers(_fold(text))
    folded = _fold(text)
    for a, b in zip(found, found[1:], strict=False):
        if re.fullmatch(r"\s*(to|-|and)\s*[$£€]?", folded[a.end : b.start]):
            yield min(a.values), min(b.values)


def _dates_missing(sentence: str, passage: str) -> str:
    """Seasons and relative dates ("last week", "next year") the passage doesn't have."""
    have = {_root(w) for w in words(_fold(passage))}
    for match in _RELATIVE_DATE.finditer(_fold(sentence)):
        if _root((match.group(1) or match.group(2)).lower()) not in have:
            return f"the date “{match.group(0)}” is not in the cited passage"
    return ""


# --- names -------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[.'’-][A-Za-z0-9]+)*\.?")
_SENTENCE_START = re.compile(r"(^|[.!?:;\"“‘(]\s*|\s[-–—]\s)$")


def _name_tokens(text: str) -> Iterable[tuple[str, bool, int]]:
    """Capitalised tokens: (token, at a sentence start, index among all tokens)."""
    folded = _fold(text)
    for i, match in enumerate(_TOKEN.finditer(folded)):
        token = (
            match.group(0).rstrip(".") if not re.search(r"\.[A-Za-z]\.$", match.group(0)) else match.group(0)
        )
        # "al-Sadr", "bin-Laden": a name behind a lower-case particle is still a name.
        if token[:1].isupper() or re.match(r"[a-z]{1,3}-[A-Z]", token):
            yield token, bool(_SENTENCE_START.search(folded[: match.start()])), i


def _name_keys_in(text: str, *, sentence_initial: bool) -> set[str]:
    """Keys of the capitalised words of ``text`` (only those inside sentences, unless asked)."""
    return {_key(t) for t, initial, _ in _name_tokens(text) if sentence_initial or not initial}


def _name_phrases(text: str, known: set[str], common: frozenset[str] = frozenset()) -> list[list[str]]:
    """Runs of capitalised words that look like names. A sentence's first word counts only when the
    article uses it as a name or a capitalised word follows it ("Dick Cheney"), and not when the
    article writes it in lower case (``common``: "Even Iyad Allawi")."""
    tokens = list(_name_tokens(text))
    phrases: list[list[str]] = []
    previous = -2
    for n, (token, initial, index) in enumerate(tokens):
        key = _key(token)
        if not key or key in _TITLES or words(token)[:1] and words(token)[0] in STOPWORDS or key.isdigit():
            previous = -2
            continue
        if initial:
            followed = n + 1 < len(tokens) and tokens[n + 1][2] == index + 1
            if key not in known and (not followed or key in common):
                continue
        if index == previous + 1 and phrases:
            phrases[-1].append(token)
        else:
            phrases.append([token])
        previous = index
    return phrases


# "the country", "the city": a place the passage names without its name.
_PLACE_NOUN = re.compile(r"\bthe (?:country|nation|city|town|region)\b", re.IGNORECASE)
_IN_PLACE = re.compile(r"\b(?:in|across|throughout)\s+([A-Z][\w'-]+(?:\s[A-Z][\w'-]+)*)")
SETTING_MENTIONS = 2  # times "in X" must occur for X to be where the article is set


def _setting(article_text: str) -> str:
    """Where the article is set: the names it says something happens "in" at least
    ``SETTING_MENTIONS`` times ("in Iraq"). The passage's "the country" may be called so."""
    counts: dict[str, int] = {}
    for match in _IN_PLACE.finditer(_fold(article_text)):
        counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    return " ".join(name for name, n in counts.items() if n >= SETTING_MENTIONS)


def _demonym(place: str, people: str) -> bool:
    """ "Iraq"/"Iraqi", "Israel"/"Israeli", "Syria"/"Syrian": a place and its people's adjective."""
    return len(place) > 3 and people.startswith(place) and people[len(place) :] in _DEMONYM_ENDINGS


_DEMONYM_ENDINGS = frozenset({"i", "n", "an", "ian", "ese", "ish"})


def _name_in(key: str, have: set[str], have_text: str) -> bool:
    if key in have:
        return True
    for group in _ALIASES:
        if key in group and any(a in have or f" {a} " in f" {have_text} " for a in group):
            return True
    if " " in key:
        return False  # a whole name ("Colin Rumsfeld") is never a near-spelling of one word ("Colin")
    if any(_demonym(key, other) or _demonym(other, key) for other in have):
        return True
    root = stem(key)
    for other in have:
        if _same_stem(root, stem(other)):
            return True
        # A misspelt long name in the article ("Baghad" for "Baghdad").
        if min(len(key), len(other)) > 5 and SequenceMatcher(None, key, other).ratio() >= 0.85:
            return True
    return False


# --- contradictions ----------------------------------------------------------------------------


# Adverbs between a negator and its verb: "has not yet paid", "did not properly explain".
_ADVERBS = frozenset("yet ever even still always really quite already longer".split())
# Irregular past forms Snowball leaves alone, so "met" can meet "meet" and "sat" "sits".
_IRREGULAR = {
    "met": "meet", "sat": "sit", "won": "win", "lost": "lose", "paid": "pay", "told": "tell",
    "made": "make", "took": "take", "taken": "take", "gave": "give", "given": "give", "went": "go",
    "gone": "go", "came": "come", "held": "hold", "led": "lead", "left": "leave", "brought": "bring",
    "thought": "think", "found": "find", "kept": "keep", "began": "begin", "begun": "begin",
    "fought": "fight", "sought": "seek", "sold": "sell", "bought": "buy", "spent": "spend",
    "built": "build", "chose": "choose", "chosen": "choose", "knew": "know", "known": "know",
    "saw": "see", "seen": "see", "wrote": "write", "written": "write", "rose": "rise", "fell": "fall",
}  # fmt: skip


def _root(word: str) -> str:
    return stem(_IRREGULAR.get(word, word))


@dataclass
class _Clause:
    polarity: dict[str, bool]  # content stem -> whether a negation governs it
    heads: set[str]  # the predicate each negation governs: the first content word after it
    ended: set[str]  # words after "an end to": denied or not, as one reads it


def _clauses(text: str) -> list[_Clause]:
    clauses = []
    for part in _CLAUSE.split(_fold(text)):
        clause = _Clause({}, set(), set())
        negated = awaiting_head = ending = False
        tokens = words(part)
        for i, word in enumerate(tokens):
            if word == "end" and tokens[i + 1 : i + 2] == ["to"]:
                ending = True
            if word in _NEGATORS or word.endswith("n't"):
                negated = awaiting_head = True
            elif word not in STOPWORDS and len(word) > 2:
                if awaiting_head and word not in _ADVERBS and not word.endswith("ly"):
                    clause.heads.add(_root(word))
                    awaiting_head = False
                clause.polarity.setdefault(_root(word), negated)
                if ending:
                    clause.ended.add(_root(word))
        if clause.polarity:
            clauses.append(clause)
    return clauses


def _negation_flipped(sentence: str, passage: str) -> str:
    """A clause of the sentence negating what the passage affirms, or the reverse, on a shared
    predicate: the word a negation governs must be among the words that flip.

    Only words under a negation on one side count: those the passage uses both ways are left out,
    and the clause contradicts when at least half of the rest flip."""
    seen: dict[str, set[bool]] = {}
    heads: set[str] = set()
    for clause in _clauses(passage):
        heads |= clause.heads
        for word, negated in clause.polarity.items():
            seen.setdefault(word, set()).add(negated)
            if word in clause.ended:
                # "an end to mandatory overtime" in the passage is what "no more mandatory
                # overtime" says, though it has no negation word; either reading agrees with it.
                seen[word].add(True)
    for clause in _clauses(sentence):
        polarity = clause.polarity
        scoped = [w for w, negated in polarity.items() if w in seen and (negated or seen[w] == {True})]
        flipped = [w for w in scoped if polarity[w] not in seen[w]]
        on_predicate = [w for w in flipped if w in heads | clause.heads]
        if on_predicate and len(flipped) >= NEGATION_SHARE * len(scoped):
            if any(polarity[w] for w in flipped):
                return f"it denies what the cited passage affirms (“{_word_for(on_predicate[0], sentence)}”)"
            return f"it affirms what the cited passage denies (“{_word_for(on_predicate[0], sentence)}”)"
    return ""


def _word_for(root: str, text: str) -> str:
    """The word of ``text`` behind a stem, for a reason a reader understands."""
    return next((w for w in words(_fold(text)) if _root(w) == root), root)


def _opposite_word(sentence: str, passage: str) -> str:
    said = " ".join(_root(w) for w in words(_fold(sentence)))
    have = " ".join(_root(w) for w in words(_fold(passage)))
    for a, b in _OPPOSITES:
        for mine, theirs in ((a, b), (b, a)):
            if _says(said, mine) and not _says(have, mine) and _says(have, theirs):
                yours, its = _phrase_for(mine, sentence), _phrase_for(theirs, passage)
                return f"it says “{yours}” where the cited passage says “{its}”"
    return _prefix_opposite(sentence, passage) or _verdict_reversed(sentence, passage)


def _verdict_reversed(sentence: str, passage: str) -> str:
    """A judging word of one side where the passage judges only the other way ("a strategic success"
    for "the strategic blunder"). A negation on either side may turn a verdict round, so none counts."""
    said, have = [_root(w) for w in words(_fold(sentence))], [_root(w) for w in words(_fold(passage))]
    if any(w in _NEGATORS or w.endswith("n't") for w in [*said, *have]):
        return ""
    for mine, theirs in ((_POSITIVE, _NEGATIVE), (_NEGATIVE, _POSITIVE)):
        yours = [w for w in said if w in mine and w not in have]
        its = [w for w in have if w in theirs]
        if yours and its and not any(w in mine for w in have):
            mine_word, its_word = _word_for(yours[0], sentence), _word_for(its[0], passage)
            return f"it says “{mine_word}” where the cited passage says “{its_word}”"
    return ""


# A clause the sentence adds with a fact of its own: a relative clause, an appositive, a participle
# phrase, a "because" clause. The whole-sentence score can hide it behind well-supported words.
_ADDED_CLAUSE = re.compile(r",\s*|\b(?:which|who|whose|because|since)\b")
_CONTRAST = re.compile(r"\s*(?:not|never|rather|instead|unlike)\b")
ADDED_CLAUSE_WORDS = 2  # content words of a clause that must all be missing from the passage


def _clause_added(sentence: str, passage: str) -> str:
    """A clause none of whose (at least ``ADDED_CLAUSE_WORDS``) content words the cited passage
    has: "..., most of which has already been spent" added to a sentence the passage supports."""
    have = set(_content(passage))
    parts = [p for p in _ADDED_CLAUSE.split(_fold(_unquoted(sentence))) if _content(p)]
    if len(parts) < 2:
        return ""  # a sentence with nothing from the passage is the support score's to judge
    for part in parts[1:]:  # an opener ("Among other things, ...") frames; what follows adds
        if _CONTRAST.match(part):
            continue  # "punishing dumpers, not clean-ups": what the passage sets aside, often unsaid
        stems = [s for s in _content(part) if s not in _FRAMING and not s[0].isdigit()]
        if len(stems) >= ADDED_CLAUSE_WORDS and not any(
            s in have or any(_same_stem(s, h) for h in have) for s in stems
        ):
            return f"nothing in “{_short(part.strip())}” is in the cited passage"
    return ""


# Prepositions that open a phrase a claim may slip a fact into, inside the main clause ("threatened to
# paralyze the country with mass street protests"). The phrase ends at the next function word. Not
# "to", which mostly opens a verb ("to bring an end").
_PREPOSITIONS = frozenset(
    "with amid through via during including in at from after before for by on under over against into".split()
)
ADDED_PHRASE_WORDS = 2  # content words of a phrase that must all be missing from the passage


def _phrase_added(sentence: str, passage: str) -> str:
    """A prepositional phrase none of whose (at least ``ADDED_PHRASE_WORDS``) content words the
    cited passage has: "with mass street protests" added where no comma or clause word marks it."""
    have = set(_content(passage))
    tokens = words(_fold(_unquoted(sentence)))
    for k, word in enumerate(tokens):
        if word not in _PREPOSITIONS:
            continue
        phrase = []
        for token in tokens[k + 1 :]:
            if token in STOPWORDS and token not in _DETERMINERS:
                break
            phrase.append(token)
        stems = [s for s in _content(" ".join(phrase)) if s not in _FRAMING and not s[0].isdigit()]
        if len(stems) >= ADDED_PHRASE_WORDS and not any(
            s in have or any(_same_stem(s, h) for h in have) for s in stems
        ):
            return f"nothing in “{word} {' '.join(phrase)}” is in the cited passage"
    return ""


def _prefix_opposite(sentence: str, passage: str) -> str:
    """A word and its negative-prefix form: "unwilling" where the passage says "willing", "legal"
    where it says "illegal". The word one side uses must be missing from the other."""
    mine, theirs = _prefixed(sentence, passage), _prefixed(passage, sentence)
    if mine:
        return f"it says “{mine[0]}” where the cited passage says “{mine[1]}”"
    if theirs:
        return f"it says “{theirs[1]}” where the cited passage says “{theirs[0]}”"
    return ""


def _prefixed(text: str, other: str) -> tuple[str, str] | None:
    """A negative-prefixed word of ``text`` whose bare form only ``other`` has: (the word, the bare one)."""
    roots, others = {_root(w) for w in words(_fold(text))}, {_root(w) for w in words(_fold(other))}
    for word in words(_fold(text)):
        prefix = _NEGATIVE_PREFIX.match(word)
        base = _root(word[prefix.end() :]) if prefix else ""
        if base and _root(word) not in others and base in others and base not in roots:
            return word, _word_for(base, other)
    return None


# A part of a place ("in the north of the country") is a place the passage must name, like a name.
_DIRECTION = re.compile(r"\b(north|south|east|west)(?:ern|east|west|wards?)?\b", re.IGNORECASE)


def _direction_missing(sentence: str, passage: str) -> str:
    """ "in the north of the country" where the passage says only "in Sunni neighborhoods"."""
    have = {m.group(1).lower() for m in _DIRECTION.finditer(_fold(passage))}
    for match in _DIRECTION.finditer(_fold(_unquoted(sentence))):
        if match.group(1).lower() not in have:
            return f"the cited passage does not say “{match.group(0)}”"
    return ""


def _vague_amount(sentence: str, passage: str) -> str:
    """ "a few years" where the passage says "a few months": no digit differs, the unit does."""
    units = {m.group(1).lower() for m in _TIME_UNIT.finditer(_fold(passage))}
    for match in _VAGUE_AMOUNT.finditer(_fold(sentence)):
        if units and match.group(1).lower() not in units:
            return (
                f"the cited passage counts {'/'.join(sorted(u + 's' for u in units))}, not “{match.group(0)}”"
            )
    return ""


def _says(roots: str, phrase: str) -> bool:
    """Whether the roots of a text hold the roots of ``phrase`` word for word ("lay off")."""
    return f" {' '.join(_root(w) for w in phrase.split())} " in f" {roots} "


def _phrase_for(phrase: str, text: str) -> str:
    return " ".join(_word_for(_root(w), text) for w in phrase.split())


def _roles_swapped(sentence: str, passage: str) -> str:
    """Two names on either side of a shared word, the other way round in the passage:
    "Sistani bowed to the administration" vs "the administration bowed to Sistani"."""
    mine, theirs = _positions(sentence), _positions(passage)
    names = [n for n in mine.names if n in theirs.names]
    anchors = [a for a, at in mine.words.items() if len(at) == 1 and len(theirs.words.get(a, [])) == 1]
    for anchor in anchors:
        here, there = mine.words[anchor][0], theirs.words[anchor][0]
        for x in names:
            for y in names:
                if x >= y or _same_stem(x, y):
                    continue
                before = _side(mine.names[x], here) < 0 < _side(mine.names[y], here)
                after = _side(mine.names[y], here) < 0 < _side(mine.names[x], here)
                if not (before or after):
                    continue
                first, second = (x, y) if before else (y, x)
                flip_mine, flip_theirs = mine.passive(anchor), theirs.passive(anchor)
                # A relation word binds what stands next to it; a verb, the whole clause.
                side = _nearest if anchor in _RELATIONS else _side
                swapped = side(theirs.names[second], there) < 0 < side(theirs.names[first], there)
                kept = side(theirs.names[first], there) < 0 < side(theirs.names[second], there)
                if (swapped and flip_mine == flip_theirs) or (kept and flip_mine != flip_theirs):
                    one, other = _word_for(first, sentence), _word_for(second, sentence)
                    return f"“{one}” and “{other}” swap roles compared with the cited passage"
    return ""


# Words between a doer and its verb ("the nurses have promised"), and those that make a word a verb.
_AUXILIARIES = frozenset("has have had will would could can should may might must did does do shall".split())


def _doer_word(word: str) -> bool:
    return word not in STOPWORDS and len(word) > 2 and not word[0].isdigit() and _root(word) not in _FRAMING


def _verb_like(tokens: list[str], k: int, objects: frozenset[tuple[str, str]] = frozenset()) -> bool:
    """ "accepted", "met", "has promised", "to hire": a word that reads as a verb; or one followed
    by an object from ``objects`` ((verb root, object root) pairs)."""
    word = tokens[k]
    after_auxiliary = k > 0 and (tokens[k - 1] in _AUXILIARIES or tokens[k - 1] == "to")
    with_object = k + 1 < len(tokens) and (_root(word), _root(tokens[k + 1])) in objects
    return _doer_word(word) and (word.endswith("ed") or word in _IRREGULAR or after_auxiliary or with_object)


def _pairs(text: str) -> frozenset[tuple[str, str]]:
    """Roots of each two neighbouring content words that may be a verb and its object: not after a
    determiner or possessive ("the final offer"), not a plural noun before another noun ("ward needs
    change"), not a time ("last summer")."""
    tokens = words(_fold(text))
    return frozenset(
        (_root(a), _root(b))
        for before, a, b in zip(["", *tokens], tokens, tokens[1:], strict=False)
        if _doer_word(a)
        and _doer_word(b)
        and before not in _DETERMINERS
        and not before.endswith("'s")
        and not a.endswith("s")
        and not _TIME_WORD.fullmatch(b)
    )


_DETERMINERS = frozenset("the a an this that these those its their his her our my your every each".split())


_TIME_WORD = re.compile(
    rf"{_TIME_UNIT.pattern}|spring|summer|autumn|winter|morning|evening|night", re.IGNORECASE
)


def _head(tokens: list[str], k: int) -> str:
    """The root of the noun right before the verb at ``k`` (auxiliaries and adverbs between), or ""."""
    j = k - 1
    while j >= 0 and (tokens[j] in _AUXILIARIES or tokens[j] in _ADVERBS or tokens[j] == "not"):
        j -= 1
    if j < 0 or not _doer_word(tokens[j]) or _verb_like(tokens, j) or tokens[j].endswith("ly"):
        return ""
    return _root(tokens[j])


def _passive(text: str, word: str) -> bool:
    """ "was accepted by", "were hired": the doer is not the subject."""
    return bool(
        re.search(
            rf"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?{re.escape(word)}\b|\b{re.escape(word)}\s+by\b",
            text,
            re.IGNORECASE,
        )
    )


def _inverted(part: str, word: str) -> bool:
    """'"...," said Varga', ', warned Powell': the doer follows the verb."""
    match = re.search(rf"\b{re.escape(word)}\b", part, re.IGNORECASE)
    return bool(match and re.search(r"[,\"”]\s*$", part[: match.start()]))


_OWNER_TOKEN = re.compile(r"[a-z0-9]+(?:'s|')?")


def _owners(text: str) -> dict[str, str]:
    """Content root -> the root of its owner: "the union's final offer", "the offer from management"."""
    tokens = _OWNER_TOKEN.findall(_fold(text).lower())
    out: dict[str, str] = {}
    for i, token in enumerate(tokens):
        if token.endswith("'") or token.endswith("'s"):
            owner = _root(re.sub(r"'s?$", "", token))
            for follower in tokens[i + 1 : i + 4]:
                if follower in STOPWORDS or follower[0].isdigit() or "'" in follower:
                    break
                out.setdefault(_root(follower), owner)
        elif token == "from" and i and tokens[i - 1] not in STOPWORDS:
            after = [t for t in tokens[i + 1 : i + 4] if t not in STOPWORDS]
            if after and not after[0][0].isdigit():
                out.setdefault(_root(tokens[i - 1]), _root(after[0].rstrip("'")))
    return out


def _owner_swapped(sentence: str, passage: str) -> str:
    """Whose thing it is changed: "management says the union's final offer arrived" where the
    passage has "the final offer from management". The passage's owner must be named in the
    sentence too; another word for the same owner ("the hospital's offer") is not a swap."""
    said = {_root(w) for w in words(_fold(sentence))}
    theirs = _owners(passage)
    for thing, owner in _owners(sentence).items():
        other = theirs.get(thing)
        if other and not _same_stem(owner, other) and other in said:
            its, yours = _word_for(other, passage), _word_for(owner, sentence)
            return f"the cited passage has the {_word_for(thing, sentence)} of “{its}”, not of “{yours}”"
    return ""


def _names_substituted(sentence: str, passage: str) -> str:
    """A name put in another's place before the same word: "the Sunnis won the election" where the
    passage says "the Shiites won the election", "the Shiite minority" for "the Christian minority".
    """
    mine, theirs = _names_before(sentence), _names_before(passage)
    said = {_key(w) for w in words(_fold(sentence))}
    for anchor, name in mine.items():
        other = theirs.get(anchor)
        # The passage's name must be missing from the sentence: a name moved elsewhere in it
        # ("founded by Ruth Okafor") is a matter for the roles rule.
        if not (other and name) or _same_name(name[0], other[0]):
            continue
        # Or the two names traded places ("a Sunni militia deposed the Shiite mayor" for "Shiite
        # militia deposed the Sunni mayor"): a swap the roles rule misses when a passage names both
        # sides twice.
        traded = any(
            them
            and (was := theirs.get(word))
            and _same_name(them[0], other[0])
            and _same_name(was[0], name[0])
            for word, them in mine.items()
            if word != anchor
        )
        if other[0] not in said or traded:
            return f"the cited passage has “{other[1]} {anchor[1]}”, not “{name[1]} {anchor[1]}”"
    return ""


def _names_before(text: str) -> dict[tuple[str, str], tuple[str, str] | None]:
    """Each content word said once, with the name right before it (stopwords skipped) or None:
    {(stem, word): (key, name)}. Words said twice are left out; they bind no single name."""
    folded = _fold(text)
    names = {_key(t) for t, initial, _ in _name_tokens(folded) if not initial}
    tokens = [w for w in words(folded) if w not in STOPWORDS and len(w) > 1]
    counts: dict[str, int] = {}
    for word in tokens:
        counts[_root(word)] = counts.get(_root(word), 0) + 1
    out: dict[tuple[str, str], tuple[str, str] | None] = {}
    for i, word in enumerate(tokens):
        if _key(word) in names or counts[_root(word)] != 1 or word[0].isdigit():
            continue
        before = tokens[i - 1] if i else ""
        out[(_root(word), word)] = (_key(before), before) if _key(before) in names else None
    return out


def _same_name(a: str, b: str) -> bool:
    return _same_stem(stem(a), stem(b)) or any(a in g and b in g for g in _ALIASES)


# Where the words about a number end (a comma inside "2,000" is no boundary).
_NUMBER_CLAUSE = re.compile(r"[;:()]|,(?!\d)|\s[-–—]\s|\b(?:and|while|whereas|which|who|whose)\b")
NUMBER_TIES = 2  # words a number must share with another number's words to count as misbound


def _numbers_misbound(sentence: str, passage: str) -> str:
    """A number the passage gives for something else: "the national government will borrow £110
    million" where the passage says "the government has promised £250 million, the city will
    borrow £110 million". A number is bound to the words next to it in its clause; the sentence's
    words for a number must not match the passage's words for another number better than its own
    (by at least ``NUMBER_TIES`` words)."""
    theirs = _number_words(passage, after=True)  # the passage's words on either side may be meant
    mine, folded = _number_words(sentence), _fold(sentence)
    found = numbers(folded)
    for i, (values, stems) in enumerate(mine):
        own = set().union(*(w for v, w in theirs if v & values))
        other = set().union(*(w for v, w in theirs if not v & values)) - own
        if i and len(_NUMBER_CLAUSE.split(folded[found[i - 1].end : found[i].start])) == 1:
            # Words between two numbers of one clause may describe the first: "640 nurses at
            # Calder Bay General Hospital began a five-day strike" binds "nurses" to 640.
            other -= set().union(*(w for v, w in theirs if v & mine[i - 1][0] and not v & values))
        tied = stems & other
        if len(tied) >= NUMBER_TIES and len(tied) > len(stems & own):
            number, word = f"{min(values):g}", _word_for(min(tied), sentence)
            return f"the cited passage gives “{number}” for something else, not for “{word}”"
    return ""


def _number_words(text: str, *, after: bool = False) -> list[tuple[frozenset[float], set[str]]]:
    """Each number's values with the content stems before it in its clause, back to the previous
    number (and, with ``after`` or when none stand before it, those after it, up to the next); a
    number in a list or range ("five, six, 12 years", "31 to 24") shares the words of the first."""
    folded = _fold(text)
    found = numbers(folded)
    out: list[tuple[frozenset[float], set[str]]] = []
    for i, number in enumerate(found):
        gap = folded[found[i - 1].end if i else 0 : number.start]
        if i and _LIST_GAP.fullmatch(gap):
            out.append((number.values, out[-1][1]))
            continue
        stems = _number_stems(_NUMBER_CLAUSE.split(gap)[-1])
        if after and not stems and _LIST_ITEM.search(gap):
            # ", a 14 percent pay rise": an item of a list takes the words that govern the list,
            # from the start of its sentence ("The union wants a ratio of one nurse ..., a 14 ...").
            stems = _number_stems(_SENTENCE_END.split(folded[: number.start])[-1])
        if after or not stems:
            rest = folded[number.end : found[i + 1].start if i + 1 < len(found) else None]
            stems |= _number_stems(_NUMBER_CLAUSE.split(rest)[0])
        out.append((number.values, stems))
    return out


_LIST_ITEM = re.compile(r",\s*(?:and\s+|or\s+)?(?:an?\s+|the\s+)?$")
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-Z\"“])")
# Numbers in a list or a range: "five, six or eight", "31 to 24", "2019-2021".
_LIST_GAP = re.compile(r"[\s,]*(?:(?:and|or|to|[-–])\s*)?")


def _number_stems(text: str) -> set[str]:
    return {w for w in _content(text) if w not in _FRAMING and w not in _SCALE_WORDS}


_SCALE_WORDS = frozenset({"hundr", "thousand", "million", "billion", "trillion", "bn", "m", "k"})


# Small words that orient a relation as much as a verb does: "larger than", "allied against".
_RELATIONS = frozenset({"than", "against"})


def _side(positions: list[int], anchor: int) -> int:
    """-1 when every position is before ``anchor``, 1 when every one is after, else 0."""
    if all(p < anchor for p in positions):
        return -1
    if all(p > anchor for p in positions):
        return 1
    return 0


def _nearest(positions: list[int], anchor: int) -> int:
    """The side of ``anchor`` its nearest position is on: a passage may name both sides twice."""
    nearest = min(positions, key=lambda p: abs(p - anchor))
    return -1 if nearest < anchor else 1


@dataclass
class _Positions:
    names: dict[str, list[int]]  # stems of names and numbers -> word positions
    words: dict[str, list[int]]  # other content stems -> word positions
    tokens: list[str]

    def passive(self, anchor: str) -> bool:
        """ "founded ... by", "questioned by": the agent comes after the verb."""
        at = self.words[anchor][0]
        # Only a participle takes an agent: "implied as much by saying" is no passive.
        participle = self.tokens[at].endswith(("ed", "en")) or self.tokens[at] in _IRREGULAR
        return participle and "by" in self.tokens[at + 1 : at + 3]


def _positions(text: str) -> _Positions:
    folded = _fold(text)
    tokens = words(folded)
    capitalised = {_key(t) for t, initial, _ in _name_tokens(folded) if not initial}
    capitalised |= {_key(t) for t, _, _ in _name_tokens(folded) if _key(t) not in STOPWORDS}
    names: dict[str, list[int]] = {}
    content: dict[str, list[int]] = {}
    for i, word in enumerate(tokens):
        if word in _RELATIONS:
            content.setdefault(word, []).append(i)
            continue
        if word in STOPWORDS or len(word) < 2:
            continue
        target = names if word in capitalised or word[0].isdigit() else content
        target.setdefault(stem(word), []).append(i)
    return _Positions(names, content, tokens)
