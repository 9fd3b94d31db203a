"""Sentences -> citation-sized chunks with the names and attributed quotes they contain."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from index.article import Article, Sentence
from index.english import english_frequencies
from index.genders import CALENDAR, ROLE, ROLE_NOUN, pronoun_votes

# Bump when chunk boundaries or metadata change: it is part of the index fingerprint.
CHUNKER_VERSION = "28"

SPEECH_VERBS = (
    "said|says|say|told|tells|tell|warned|warns|warn|recalled|recalls|implied|implies|"
    "called|calls|stated|states|argued|argues|claimed|claims|added|adds|noted|notes|"
    "insisted|insists|declared|declares|wrote|writes|asked|asks|replied|explained|"
    "admitted|admits|predicted|promised|threatened|conceded|concedes|announced|"
    "acknowledged|suggested|suggests|described|describes|put it|testified|remarked|"
    "observed|urged|urges|complained|joked|responded|answered|estimated|contended|contends|maintained|"
    "maintains|countered|objected|pointed out|points out"
)
_SPEECH = re.compile(rf"\b({SPEECH_VERBS})\b", re.IGNORECASE)
_QUOTE = re.compile(r"“([^”]+)”|\"([^\"]+)\"")
_MIN_QUOTE_WORDS = 3  # shorter quoted words are scare quotes ("responsible"), not speech

_NAME_WORD = r"(?:[A-Z][\w’'-]*\.?|al|bin|de|van|von|der|du|la|le)"
_NAME = re.compile(rf"\b[A-Z][\w’'-]*\.?(?:\s+{_NAME_WORD})*")
# Capitalised words that start sentences or clauses rather than name someone.
_NOT_NAMES = {
    "a", "an", "the", "and", "but", "or", "so", "if", "in", "on", "at", "as", "by", "for",
    "of", "to", "it", "its", "he", "she", "they", "we", "i", "you", "this", "that", "these",
    "those", "there", "then", "thus", "once", "last", "even", "finally", "while",
    "since", "when", "where", "what", "who", "why", "how", "his", "her", "their", "our",
    "my", "none", "no", "not", "acknowledging", "leading", "many", "most", "some", "all",
    "according", "however", "meanwhile", "still", "yet", "after", "before", "with",
    # "Nine people ... died, numbers Lindqvist described as ...": a count, not a speaker
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
    "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundreds", "thousands",
    "dozens", "several", "both", "each", "every", "half",
}  # fmt: skip
TITLES = {
    "secretary", "president", "minister", "prime", "senator", "sen.", "rep.", "gov.", "governor",
    "general", "gen.", "mr.", "mrs.", "ms.", "dr.", "professor", "prof.", "mayor", "judge",
    "ambassador", "chairman", "chairwoman", "director", "commissioner", "councillor",
    "councilor", "chief", "officer", "spokesman", "spokeswoman", "spokesperson",
}  # fmt: skip
_MIN_PRONOUNS = 1  # he/she uses before one says whom an article is about
_DOMINANT = 2  # times the other pronoun's uses, to name the protagonist in search without a doubt
# A full name whose last word is this common in English names a place ("Carver Street", "Calder
# Bay"), not a person; surnames (Reilly, Powell, Graham) are rarer.
PLACE_WORD_COUNT = 20_000_000
# First words of place names ("River Wend", "Port Ardley"): never a person's full name.
_PLACE_HEADS = {"river", "lake", "loch", "lough", "mount", "cape", "fort", "port", "isle", "glen", "bay"}
PROTAGONIST_MENTIONS = 5  # a person named this often is who an unattributed "she says" means
_FEMALE_KIN = {"mother", "wife", "daughter", "sister", "aunt", "grandmother", "niece", "mrs", "ms", "widow"}
_KIN = re.compile(
    r"\b(father|husband|son|brother|uncle|grandfather|nephew|mr|widower|"
    + "|".join(_FEMALE_KIN)
    + r")\b\.?,?\s*$",
    re.IGNORECASE,
)
_PERSON_START = re.compile(r"^\W*(?:\w+,?\s+)?(he|she)\b", re.IGNORECASE)
_PRONOUN_SUBJECT = re.compile(r"\b(he|she|they)\b", re.IGNORECASE)
# "His view is simple: "..."": the quote is his.
_POSSESSIVE_INTRO = re.compile(r"\b(his|her|their)\b[^\"“”.]{0,40}:\s*$", re.IGNORECASE)
_SUBJECT_OF = {"he": "he", "she": "she", "they": "they", "his": "he", "her": "she", "their": "they"}
# '..." the repair coordinator said', '..." said the treasurer.': a quote given to a role.
_ROLE_SAYS = re.compile(
    rf"^[\s,]*the\s+(?P<role>[a-z][\w’'-]*(?:\s+[a-z][\w’'-]*){{0,2}})\s+(?:{SPEECH_VERBS})\b"
    rf"|^[\s,]*(?:{SPEECH_VERBS})\s+the\s+(?P<role2>[a-z][\w’'-]*(?:\s+[a-z][\w’'-]*){{0,2}})(?=\s*[,.;:]|\s*$)"
)
_ROLE_THEN_NAME = re.compile(rf"{_NAME.pattern}\s+{ROLE}\s+({_NAME.pattern})")
ROLE_CHARS = 60  # a role word this close to a name describes that person
# A reporter's question put in a lead-in; the quote after it is the answer.
ASKED_LEAD_IN = re.compile(r"^\W*asked\b", re.IGNORECASE)
# A sentence opening like this leans on the one before ("His latest book is ...", "Now they're
# both doctors", "But, she said, ...").
_ANAPHORIC_START = re.compile(
    r"^\W*(?:(?:now|then|but|and|so|still|later|today|since|yet|also|both)\b,?\s+|\w+,\s+)?"
    r"(he|she|it|its|they|their|them|his|her|this|that|these|those|such|thus|there|"
    r"none of (this|that|these|them)|all of (this|that|these|them)|"
    # "The 34-year-old midfielder, who ...", "The teenager ...": someone just named, described.
    rf"the\s+(?:[\w-]+-year-old\s+|former\s+)?(?:{ROLE_NOUN}|teenager|youngster|veteran)|"
    r"the\s+[\w-]+-year-old)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quote:
    """Words inside quotation marks and who the article says spoke them (``None`` if unknown)."""

    text: str
    start: int
    end: int
    speaker: str | None


@dataclass(frozen=True)
class Chunk:
    """One citable passage: a sentence, with offsets into the article text."""

    id: str
    text: str
    start: int
    end: int
    paragraph: int
    sentence: int
    names: tuple[str, ...] = field(default=())
    quotes: tuple[Quote, ...] = field(default=())
    context: str = ""  # the previous sentence, kept when this one opens with a pronoun
    people: tuple[str, ...] = field(default=())  # names that speak, hold a title or are described
    referent: str = ""  # who an opening "she"/"he" means, when neither sentence names them

    @property
    def search_text(self) -> str:
        """What retrieval sees: the sentence, with the sentence its pronouns point back to and
        the person an opening "she" means."""
        return " ".join(t for t in (self.referent, self.context, self.text) if t)

    @property
    def speakers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(q.speaker for q in self.quotes if q.speaker))

    def metadata(self) -> dict[str, str | int]:
        """Flat metadata for Chroma (which stores scalars only)."""
        return {
            "paragraph": self.paragraph,
            "sentence": self.sentence,
            "start": self.start,
            "end": self.end,
            "names": "; ".join(self.names),
            "speakers": "; ".join(self.speakers),
            "quotes": " | ".join(q.text for q in self.quotes),
            "people": "; ".join(self.people),
        }


def chunk_article(article: Article) -> list[Chunk]:
    """One chunk per sentence: the unit a user wants cited, small enough to verify at a glance."""
    chunks: list[Chunk] = []
    genders = _genders(article)
    protagonist = _protagonist(article)
    if protagonist and (pronoun := _protagonist_pronoun(article)):
        genders.setdefault(protagonist, pronoun)
    # Pronouns sure enough to name whom an opening "She ..." means in search.
    sure = _genders(article)
    if protagonist and (pronoun := _protagonist_pronoun(article, dominant=_DOMINANT)):
        sure.setdefault(protagonist, pronoun)
    recent: list[tuple[str, int]] = []  # (person, paragraph) named so far, most recent last
    # Everyone named in full, by surname: the last resort for whom "he says" means.
    full_names = _full_names(article)
    mentioned: list[tuple[str, int]] = []  # (full name, paragraph), most recent last
    known: dict[str, str] = (
        {protagonist.split()[-1]: protagonist} if protagonist else {}
    )  # surname -> full name
    for paragraph in article.paragraphs:
        previous = ""
        last_speaker: str | None = None
        here: list[str] = []  # people and full names of this paragraph so far, most recent last
        for sentence in paragraph.sentences:
            names = find_names(sentence.text)
            named = _named(names, full_names, paragraph.number)
            fallback = _referent(
                sentence.text,
                # The paragraph before's people, then anyone this paragraph names: "Tom Garvey
                # lives opposite. His view is simple: ..." is Garvey's, whatever came before.
                [p for p, n in recent if n == paragraph.number - 1 and p not in here] + here,
                genders,
                protagonist,
                mentioned=[p for p, n in [*mentioned, *named] if n >= paragraph.number - 1],
            )
            quotes = tuple(find_quotes(sentence, fallback_speaker=fallback, continuing_speaker=last_speaker))
            # '"...," the treasurer said.': the person the article introduced with that role.
            quotes = tuple(
                q
                if q.speaker
                else replace(q, speaker=_role_speaker(sentence.text[q.end - sentence.start :], chunks))
                for q in quotes
            )
            # "..., Halvorsen said": the person named in full before, not a second "Halvorsen".
            quotes = tuple(
                replace(q, speaker=_full(q.speaker, known, full_names)) if q.speaker else q for q in quotes
            )
            if not quotes and _inside_quote(article.text[paragraph.start : sentence.start + 1]):
                # A middle or last sentence of a quote that runs over several sentences: someone's
                # words, never the author's; whose, its end ('...," Reyes said.') or its start says.
                closing = _closing_speaker(sentence.text, fallback) or _role_speaker(sentence.text, chunks)
                closing = _full(closing, known, full_names) if closing else None
                speaker = closing or last_speaker
                quotes = (Quote(sentence.text.strip('"“”'), sentence.start, sentence.end, speaker),)
                if closing:
                    _give_back(chunks, paragraph.number, closing)
            elif not quotes and (opened := open_quote_at(sentence.text) or 0) > 0:  # mid-sentence
                # 'Gwen Tallis said: "I had to carry water ...' opens a quote the next sentence goes on.
                said = sentence.text[opened + 1 :].strip()
                before = sentence.text[:opened]
                speaker = _speaker_for(sentence.text, opened, opened) or (
                    fallback if _PRONOUN_SUBJECT.search(before) else None
                )
                if len(said.split()) >= _MIN_QUOTE_WORDS:
                    quotes = (Quote(said, sentence.start + opened, sentence.end, speaker),)
            last_speaker = next((q.speaker for q in reversed(quotes) if q.speaker), last_speaker)
            people = list(
                dict.fromkeys(
                    [q.speaker for q in quotes if q.speaker]
                    # "Halvorsen campaigned against it": the surname alone is someone named before.
                    + [
                        _full(n, known, full_names)
                        for n in names
                        if n in known or _looks_like_person(n, sentence.text)
                    ]
                )
            )
            for person in people:
                if len(person.split()) >= 2:
                    known.setdefault(person.split()[-1], person)
            for person in people:
                recent = [(p, n) for p, n in recent if p != person] + [(person, paragraph.number)]
            for person, number in named:
                mentioned = [(p, n) for p, n in mentioned if p != person] + [(person, number)]
            for person in [*people, *(p for p, _ in named)]:
                here = [p for p in here if p != person] + [person]
            # 'Asked about X, she laughed. "..."': the quote answers the question put before it.
            answers_asked = bool(quotes) and ASKED_LEAD_IN.match(previous)
            context = previous if _ANAPHORIC_START.match(sentence.text) or answers_asked else ""
            referent = ""
            if opening := _PERSON_START.match(_QUOTE.sub(" ", sentence.text)):
                wanted = opening.group(1).lower()
                nearby = [p for p, n in reversed(recent) if n >= paragraph.number - 1]
                referent = next((p for p in [*nearby, protagonist] if p and sure.get(p) == wanted), "")
                if any(w in f"{context} {sentence.text}" for w in referent.split()):
                    referent = ""  # already named where the search looks
            chunks.append(
                Chunk(
                    id=f"s{sentence.index}",
                    text=sentence.text,
                    start=sentence.start,
                    end=sentence.end,
                    paragraph=sentence.paragraph,
                    sentence=sentence.index,
                    names=tuple(names),
                    quotes=quotes,
                    context=context,
                    people=tuple(people),
                    referent=referent,
                )
            )
            # A run of "It ... It ..." sentences all point back to the sentence that opened it.
            previous = chunks[-1].context or sentence.text
    return chunks


def _genders(article: Article) -> dict[str, str]:
    """ "he" or "she" for people the article marks plainly with a kinship word or title before
    the name ("her father, Arne Halvorsen", "Mrs Dunn"), or refers back to with that pronoun."""
    genders: dict[str, str] = {}
    for sentence in article.sentences:
        people = [n for n in find_names(sentence.text) if _looks_like_person(n, sentence.text)]
        for name in people:
            kin = _KIN.search(sentence.text[: sentence.text.find(name)][-40:])
            if kin:
                genders[name] = "she" if kin.group(1).lower() in _FEMALE_KIN else "he"
    sentences = [(s.paragraph, s.text) for s in article.sentences]
    for name, pronoun in pronoun_votes(sentences, find_names).items():
        genders.setdefault(name, pronoun)
    return genders


def _protagonist(article: Article) -> str | None:
    """The person the article is most about: the most often named surname of a full name."""
    counts: dict[str, int] = {}
    full: dict[str, str] = {}
    text = " ".join(s.text for s in article.sentences)
    for sentence in article.sentences:
        for name in find_names(sentence.text):
            words = name.split()
            if 2 <= len(words) <= 3 and all(w.isalpha() for w in words):
                full.setdefault(words[-1], name)
    for surname in full:
        counts[surname] = len(re.findall(rf"\b{re.escape(surname)}\b", text))
    if not counts:
        return None
    best = max(counts, key=lambda s: counts[s])
    return full[best] if counts[best] >= PROTAGONIST_MENTIONS else None


def _protagonist_pronoun(article: Article, *, dominant: float = 1.0) -> str | None:
    """The pronoun the article uses most outside quotations (``dominant`` times the other's):
    most often its protagonist's."""
    text = _QUOTE.sub(" ", " ".join(s.text for s in article.sentences))
    he = len(re.findall(r"\b(he|him|his)\b", text, re.IGNORECASE))
    she = len(re.findall(r"\b(she|her|hers)\b", text, re.IGNORECASE))
    if he + she < _MIN_PRONOUNS or max(he, she) <= dominant * min(he, she):
        return None
    return "she" if she > he else "he"


def _referent(
    text: str,
    recent: list[str],
    genders: dict[str, str],
    protagonist: str | None,
    *,
    mentioned: Sequence[str] = (),
) -> str | None:
    """Who "he"/"she" in ``text`` is: the latest person named nearby (``recent``: this paragraph
    and the one before) whose known pronoun does not contradict it, else the person the article
    is about, else the latest full name nearby (``mentioned``) that fits: "Reilly is quieter than
    his skipper. '...,' he says." when the skipper is a she."""
    outside = _QUOTE.sub(" ", text)  # "she says", not a "he" she quotes
    pronoun = _PRONOUN_SUBJECT.search(outside) or _POSSESSIVE_INTRO.search(outside)
    wanted = _SUBJECT_OF.get(pronoun.group(1).lower()) if pronoun else None
    for person in reversed(recent):
        if wanted not in {"he", "she"} or genders.get(person, wanted) == wanted:
            return person
    if protagonist and (wanted not in {"he", "she"} or genders.get(protagonist, wanted) == wanted):
        return protagonist
    for person in reversed(mentioned):
        if wanted in {"he", "she"} and genders.get(person, wanted) == wanted:
            return person
    return None  # everyone nearby is called the other pronoun: better no speaker than a wrong one


def _full_names(article: Article) -> dict[str, str]:
    """Surname (and full name) -> full name, for every "First Last" the article names that is not
    a place ("Carver Street"); a surname two people share ("Nora Vance", "Simon Vance") is left out."""
    english = english_frequencies()
    found: dict[str, str] = {}
    shared: set[str] = set()
    for sentence in article.sentences:
        for name in find_names(sentence.text):
            words = name.split()
            # "Anne-Marie Costello", "Sean O'Brien" are full names; "Tarnwell 2019" is not.
            if not 2 <= len(words) <= 3 or not all(re.sub(r"[-'’]", "", w).isalpha() for w in words):
                continue
            first, last = words[0].lower(), words[-1].lower()
            if first in _NOT_NAMES | _PLACE_HEADS or english.get(last, 0) >= PLACE_WORD_COUNT:
                continue
            if found.setdefault(words[-1], name) != name:
                shared.add(words[-1])
            found.setdefault(name, name)
    return {k: v for k, v in found.items() if k not in shared}


def _full(name: str, known: dict[str, str], full_names: dict[str, str]) -> str:
    """A surname as the person named in full before: a person first, else the one full name."""
    return known.get(name) or full_names.get(name, name)


def _named(names: Sequence[str], full_names: dict[str, str], paragraph: int) -> list[tuple[str, int]]:
    """The full names of ``names`` (a sentence's) that ``full_names`` knows, with the paragraph."""
    return [(full_names[n], paragraph) for n in names if n in full_names]


def find_names(text: str) -> list[str]:
    """Capitalised word runs that look like names ("Colin Powell", "Secretary Rumsfeld")."""
    names = []
    for match in _NAME.finditer(text):
        words = match.group(0).split()
        while words and words[0].lower().strip(".") in _NOT_NAMES:
            words.pop(0)
        while words and words[-1].lower() in {"al", "bin", "de", "van", "von", "der", "du", "la", "le"}:
            words.pop()
        name = re.sub(r"['’]s$", "", " ".join(words)).rstrip(".’'")  # "Agnes Whitlock's garage"
        if name and not name.isupper() and name not in names:
            names.append(name)
    return names


def find_quotes(
    sentence: Sentence, *, fallback_speaker: str | None = None, continuing_speaker: str | None = None
) -> list[Quote]:
    """Quoted passages of a few words or more, attributed to the speaker the sentence names.

    ``fallback_speaker`` is who "he"/"she" refers to; ``continuing_speaker`` speaks a sentence
    that is nothing but the next part of a quote ("I believe in it," she said. "But ...").
    """
    quotes = []
    for match in _QUOTE.finditer(sentence.text):
        words = (match.group(1) or match.group(2) or "").strip()
        if len(words.split()) < _MIN_QUOTE_WORDS:
            continue
        pronoun = _PRONOUN_SUBJECT.search(
            sentence.text[: match.start()] + sentence.text[match.end() :][:20]
        ) or _POSSESSIVE_INTRO.search(sentence.text[: match.start()])
        speaker = (
            _speaker_for(sentence.text, match.start(), match.end())
            or (fallback_speaker if pronoun else None)
            or (continuing_speaker if match.start() == 0 else None)
        )
        quotes.append(
            Quote(
                text=words,
                start=sentence.start + match.start(),
                end=sentence.start + match.end(),
                speaker=speaker,
            )
        )
    return quotes


def _closing_speaker(text: str, fallback: str | None) -> str | None:
    """Who a sentence that ends a quote names as its speaker: 'add up," Reyes said.' -> Reyes;
    '..., " he said.' -> ``fallback``, whom "he" means."""
    end = next((i + 1 for i, ch in enumerate(text) if ch in '"”'), None)
    if end is None:
        return None
    if re.match(rf"[\s,]*(he|she|they)\s+({SPEECH_VERBS})\b", text[end : end + 40], re.IGNORECASE):
        return fallback
    return _speaker_for(text, end, end)


def _role_speaker(after_quote: str, chunks: Sequence[Chunk]) -> str | None:
    """Whom '..." the repair coordinator said' means: the person an earlier sentence describes
    with the role's words ("Priya Chandran, who runs the repair sessions"); None if nobody is."""
    end = next((i + 1 for i, ch in enumerate(after_quote) if ch in '"”'), 0)
    match = _ROLE_SAYS.match(after_quote[end:])
    if not match:
        return None
    role = {
        w.rstrip("s") for w in (match.group("role") or match.group("role2")).lower().split() if len(w) > 2
    }
    best, best_key = None, (0, -ROLE_CHARS)
    for chunk in chunks:
        text = chunk.text.lower()
        places = [m.start() for w in role for m in re.finditer(rf"\b{re.escape(w)}", text)]
        for person in chunk.people:
            at = text.find(person.split()[-1].lower())
            near = [abs(p - at) for p in places if at >= 0 and abs(p - at) < ROLE_CHARS]
            key = (len(near), -min(near, default=ROLE_CHARS))
            if near and key >= best_key:  # ties: the later sentence
                best, best_key = person, key
    return best


def _give_back(chunks: list[Chunk], paragraph: int, speaker: str) -> None:
    """The earlier sentences of a quote whose speaker only its end names are that speaker's too."""
    for i in range(len(chunks) - 1, -1, -1):
        chunk = chunks[i]
        if chunk.paragraph != paragraph or not chunk.quotes or any(q.speaker for q in chunk.quotes):
            return
        quotes = tuple(replace(q, speaker=speaker) for q in chunk.quotes)
        chunks[i] = replace(chunk, quotes=quotes, people=tuple(dict.fromkeys([speaker, *chunk.people])))


def open_quote_at(text: str) -> int | None:
    """Where ``text`` opens a quotation it does not close ('... said: "I had to', '"We are'), else
    None. A straight mark opens at the start or after a space, before a word; one that closes
    follows the quoted words ('a week."')."""
    if text.count("“") > text.count("”"):
        return text.rfind("“")
    at = text.rfind('"')
    opens = at == 0 or at > 0 and text[at - 1] in " (:—–-"
    if text.count('"') % 2 == 1 and opens and text[at + 1 : at + 2].isalnum():
        return at
    return None


def _inside_quote(before: str) -> bool:
    """Whether a quotation opened in ``before`` is still open at its end."""
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")


def _speaker_for(text: str, quote_start: int, quote_end: int) -> str | None:
    """The name nearest before a speech verb that introduces the quote, or right after it.

    ``None`` when a pronoun does the speaking ("she said"): the caller knows who that is.
    """
    before = text[:quote_start]
    according = re.search(rf"\b(?i:according to)\s+({_NAME.pattern})", before)
    if according and (names := [n for n in find_names(according.group(1)) if _is_person_like(n)]):
        return names[0]
    verbs = list(_SPEECH.finditer(before))
    if verbs and _PRONOUN_SUBJECT.search(before[max(0, verbs[0].start() - 12) : verbs[0].start()]):
        return None
    if verbs:
        # The subject usually comes first in the clause: take the first name before the first verb.
        names = [n for n in find_names(before[: verbs[0].start()]) if _is_person_like(n)]
        if names:
            return names[0]
    after = text[quote_end : quote_end + 80]
    if re.match(rf"[\s,]*(he|she|they)\s+({SPEECH_VERBS})\b", after, re.IGNORECASE):
        return None
    verb_after = re.match(rf"[\s,]*({SPEECH_VERBS})\s+({_NAME.pattern})", after)
    if verb_after:
        # "said Kestrel coach Graham Pettit": the name after the role, not the team before it.
        role_name = _ROLE_THEN_NAME.match(after, verb_after.start(2))
        names = find_names(role_name.group(1) if role_name else verb_after.group(2))
        return names[0] if names else None
    name_after = re.match(rf"[\s,]*({_NAME.pattern})\s+({SPEECH_VERBS})\b", after)
    if name_after:
        names = find_names(name_after.group(1))
        return names[0] if names else None
    return None


def _is_person_like(name: str) -> bool:
    words = name.split()
    return bool(words) and (words[0].lower() in TITLES or len(words) <= 4)


def _looks_like_person(name: str, text: str) -> bool:
    """A name that speaks, carries a title or is described ("X is a historian") is a person."""
    words = [w.lower() for w in name.split()]
    if all(w in TITLES for w in words):
        return False  # "Prime Minister" alone names an office, not a person
    if words[0] in CALENDAR:
        return False  # "in December, the founder laughed"
    if words[0] in TITLES:
        return True
    if re.search(rf"{re.escape(name)}(\s+(is|was)\s+(a|an)|,\s+(who|a|an|the))\b", text):
        return True  # "X is a historian", "X, who runs a bakery,", "X, the engineer,"
    # "X said", "X, the engineer who led the study, told", "X, who has run a bakery, said"
    appositive = r"(?:,[^,.;:]{1,100},|,)?\s+(?:\w+ly\s+)?(?:who\s+)?(?:has\s+|had\s+)?"
    return bool(re.search(rf"{re.escape(name)}{appositive}({SPEECH_VERBS})\b", text))
