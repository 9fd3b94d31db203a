"""Word-level helpers shared by retrieval, follow-ups and answering: tokens, stems, stopwords."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

from index.chunks import open_quote_at

_WORD = re.compile(r"[A-Za-z0-9]+(?:[’'][A-Za-z]+)?")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can cannot could couldn't did didn't do does doesn't
    doing don't down during each few for from further had hadn't has hasn't have haven't having
    he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm
    i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor not
    of off on once only or other ought our ours ourselves out over own same shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those through to too under
    until up very was wasn't we we'd we'll we're we've were weren't what what's when when's
    where where's which while who who's whom why why's will with won't would wouldn't you you'd
    you'll you're you've your yours yourself yourselves also s t just""".split()
)
# Words that shape a question but say nothing about its topic.
QUESTION_WORDS = frozenset(
    """what who whom whose which when where why how does do did is are was were can could
    would should will tell say said says according article author writer reviewer columnist
    essayist text mean means
    meant think thinks thought explain describe kind sort way much many anything something
    happen happened happens one ones thing things give get got make made use used else react
    reacted reacts reaction respond responded responds response feel feels felt view views
    opinion""".split()
)


# "What happened next?", "And later?": they point along the story from the last answer, at no topic.
SEQUENCE_WORDS = frozenset("next then afterwards later after".split())
# "How old", "How long", "How far": the question's measure, not its topic.
HOW_MEASURES = frozenset(
    "old long far big large often soon high tall wide deep heavy fast late early".split()
)

_TYPOGRAPHY = str.maketrans("’‘“”–—", "''\"\"--")


_per_thread = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    """One stemmer per thread: a Snowball stemmer keeps the word it is working on, so answers
    running in parallel must not share one."""
    stemmer = getattr(_per_thread, "stemmer", None)
    if stemmer is None:
        stemmer = _per_thread.stemmer = snowballstemmer.stemmer("english")
    return stemmer


def normalize(text: str) -> str:
    """Fold curly quotes and compatibility characters so matching ignores typography."""
    text = unicodedata.normalize("NFKC", text)
    return text.translate(_TYPOGRAPHY)


def fold_accents(text: str) -> str:
    """ "Wójcik" -> "Wojcik": students type names without their accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Lower-cased words, accents and possessives stripped ("Powell's" -> "powell")."""
    out = []
    for match in _WORD.finditer(fold_accents(normalize(text))):
        word = match.group(0).lower()
        if word.endswith("'s"):
            word = word[:-2]
        out.append(word)
    return out


@lru_cache(maxsize=65_536)  # an article's and its questions' words, stemmed once
def stem(word: str) -> str:
    lowered = word.lower()
    stemmed = str(_stemmer().stemWord(lowered))
    # "argument" and "arguing", "payment" and "pay": a noun in -ment has its verb's stem, when what
    # is left is an English verb ("argu(e)", "pay"; not "depart" in "department").
    if stemmed.endswith("ment") and len(stemmed) >= 7:
        verb = stemmed[:-4]
        if verb in _MENT_VERBS or f"{verb}e" in _MENT_VERBS:
            return str(_stemmer().stemWord(verb if verb in _MENT_VERBS else f"{verb}e"))
    return stemmed


# Verbs that take -ment ("agreement", "argument", "payment", "settlement", "treatment").
_MENT_VERBS = frozenset(
    """achieve adjust advertise agree align amend amuse announce appoint argue arrange assess assign
    attach commit develop disappoint discourage employ encourage endorse enforce engage enjoy enrich
    enroll enrol entertain equip establish excite fulfil fulfill govern harass improve induce install
    invest involve judge manage measure move pay place punish recruit refine reimburse replace require
    resent retire settle ship state treat""".split()
)


def content_stems(text: str, *, drop_question_words: bool = True) -> list[str]:
    """Stems of the words that carry meaning: no stopwords, optionally no question scaffolding
    (which takes in the measure after "how": "How old is she?" is not about anything old)."""
    if not drop_question_words:
        return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]
    found = words(text)
    return [
        stem(w)
        for i, w in enumerate(found)
        if w not in STOPWORDS | QUESTION_WORDS
        and len(w) > 1
        and not (i and found[i - 1] == "how" and w in HOW_MEASURES)
    ]


def tokens_for_bm25(text: str) -> list[str]:
    """BM25 tokens: content stems, keeping question words out of the index and the query."""
    return content_stems(text) or [stem(w) for w in words(text)]


def is_plural(phrase: str) -> bool:
    """ "the researchers", "Nora and Simon"; not "the boss", "the bus", "the analysis"."""
    last = phrase.split()[-1].lower() if phrase.split() else ""
    return " and " in phrase or last.endswith("s") and not last.endswith(("ss", "us", "is"))


def starts_inside_quote(sentence: str) -> bool:
    """Whether ``sentence`` is the middle or end of a quotation opened in an earlier sentence."""
    return sentence.count("”") > sentence.count("“") or (
        sentence.count('"') % 2 == 1 and open_quote_at(sentence) is None
    )


def balance_quotes(sentence: str) -> str:
    """The sentence as shown, with the quotation mark it lacks (it opens or closes elsewhere)."""
    if starts_inside_quote(sentence):
        return ("“" if "”" in sentence else '"') + sentence
    if sentence.count("“") > sentence.count("”"):
        return sentence + "”"
    if sentence.count('"') % 2 == 1:
        return sentence + '"'
    return sentence
