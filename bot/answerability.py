"""Whether the best passage answers a question: features of the pair, weighed by a model fit on data.

The features describe how the question and the passage line up: how much of the question the
passage covers, and above all which of the question's details it lacks. Crowd-written
unanswerable questions change one detail of a real sentence (another number, day, name or
direction), so a passage that matches everything but one specific word is the tell.
The weights come from ``benchmarks/fit_answerability.py`` (logistic regression over our question
sets, checked leave-one-article-out) and live in ``answerability.json`` beside this file.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from bot.question import asked_about
from bot.text import STOPWORDS, stem, words
from index.chunks import TITLES, find_names

FEATURES = (
    "score",  # the answerer's combined ranking score of the passage
    "dense",  # cosine similarity of question and passage
    "coverage",  # share of the question's information (IDF mass) the passage holds
    "missing_rarest",  # the rarest question word the passage lacks (IDF, 0..1)
    "missing_elsewhere",  # ... that the article does use elsewhere: the question points elsewhere
    "missing_count",  # how many question words the passage lacks (capped, 0..1)
    "number_clash",  # the question's number is not the passage's
    "time_clash",  # the question's day, month or year is not the passage's
    "opposite",  # "north" where the passage says "south"; "the Dunmore mudbank" for "the Castlepoint one"
    "name_missing",  # a name in the question the passage does not have
    "type_missing",  # the question wants a number, date or name the passage lacks
    "unknown_shortfall",  # how far the question's unknown words fall from any word of the article
    "asked_missing",  # the thing asked for ("Which surgeon ...?") is not in the passage, or is someone else's
    "other_named",  # a name the question gives is not the passage's, which names another in its place
    "speaker",  # "What did X say ...?" and the passage is X's own words
)

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "half": 0.5, "dozen": 12,
}  # fmt: skip
TIME_CLASSES = (
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"},
    {"january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"},
    {"spring", "summer", "autumn", "fall", "winter"},
    {"morning", "afternoon", "evening", "night", "midnight", "noon"},
)  # fmt: skip
# Words that flip a detail when swapped for their partner: the common shape of a detail swap.
_OPPOSITES = [
    ("north", "south"), ("east", "west"), ("northern", "southern"), ("eastern", "western"),
    ("northeast", "southwest"), ("northwest", "southeast"), ("upper", "lower"), ("up", "down"),
    ("increase", "decrease"), ("increased", "decreased"), ("increasing", "decreasing"),
    ("rise", "fall"), ("rose", "fell"), ("more", "less"), ("more", "fewer"), ("most", "least"),
    ("few", "many"), ("above", "below"), ("higher", "lower"), ("high", "low"), ("larger", "smaller"),
    ("largest", "smallest"),
    ("biggest", "smallest"), ("longest", "shortest"), ("longer", "shorter"), ("before", "after"),
    ("first", "last"), ("earlier", "later"), ("early", "late"), ("oldest", "newest"),
    ("old", "new"), ("older", "younger"), ("wet", "dry"), ("wetter", "drier"), ("hot", "cold"),
    ("warm", "cool"), ("warmer", "cooler"), ("inside", "outside"), ("inner", "outer"),
    ("internal", "external"), ("import", "export"), ("imports", "exports"), ("win", "lose"),
    ("won", "lost"), ("accept", "reject"), ("accepted", "rejected"), ("allow", "prevent"),
    ("allowed", "prevented"), ("allowed", "stopped"), ("support", "oppose"),
    ("supported", "opposed"), ("for", "against"), ("open", "closed"), ("opened", "closed"),
    ("start", "end"), ("started", "ended"), ("begin", "end"), ("began", "ended"),
    ("slow", "accelerate"), ("slowed", "accelerated"), ("gain", "loss"), ("gained", "lost"),
    ("buy", "sell"), ("bought", "sold"), ("minimum", "maximum"), ("private", "public"),
    ("male", "female"), ("men", "women"), ("remote", "local"), ("urban", "rural"),
    ("day", "night"), ("full", "part"), ("positive", "negative"), ("rich", "poor"),
    ("strong", "weak"), ("heavy", "light"), ("wide", "narrow"), ("deep", "shallow"),
    ("majority", "minority"), ("union", "management"), ("left", "right"),
    ("son", "daughter"), ("sons", "daughters"), ("boy", "girl"), ("boys", "girls"),
    ("brother", "sister"), ("brothers", "sisters"), ("father", "mother"), ("husband", "wife"),
    ("primary", "secondary"), ("empty", "full"), ("paid", "unpaid"), ("permanent", "temporary"),
    ("domestic", "foreign"), ("legal", "illegal"), ("guilty", "innocent"), ("true", "false"),
    ("elder", "younger"), ("eldest", "youngest"), ("oldest", "youngest"), ("highest", "lowest"),
]  # fmt: skip
# "voted against extending" where the question says "vote to extend": the passage negates the
# question's own word. Not for yes/no questions, whose answer may well be "no".
_NEGATORS = {"not", "never", "no", "against", "without", "nor", "n't"}
_YES_NO = re.compile(
    r"^\W*(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|may|might|must)\b", re.I
)
# An action and its reverse, in any form: "rise" asked where the passage says "fell", "remove"
# where it says "added".
_REVERSES = [
    (
        "rise rises rising rose risen increase increases increased increasing grow grows growing grew "
        "grown climb climbs climbed climbing",
        "fall falls falling fell fallen decrease decreases decreased decreasing drop drops dropped "
        "dropping decline declines declined declining shrink shrinks shrank shrunk shrinking",
    ),
    ("add adds added adding", "remove removes removed removing"),
    ("win wins won winning", "lose loses lost losing"),
    ("approve approves approved approving", "reject rejects rejected rejecting"),
    ("raise raises raised raising", "lower lowers lowered lowering"),
]
_DIRECTIONS = [(frozenset(a.split()), frozenset(b.split())) for a, b in _REVERSES]
_FLIPPABLE_STOPWORDS = frozenset({"few", "more", "most", "against", "above", "below"})
OPPOSITES: dict[str, set[str]] = {}
for _a, _b in _OPPOSITES:
    OPPOSITES.setdefault(_a, set()).add(_b)
    OPPOSITES.setdefault(_b, set()).add(_a)
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
_DIGITS = re.compile(r"\d[\d,.]*\d|\d")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z][\w’'-]*")
DURATION = re.compile(r"\b(centur(y|ies)|decades?|years?|months?|weeks?|days?|hours?|minutes?)\b", re.I)
_NUMBER_WORD = "|".join(NUMBER_WORDS)  # "six", "hundred", "dozen", ... as one regex alternation
# A stretch of time that answers "How long?": "a century", "for years", "two decades"; not "last week".
_SPAN_OF_TIME = re.compile(
    rf"\b(a|an|for|several|many|few|some|more|\d[\d,.]*|{_NUMBER_WORD})\s+{DURATION.pattern}", re.I
)
# Besides a date or a day/month/season word: a passage with these can say when.
_TIME_CUES = re.compile(
    r"\b(ago|since|until|yesterday|today|tomorrow|week|weeks|month|months|year|years|century|"
    r"decade|decades|morning|evening|night|"
    # a named stretch of time: "during the Oligocene", "in the Tudor era", "the 1990s"
    r"during|era|epoch|period|reign|\d{2,4}0s)\b",
    re.IGNORECASE,
)
# A person's age: "aged 64", "a 12-year-old", "Greaves, now 83,", "who is 68".
_PERSON_AGE = re.compile(
    r"\b(aged?|age of|at)\s+(about |around )?\d{1,3}\b|"
    rf"\b(\d[\d,]*|{_NUMBER_WORD})[- ](years?|months?|centur(y|ies)|decades?)[- ]old\b|"
    r",\s+(now |then |still |already )?\d{1,3}(,|\s+(this|last|next) year)|,\s+who (is|was) \d{1,3}\b|"
    r"\b(in (his|her|their) (teens|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties))\b",
    re.IGNORECASE,
)
# A thing's age may also be the year it was made: "built in 1931", "centuries old".
_AGE = re.compile(
    rf"{_PERSON_AGE.pattern}|\b(1[0-9]|20)\d\d\b|\b(years?|centur(y|ies)|decades?) (old|ago)\b", re.I
)
# A sum of money: "£5", "$3.2 million", "40 euros", "twenty pounds", "free".
_MONEY = re.compile(
    rf"[£$€¥]\s?\d|(\d|\b(?:{_NUMBER_WORD}))\s*(hundred|thousand|million|billion|bn|m|k)?\s*"
    r"(dollars?|pounds?|euros?|pence|cents?|yen|francs?|rupees?)\b|\bfree\b|\bcosts? nothing\b",
    re.IGNORECASE,
)
# A number with a unit of length, area, weight, volume or speed: "97 miles", "a 410-metre crossing".
_MEASURE = re.compile(
    rf"(\d|\b(?:{_NUMBER_WORD}))[\s-]*(square |cubic )?(kilomet(re|er)s?|km|met(re|er)s?|m|"
    r"centimet(re|er)s?|cm|millimet(re|er)s?|mm|miles?|mi|feet|foot|ft|inch(es)?|yards?|hectares?|ha|acres?|"
    r"tonnes?|tons?|kilo(gram)?s?|kg|grams?|g|pounds|lbs?|ounces?|oz|lit(re|er)s?|l|gallons?|knots?|mph|"
    r"km/h|kph|storeys?|stories|floors?)\b",
    re.IGNORECASE,
)
# "How long is the barrier?": "240 metres long", "a length of 240 metres" state that measure.
_MEASURE_ADJECTIVES = {
    "length": "long", "height": "tall|high", "depth": "deep", "width": "wide|across",
    "distance": "away|off", "weight": "heavy",
}  # fmt: skip
# "What was Samuel Feltham's job?": a passage saying what he is answers, whatever it calls it.
_JOB_WORDS = frozenset({"job", "occupation", "profession", "trade"})
# Kinds of answer a passage must hold.
TYPED = frozenset({"measure", "count", "duration", "number", "money", "time", "age", "person_age"})
_VAGUE_NUMBER = re.compile(r"\b(several|few|dozens|hundreds|thousands|millions)\b", re.IGNORECASE)
MAX_MISSING = 5
CONTEXT_WEIGHT = 0.5  # a word the passage only has through its pronouns' antecedent counts half


@dataclass(frozen=True)
class Model:
    """Logistic regression over standardised ``FEATURES``; answers when p >= threshold."""

    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    threshold: float

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.bias
        for name, w, mean, scale in zip(FEATURES, self.weights, self.means, self.scales, strict=True):
            z += w * (features.get(name, 0.0) - mean) / scale
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(FEATURES),
                "weights": list(self.weights),
                "bias": self.bias,
                "means": list(self.means),
                "scales": list(self.scales),
                "threshold": self.threshold,
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Model:
        data = json.loads(text)
        if tuple(data["features"]) != FEATURES:
            raise ValueError("answerability.json was fit on other features; rerun the fit")
        return cls(
            tuple(data["weights"]),
            float(data["bias"]),
            tuple(data["means"]),
            tuple(data["scales"]),
            float(data["threshold"]),
        )


@lru_cache(maxsize=1)
def default_model() -> Model:
    """The model fit by ``benchmarks/fit_answerability.py``, shipped beside this module."""
    return Model.from_json(resources.files("bot").joinpath("answerability.json").read_text("utf-8"))


def numbers(text: str) -> set[float]:
    """Every number ``text`` states, in digits or words ("12", "1,000", "twelve", "2.5 million")."""
    found: set[float] = set()
    tokens = words(text.replace("-", " "))
    for match in _DIGITS.finditer(text):
        raw = match.group(0).replace(",", "").rstrip(".")
        try:
            found.add(float(raw))
        except ValueError:
            continue
    for i, token in enumerate(tokens):
        if token in NUMBER_WORDS:
            value = float(NUMBER_WORDS[token])
            following = tokens[i + 1] if i + 1 < len(tokens) else ""
            if following in {"hundred", "thousand", "million", "billion"} and value < 100:
                continue  # "two million" is counted at "million"
            found.add(value)
    # "2.5 million" is also 2,500,000
    for match in re.finditer(r"(\d[\d,.]*)\s+(hundred|thousand|million|billion)", text, re.I):
        try:
            found.add(float(match.group(1).replace(",", "")) * NUMBER_WORDS[match.group(2).lower()])
        except ValueError:
            continue
    return found


_AMOUNT = re.compile(
    rf"(\d[\d,.]*\d|\d|\b(?:{'|'.join(sorted(NUMBER_WORDS, key=len, reverse=True))})\b)[\s-]+([a-z]+)",
    re.IGNORECASE,
)


_NOT_COUNTS = {"one", "first", "second", "third", "fourth", "fifth", "half"}  # "one of", "the first time"


_TIMES = {"once": 1.0, "twice": 2.0, "thrice": 3.0}
_NOT_A_COUNT = re.compile(
    r"\bone\b|\b(the|her|his|its|their|our|my|your) (first|second|third|fourth|fifth)\b", re.IGNORECASE
)


def counts(text: str) -> set[float]:
    """The numbers that can answer "How many?": not "one" ("one of their own members", "on one
    side") nor an ordinal ("her first month"), but "a third" and "twice" ("ran aground twice")."""
    said = set(words(text))
    return numbers(_NOT_A_COUNT.sub(" ", text)) | {v for w, v in _TIMES.items() if w in said}


def amounts(text: str) -> set[tuple[float, str]]:
    """Numbers with the word they count: "six weeks" -> (6, "week"), "28-bed" -> (28, "bed")."""
    found = set()
    for match in _AMOUNT.finditer(text.replace("’", "'")):
        raw, unit = match.group(1).lower(), match.group(2).lower()
        if raw in _NOT_COUNTS:
            continue
        if raw in NUMBER_WORDS:
            value = float(NUMBER_WORDS[raw])
        else:
            try:
                value = float(raw.replace(",", ""))
            except ValueError:
                continue
        if unit not in STOPWORDS and unit not in NUMBER_WORDS:
            found.add((value, stem(unit)))
    return found


def other_amount(question: str, passage: str) -> str | None:
    """ "ten years" asked where the passage says "six years": the question's amount, else None."""
    given = amounts(passage)
    for match in _AMOUNT.finditer(question.replace("’", "'")):
        for value, unit in amounts(match.group(0)):
            if (value, unit) not in given and any(u == unit and v != value for v, u in given):
                return match.group(0)
    return None


# "nearly four tons of trash": a number, a unit, "of" and the thing counted.
_NUMBER_OF = re.compile(rf"(?:\d|\b(?:{_NUMBER_WORD})\b)[\w,.-]*\s+[a-z-]+\s+of\s+([a-z]+)", re.I)


def counts_thing(text: str, counted: str) -> bool:
    """Whether ``text`` gives a number of the thing whose stem is ``counted``: "640 nurses",
    "nearly four tons of trash"."""
    if any(unit == counted for _, unit in amounts(text)):
        return True
    return any(stem(m.group(1)) == counted for m in _NUMBER_OF.finditer(text))


def time_words(text: str) -> dict[int, set[str]]:
    """Day, month, season and time-of-day words by class, and four-digit years (class -1)."""
    out: dict[int, set[str]] = {}
    lowered = set(words(text))
    for i, names in enumerate(TIME_CLASSES):
        hit = lowered & names
        if hit:
            out[i] = hit
    years = set(re.findall(r"\b(1[0-9]\d\d|20\d\d)s?\b", text))
    if years:
        out[-1] = years
    return out


def has_answer_type(wants: str | None, text: str) -> bool:
    """Whether ``text`` holds what a question of kind ``wants`` asks for: a number, a duration
    (a number or "a century", "for years"), a count ("twice", not "one of them"), a measure with its unit, a
    sum of money, a date, or an age ("Greaves, now 83,", "aged 64", "a 12-year-old", or the year a
    thing was built). The one definition, for ranking and refusing alike."""
    if wants == "age":
        return bool(_AGE.search(text))
    if wants == "person_age":
        return bool(_PERSON_AGE.search(text))
    if wants == "money":
        return bool(_MONEY.search(text))
    if wants == "measure":
        return bool(_MEASURE.search(text))
    if wants == "count":
        return bool(counts(text) or _VAGUE_NUMBER.search(text))
    if wants == "duration":
        return bool(counts(text) or _SPAN_OF_TIME.search(text) or _VAGUE_NUMBER.search(text))
    if wants == "number":  # "How much trash?" is not answered by "the day"
        return bool(counts(text) or _VAGUE_NUMBER.search(text))
    if wants == "time":
        return bool(time_words(text) or _TIME_CUES.search(text))
    return True


def describes(person: str, sentence: str) -> bool:
    """Whether ``sentence`` says what ``person`` is: "Greaves, now 83, was ...", "Simon Vance, who
    ...", "The architect, Lena Morrow, ...", "Okafor is a civil engineer" (not "Nora Vance, ..."
    for Simon Vance)."""
    for mention in {n for n in find_names(sentence) if same_person(person, n)}:
        name = re.escape(mention)
        if re.search(
            rf"\b{name},\s+(?:who|a|an|the|now|then|aged?|\d)\b|\b{name}\s+(?:is|was)\s+(?:a|an|the|one)\b"
            # "The architect, Lena Morrow," but not "On a grey Tuesday morning, Ingrid Halvorsen"
            rf"|(?<!\bon )(?<!\bin )(?<!\bat )(?<!\bby )\b(?:a|an|the|his|her|their|its)\s+"
            rf"(?:[\w’'-]+\s+){{0,5}}?[\w’'-]+,\s+{name}\b",
            sentence,
            re.IGNORECASE,
        ):
            return True
    return False


def same_person(a: str, b: str) -> bool:
    """Whether two mentions may name one person: one's name words hold the other's ("Powell",
    "Colin Powell", "Secretary Powell"), but "Arne Halvorsen" is not "Ingrid Halvorsen"."""
    first = {w for w in words(a) if w not in STOPWORDS and w not in TITLES}
    second = {w for w in words(b) if w not in STOPWORDS and w not in TITLES}
    return bool(first and second) and (first <= second or second <= first)


def states_measure(measure: str | None, text: str) -> bool:
    """Whether ``text`` gives that ``measure`` of something: "It was 240 metres long" for a
    length, "the tower is 30 metres high" for a height, "a depth of 12 metres"."""
    adjectives = _MEASURE_ADJECTIVES.get(measure or "")
    if not adjectives:
        return False
    stated = rf"(?:{_MEASURE.pattern})\s+(?:{adjectives})\b|\b{measure}s?\s+of\s+(?:\w+\s+)?\d"
    return bool(re.search(stated, text, re.IGNORECASE))


# "fell by 23 percent", "brought the fine down by 700,000 pounds": the size of a change.
_BY_AMOUNT = re.compile(
    rf"\bby (?:about |around |roughly |nearly |almost |more than |over |less than |just |some )?"
    rf"(?:[£$€]?\d|a (?:third|quarter|half|fifth|tenth)\b|half\b|(?:{_NUMBER_WORD})\b)",
    re.IGNORECASE,
)


def states_change(text: str) -> bool:
    """Whether ``text`` gives by how much something changed: "fell by 23 percent"."""
    return bool(_BY_AMOUNT.search(text))


class Aligner:
    """Computes ``FEATURES`` for a question and a passage of one article."""

    def __init__(self, sentences: Sequence[str]):
        frequency: dict[str, int] = {}
        for sentence in sentences:
            for s in {stem(w) for w in words(sentence) if w not in STOPWORDS}:
                frequency[s] = frequency.get(s, 0) + 1
        self._total = max(1, len(sentences))
        self._frequency = frequency
        self._article_numbers = numbers(" ".join(sentences))

    def idf(self, s: str) -> float:
        """Inverse sentence frequency, scaled to 0..1 (1: a word the article never uses)."""
        df = self._frequency.get(s, 0)
        return math.log(1 + self._total / (df + 0.5)) / math.log(1 + self._total / 0.5)

    def features(
        self,
        *,
        question_words: Sequence[str],
        question_text: str,
        passage: str,
        context: str = "",
        referent: str = "",
        score: float,
        dense: float,
        wants: str | None = None,
        unknown_shortfall: float = 0.0,
        asked_for: Sequence[str] = (),
        owner: str | None = None,
        speaker: bool = False,
        subject: str | None = None,
    ) -> tuple[dict[str, float], list[str]]:
        """The features, and the question's specific words the passage lacks (for the reason)."""
        passage_words = set(words(passage))
        near = passage_words | set(words(context))
        near_stems = {stem(w) for w in near}
        # "Lebanon" asked where the passage says "Lebanese": the same name in another form.
        for name in {m.group(0).lower() for m in _CAPITALISED.finditer(question_text)}:
            if stem(name) not in near_stems and any(same_people(name, w) for w in near):
                near_stems.add(stem(name))
        own_stems = {stem(w) for w in passage_words}
        weights = {stem(w): self.idf(stem(w)) for w in question_words}
        found = sum(
            w if s in own_stems else CONTEXT_WEIGHT * w for s, w in weights.items() if s in near_stems
        )
        coverage = found / sum(weights.values()) if weights else 0.0
        missing = [w for w in dict.fromkeys(question_words) if stem(w) not in near_stems and w not in near]
        rarest = max((self.idf(stem(w)) for w in missing), default=0.0)
        elsewhere = max(
            (self.idf(stem(w)) for w in missing if self._frequency.get(stem(w), 0) > 0), default=0.0
        )
        asked_numbers = numbers(_FIRST.sub(" ", question_text))
        passage_numbers = numbers(passage)
        number_clash = bool(asked_numbers - passage_numbers) and bool(
            passage_numbers or asked_numbers & self._article_numbers
        )
        # "six months" asked where the passage says "six weeks": the same number of another thing.
        asked_amounts, passage_amounts = amounts(question_text), amounts(passage)
        number_clash = number_clash or any(
            (value, unit) not in passage_amounts and any(v == value for v, _ in passage_amounts)
            for value, unit in asked_amounts
        )
        asked_times, passage_times = time_words(question_text), time_words(passage)
        time_clash = any(
            cls in passage_times and not values & passage_times[cls] for cls, values in asked_times.items()
        )
        # "few" for the passage's "many", "above" for its "below": stopwords, but details all the same.
        flippable = [*question_words, *(w for w in words(question_text) if w in _FLIPPABLE_STOPWORDS)]
        # Whose words are asked for is the speaker check's business: "What did the union say about
        # the offer?" against "She said the offer from management ..." swaps nothing.
        whose = set(words(subject or ""))
        flippable = [w for w in flippable if w not in whose]
        opposite = any(w not in near and OPPOSITES.get(w, set()) & near for w in flippable)
        opposite = opposite or any(
            way & set(flippable) and not way & near and other & near
            for pair in _DIRECTIONS
            for way, other in (pair, pair[::-1])
        )
        opposite = opposite or swapped_modifier(question_text, passage, near_stems)
        opposite = opposite or negated(question_text, passage) or swapped_role(question_text, passage)
        opposite = opposite or prefix_negated(question_text, passage) or reversed_pair(question_text, passage)
        opposite = opposite or other_year(question_text, passage) or swapped_holder(question_text, passage)
        names = {m.group(0).lower() for m in _NAME.finditer(question_text)}
        absent = {n for n in names if n not in near and stem(n) not in near_stems and n not in STOPWORDS}
        name_missing = bool(absent)
        # "Helen Marsh ... head teacher" where the passage's head teacher is Daniel Reyes: the
        # article knows the name, the passage gives the role to another.
        # The person an opening "She" means is named too ("She received a bravery award" is Ingrid's).
        others = {m.group(0).lower() for m in _NAME.finditer(f"{passage} {referent}")}
        others -= {re.sub(r"['’]s$", "", n) for n in names} | names | STOPWORDS  # "Klein's" is Klein
        other_named = any(self._frequency.get(stem(n), 0) for n in absent) and bool(others)
        type_missing = not has_answer_type(wants, passage)
        asked_missing = any(
            stem(w) not in near_stems and not (w in _JOB_WORDS and owner and describes(owner, passage))
            for w in asked_for
        ) or _owned_by_another(passage, asked_for, owner)
        features = {
            "score": score,
            "dense": dense,
            "coverage": coverage,
            "missing_rarest": rarest,
            "missing_elsewhere": elsewhere,
            "missing_count": min(len(missing), MAX_MISSING) / MAX_MISSING,
            "number_clash": float(number_clash),
            "time_clash": float(time_clash),
            "opposite": float(opposite),
            "name_missing": float(name_missing),
            "type_missing": float(type_missing),
            "unknown_shortfall": unknown_shortfall,
            "asked_missing": float(asked_missing),
            "other_named": float(other_named),
            "speaker": float(speaker),
        }
        return features, missing


_RELATIONS = {"with", "to", "than", "into", "over", "instead", "from", "by"}
_SPAN = 3  # words either side of "with" that it relates


def _related(text: str) -> set[tuple[str, str, str]]:
    """(word before, relation, word after) for the content words near each "with", "to", "than"
    ...: "replace the diesel engine with an electric one" -> (diesel, with, electr), ..."""
    tokens = words(text)
    found = set()
    for i, token in enumerate(tokens):
        if token not in _RELATIONS:
            continue
        before = [stem(w) for w in tokens[max(0, i - _SPAN) : i] if w not in STOPWORDS]
        after = [stem(w) for w in tokens[i + 1 : i + 1 + _SPAN] if w not in STOPWORDS]
        found |= {(a, token, b) for a in before for b in after if a != b}
    return found


# "the summer of 2023", "the floods of March 1937", "in 2022": a thing dated by its year.
_DATED = re.compile(r"\b([a-z]+)\s+(?:of|in)\s+(?:[A-Z][a-z]+\s+)?((?:1[0-9]|20)\d\d)\b")


def other_year(question: str, passage: str) -> bool:
    """ "Why was the summer of 2022 mild?" against "The summer of 2023 was mild": the same thing
    dated another year."""
    asked = {
        (stem(thing), year) for thing, year in _DATED.findall(question) if thing.lower() not in STOPWORDS
    }
    given = {(stem(thing), year) for thing, year in _DATED.findall(passage)}
    return any((thing, year) not in given and any(t == thing for t, _ in given) for thing, year in asked)


def reversed_pair(question: str, passage: str) -> bool:
    """ "replace the electric engine with a diesel one" asked where the passage says "replace the
    diesel engine with an electric one": the same words on either side of a relation, swapped."""
    asked, said = _related(question), _related(passage)
    return any((b, rel, a) in said and (a, rel, b) not in said for a, rel, b in asked)


# "put their interests first", "how did he first get involved": an order, not a number to match
# ("the first works" and "her first year" are).
_FIRST = re.compile(r"(?<!\bthe )(?<!\bits )(?<!\bhis )(?<!\bher )(?<!\btheir )\bfirst\b", re.IGNORECASE)
# "Shia"/"Shiite", "Kurds"/"Kurdish", "Lebanon"/"Lebanese": a people or place and its adjective.
# Not "-an" or "-ian": "Julia" and "Julian" are two people.
_DEMONYM_SUFFIXES = frozenset({"ite", "ites", "i", "is", "ese", "ish"})


def same_people(a: str, b: str) -> bool:
    """Whether one lower-case word is the other (less a final vowel, "s" or "on") plus a demonym
    suffix."""
    for short, long in ((a, b), (b, a)):
        short = short.removesuffix("s")
        bases = {short, short[:-1] if short[-1:] in ("a", "e", "i", "o", "u") else short}
        bases.add(short.removesuffix("on"))
        if any(
            len(base) >= 3 and long.startswith(base) and long[len(base) :] in _DEMONYM_SUFFIXES
            for base in bases
        ):
            return True
    return False


_NON = re.compile(r"\bnon-?\s?([a-z]+)", re.IGNORECASE)


def prefix_negated(question: str, passage: str) -> bool:
    """ "a relationship between humans" asked where the passage has only "non-human primates", or
    the other way round: one side says "non-" where the other does not."""
    asked = {stem(m.group(1)) for m in _NON.finditer(question)}
    said = {stem(m.group(1)) for m in _NON.finditer(passage)}
    plain_asked = {stem(w) for w in words(_NON.sub(" ", question))}
    plain_said = {stem(w) for w in words(_NON.sub(" ", passage))}
    return bool((said - asked) & plain_asked - plain_said or (asked - said) & plain_said - plain_asked)


_PROPOSED = re.compile(
    r"\b(?:plans?|proposals?|decision|idea|moves?|calls?|bids?|suggestion|attempts?|push|campaign)"
    r"\s+(?:to|for|of)\s+(\w+)",
    re.IGNORECASE,
)


def negated(question: str, passage: str) -> bool:
    """Whether the passage negates a content word the question states plainly ("Why did Whitcombe
    vote to extend the trial?" against "who voted against extending the trial")."""
    asked = words(question.replace("n’t", " n't").replace("n't", " n't"))
    if _YES_NO.match(question) or set(asked) & _NEGATORS:
        return False
    # "react to the plan to withdraw the chainsaws" names a plan, "think about withdrawal" a topic:
    # neither says they were withdrawn.
    proposed = {stem(m.group(1)) for m in _PROPOSED.finditer(question)}
    proposed |= {stem(w) for w in words(asked_about(question))}
    wanted = {stem(w) for w in asked if w not in STOPWORDS} - proposed
    said = words(passage.replace("n’t", " n't").replace("n't", " n't"))
    # "ruled against Ashby": against a person, not a denial of anything asked.
    named = {w.lower() for w in re.findall(r"(?<=\s)[A-Z][\w’'-]*", passage)}
    for i, word in enumerate(said):
        if word in _NEGATORS and any(
            stem(w) in wanted for w in said[i + 1 : i + 3] if w not in STOPWORDS and w not in named
        ):
            return True
    return False


_AS_ROLE = re.compile(r"\bas an? ((?:[a-z][\w-]* ?){1,3})", re.IGNORECASE)


# "Daniel Reyes, a retired bank manager who ...": a role given in apposition to a name.
_APPOSITIVE_ROLE = re.compile(r"\b[A-Z][\w’'-]+,\s+an?\s+((?:[a-z][\w-]* ?){1,3})")


def _roles(text: str) -> set[str]:
    """ "as a sound engineer touring with bands" -> {"engin"}: the head of each "as a ..." noun
    (or "Reyes, a retired bank manager" one)."""
    found = set()
    for match in [*_AS_ROLE.finditer(text), *_APPOSITIVE_ROLE.finditer(text)]:
        run: list[str] = []
        for word in match.group(1).lower().split():
            if word in STOPWORDS or run and word.endswith("ing"):  # "as a sound engineer touring"
                break
            run.append(word)
        if run:
            found.add(stem(run[-1]))
    return found


_ROLE_THEN_NAME = re.compile(
    r"\b(?i:the)\s+((?:[a-z-]+\s+){0,3}[a-z-]+),\s+([A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)"
)
_NAME_THEN_ROLE = re.compile(
    r"\b([A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*),\s+(?:the|a|an)\s+((?:[a-z-]+\s+){0,3}[a-z-]+)"
)


def _holders(text: str) -> set[tuple[str, frozenset[str]]]:
    """ "the health minister, Rosalind Kemp" -> {("minist", {"rosalind", "kemp"})}: each role the
    text gives someone by apposition, with their name."""
    pairs = [(m.group(1), m.group(2)) for m in _ROLE_THEN_NAME.finditer(text)]
    pairs += [(m.group(2), m.group(1)) for m in _NAME_THEN_ROLE.finditer(text)]
    return {(stem(role.split()[-1]), frozenset(words(name))) for role, name in pairs}


def swapped_holder(question: str, passage: str) -> bool:
    """ "the health minister, Michael Dunne" asked where the passage's health minister is Rosalind
    Kemp: the role given to someone else."""
    given = _holders(passage)
    return any(
        any(r == role and not name & other for r, other in given) and (role, name) not in given
        for role, name in _holders(question)
    )


def swapped_role(question: str, passage: str) -> bool:
    """ "Where did she work as a teacher?" against "worked for six years as a surveyor": the role
    the question gives is not in the passage, which gives another."""
    passage_stems = {stem(w) for w in words(passage)}
    given = _roles(passage)
    return any(role not in passage_stems and given - {role} for role in _roles(question))


def _owned_by_another(passage: str, asked_for: Sequence[str], owner: str | None) -> bool:
    """ "the hospital's chief negotiator" asked, "the union's chief negotiator" in the passage."""
    if not owner or not asked_for:
        return False
    owners = re.findall(
        rf"([\w-]+)(?:'s|’s)\s+(?:[\w-]+\s+){{0,2}}?{re.escape(asked_for[-1])}", passage, re.I
    )
    return bool(owners) and all(o.lower() not in owner.split() for o in owners)


def swapped_modifier(question: str, passage: str, near_stems: set[str]) -> bool:
    """ "the Dunmore mudbank" asked, "the Castlepoint mudbank" in the passage: the same thing under
    another name, the way "north" stands for "south"."""
    named = re.compile(r"\b([A-Z][\w’'-]+)\s+([a-z]+)\b")
    elsewhere: dict[str, set[str]] = {}
    for match in named.finditer(passage):
        if match.group(1).lower() in STOPWORDS:  # "She received": a pronoun may well mean the one asked about
            continue
        elsewhere.setdefault(stem(match.group(2)), set()).add(match.group(1).lower())
    for match in named.finditer(question[1:]):
        name, noun = match.group(1).lower(), stem(match.group(2))
        if noun not in STOPWORDS and name not in near_stems and stem(name) not in near_stems:
            if elsewhere.get(noun, set()) - {name}:
                return True
    return False
