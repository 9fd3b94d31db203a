"""Follow-ups: turn "What did he say?" into a question that stands alone for retrieval."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence

from bot.text import QUESTION_WORDS, SEQUENCE_WORDS, STOPWORDS, content_stems, is_plural, stem, words
from index.chunks import Chunk, find_names
from index.genders import AUXILIARIES, PERSON_PRONOUN, QUOTED, SHE, pronoun_votes

_OTHER_REFERENCE = re.compile(
    r"\b(it|its|they|them|their|theirs|this|that|these|those|there|then|such|so|the same)\b",
    re.IGNORECASE,
)
# "How many people belong these days?", "killed so far": no reference back.
_IDIOMS = re.compile(r"\b(these days|so far|so (much|many)|or so|even so|and so on)\b", re.IGNORECASE)
_ELLIPTIC_START = re.compile(
    r"^\s*(and|but|so|then|also|what about|how about|what else|anything else|what if|and if|or)\b",
    re.IGNORECASE,
)
# "Does Nora agree?": a verb of stance whose object is what the last turn was about.
_STANCE = re.compile(r"\b(agree|disagree|approve|object|mind|care|think so|feel the same)\W*$", re.IGNORECASE)
_BARE = re.compile(r"^\W*(why|how|how so|why not|really|when|where|who|what)\W*$", re.IGNORECASE)
# "Who replaced Finch?" asks for a person; "Who is Finch?" is about the one it names.
_WHO = re.compile(r"^\W*(?i:who|whom)\b(?!\s+(?:is|was|are|were)\s+[A-Z])")
# "Did Feltham have any children?" -> "a daughter named Ruth" -> "What did she do?": Ruth.
_KIN_ASKED = re.compile(
    r"\b(children|child|kids|sons?|daughters?|brothers?|sisters?|siblings?|wife|husband|spouse|"
    r"partner|parents|mother|father|family|married|marry)\b",
    re.IGNORECASE,
)
# "Who is Gareth?", "What is the Saturday club?", "Tell me about the second screen.": the thing
# asked about.
_ABOUT = re.compile(
    r"^\W*(?:(?:who|what)\s+(?:is|was|are|were)|tell\s+me\s+about|what\s+about|how\s+about)\s+"
    r"(?P<thing>[^?]+?)\s*[.?!]?\s*$",
    re.IGNORECASE,
)
# "When did the Regent reopen?": the named subject after the auxiliary.
_SUBJECT = re.compile(
    r"^\W*(?:\w+\s+){0,2}?(?i:did|does|do|is|was|are|were|has|have|had|will|would|can)\s+"
    r"(?P<thing>(?:the\s+)?[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)"
)
# "her brother": a "her" before a noun owns it; "ask her about" does not.
_HER_OWNS = re.compile(r"\bher\s+(?!about|to|for|from|with|at|in|on|of|that|if|and|or|\W|$)", re.IGNORECASE)
_PLURAL = re.compile(r"\b(they|them|their|theirs)\b", re.IGNORECASE)
_SINGULAR = re.compile(
    r"\b(it|its)\b(?!\s+(?:is|was)\s+(?:worth|true|said|possible|likely)\b)", re.IGNORECASE
)
_MIN_PRONOUNS = 6  # he/she uses before one can be said to dominate an article
_DOMINANT = 2  # times the other pronoun's count
_SHORT = 4  # content words; a question this bare usually leans on the one before
_OWN_TOPIC = 2  # content words of its own beside a resolved person: a topic, not a lean on the last


def needs_context(question: str) -> bool:
    """True when the question leans on earlier turns (pronouns, ellipsis, a bare "Why?")."""
    if PERSON_PRONOUN.search(question):
        return True
    if _BARE.match(question) or not _own_words(question):  # "By when?", "For how long?"
        return True
    bare = len(content_stems(question)) <= _SHORT
    leaning = (
        _OTHER_REFERENCE.search(_IDIOMS.sub(" ", question))
        or _ELLIPTIC_START.match(question)
        or _STANCE.search(question)
    )
    return bare and bool(leaning)


def article_people(chunks: Sequence[Chunk]) -> list[str]:
    """The article's people, the most often named (or quoted) first."""
    counted = Counter(p for chunk in chunks for p in chunk.people)
    return [p for p, _ in counted.most_common()]


def person_genders(chunks: Sequence[Chunk]) -> dict[str, str]:
    """ "he" or "she" for each person the article refers back to with that pronoun (see
    ``index.genders.pronoun_votes``), and the pronoun of the person it narrates."""
    genders = pronoun_votes([(c.paragraph, c.text) for c in chunks], find_names)
    if main := narrated_subject(chunks):
        genders.setdefault(*main)
    return genders


def narrated_subject(chunks: Sequence[Chunk]) -> tuple[str, str] | None:
    """The article's most named person and their pronoun, when that pronoun dominates the
    narration: an interview's subject is "she" all through, rarely right after her full name."""
    narrated = [QUOTED.sub(" ", c.text) for c in chunks if not c.quotes]  # a quote's middle too
    outside = Counter(
        "she" if m.group(0).lower() in SHE else "he"
        for text in narrated
        for m in PERSON_PRONOUN.finditer(text)
    )
    (pronoun, n), *rest = outside.most_common() or [("", 0)]
    people = article_people(chunks)
    if not people or n < _MIN_PRONOUNS or n < _DOMINANT * (rest[0][1] if rest else 0):
        return None
    return people[0], pronoun


def standalone_query(
    question: str,
    history: Sequence[dict[str, str]],
    *,
    people: Collection[str] = (),
    genders: Mapping[str, str] | None = None,
    subject: str | None = None,
) -> str:
    """The retrieval query for ``question`` given earlier ``{"role", "content"}`` messages.

    A person pronoun becomes the person the last question was about (or, after "Who ...?", the
    one its answer named), skipping people whose pronoun (``genders``, from ``person_genders``)
    is the other one, else the article's ``subject`` (``narrated_subject``) when the pronoun is
    theirs; "they"/"it" become the
    thing the last question asked about. What still leans on the last question carries it
    along: whole for a bare "Why?", "And the second one?" or "Does Nora agree?", only its words
    the new question lacks otherwise.
    """
    turns = [i for i, m in enumerate(history) if m.get("role") == "user" and m.get("content")]
    if not turns or not needs_context(question) or _names_its_person(question, people):
        return question
    genders = genders or {}
    # Earlier follow-ups stand alone first, so a third "he" finds who the second one meant.
    previous = [
        standalone_query(history[i]["content"], history[:i], people=people, genders=genders, subject=subject)
        for i in turns
    ]
    last_question = _without_carried(previous[-1])
    answers = _answers(history, turns)
    last_answer = [a for a in answers[-1:] if a]
    rewritten, resolved = question, ""
    if pronoun := PERSON_PRONOUN.search(question):
        # "Who replaced Finch?" -> "Ortiz did." -> "What did she say?": the person the answer named.
        # "Did she have children?" -> "a daughter, Ruth" -> "What did she become?": likewise.
        named_in_answer = _WHO.match(last_question) or _KIN_ASKED.search(last_question)
        order = [*last_answer, last_question] if named_in_answer else [last_question, *last_answer]
        wanted = "she" if pronoun.group(0).lower() in SHE else "he"
        # Then earlier turns, latest first, each question before its answer.
        earlier = [text for pair in zip(previous[:-1], answers[:-1], strict=True) for text in pair]
        person = _first_person([*order, *reversed(earlier)], people, genders, wanted)
        if person is None and subject and _gender(subject, genders, people) == wanted:
            person = subject  # nobody in the conversation: the person the article is about
        if person:
            rewritten = _put_person(question, person, pronoun)
            resolved = wanted
    thing = _thing_asked_about(last_question)
    if thing and not _names_in(rewritten) and not _is_person(thing, people):
        rewritten = _put_thing(rewritten, thing)
    if not needs_context(_without_pronouns(rewritten, resolved)):
        return rewritten
    if resolved and len(_own_words(question)) >= _OWN_TOPIC and not _ELLIPTIC_START.match(question):
        return rewritten  # "Why did she say the grant was worth it?": its person and its own topic
    if _ELLIPTIC_START.match(question) or _STANCE.search(question) or not _own_words(question):
        # "And the second one?" then "By when?": what the last one leaned on too.
        return f"{rewritten} ({previous[-1].replace(' (', ' ').rstrip(')')})"
    # The last question's own words (not a name put in for its pronoun), or what it carried
    # itself when it had none ("Why?").
    typed = history[turns[-1]]["content"]
    carried = _missing_words(typed if _own_words(typed) else previous[-1], rewritten)
    return f"{rewritten} ({carried})" if carried else rewritten


def _answers(history: Sequence[dict[str, str]], turns: Sequence[int]) -> list[str]:
    """The assistant's reply to each user turn ("" where there is none)."""
    replies = []
    for i in turns:
        reply = history[i + 1] if i + 1 < len(history) else {}
        replies.append(reply.get("content", "") if reply.get("role") == "assistant" else "")
    return replies


def _without_carried(query: str) -> str:
    """A rewritten query without the earlier question it carried along in parentheses."""
    return re.sub(r"\s*\([^()]*\)$", "", query) if query.endswith(")") else query


def _names_its_person(question: str, people: Collection[str]) -> bool:
    """ "Who is Sistani and why does he matter?": the pronoun points back into the question itself."""
    pronoun = PERSON_PRONOUN.search(question)
    return pronoun is not None and any(_is_person(n, people) for n in _names_in(question[: pronoun.start()]))


def _first_person(
    texts: Sequence[str], people: Collection[str], genders: Mapping[str, str], wanted: str
) -> str | None:
    """The first person found, searching ``texts`` in order of preference, whose pronoun is
    ``wanted``; one whose pronoun the article never shows if nobody fits."""
    unknown = None
    for text in texts:
        about = _ABOUT.match(text)
        # "Who is Gareth?" asks about a person even one the article never quotes or titles.
        named = [about.group("thing")] if about and _one_person(about.group("thing")) else []
        for name in [*named, *_names_in(text)]:
            if not (_is_person(name, people) or name in named) or f"the {name.lower()}" in text.lower():
                continue  # "the Regent" is a thing
            gender = _gender(name, genders, people)
            if gender == wanted:
                return name
            if gender is None and unknown is None:
                unknown = name
    return unknown


def _one_person(thing: str) -> bool:
    return bool(_names_in(thing)) and not is_plural(thing)


def _is_person(name: str, people: Collection[str]) -> bool:
    known = {w.lower() for person in people for w in person.split()}
    return bool({w.lower() for w in name.split()} & known)


def _gender(name: str, genders: Mapping[str, str], people: Collection[str]) -> str | None:
    """The pronoun of ``name``, or of a fuller mention ("Simon" -> "Simon Vance"), or of a
    shorter one ("Shah" for "Priya Shah") unless two people share it ("Halvorsen")."""
    mine = set(name.split())
    fuller = {g for other, g in genders.items() if mine <= set(other.split())}
    if len(fuller) == 1:
        return fuller.pop()
    shorter = {
        g
        for other, g in genders.items()
        if set(other.split()) < mine
        and not any(set(other.split()) <= set(p.split()) and not set(p.split()) <= mine for p in people)
    }
    return shorter.pop() if len(shorter) == 1 else None


def _names_in(text: str) -> list[str]:
    # A capitalised first word is a name only without the question word or auxiliary before it:
    # "Was Simon keen ...?" names Simon.
    names = []
    for name in find_names(text):
        parts = name.split()
        while parts and (parts[0].lower() in AUXILIARIES or parts[0].lower() in QUESTION_WORDS):
            parts.pop(0)
        if parts:
            names.append(" ".join(parts))
    return names


def _put_person(question: str, person: str, pronoun: re.Match[str]) -> str:
    said = pronoun.group(0).lower()
    owns = said in {"his", "hers"} or (said == "her" and _HER_OWNS.match(question, pronoun.start()))
    return question[: pronoun.start()] + (f"{person}'s" if owns else person) + question[pronoun.end() :]


def _thing_asked_about(question: str) -> str | None:
    """What the last question was about: "Who are the Pryce twins?" -> "the Pryce twins"."""
    about = _ABOUT.match(question)
    if about and not _OTHER_REFERENCE.search(about.group("thing")):
        return about.group("thing")
    subject = _SUBJECT.match(question)
    return subject.group("thing") if subject and not PERSON_PRONOUN.match(subject.group("thing")) else None


def _put_thing(question: str, thing: str) -> str:
    """ "What do they do now?" -> "What do the Pryce twins do now?" when the number fits."""
    pattern = _PLURAL if is_plural(thing) else _SINGULAR
    match = pattern.search(question)
    if not match:
        return question
    owns = match.group(0).lower() in {"its", "their", "theirs"}
    return question[: match.start()] + (f"{thing}'s" if owns else thing) + question[match.end() :]


def _without_pronouns(text: str, resolved: str) -> str:
    """``text`` without the pronouns of the person already put in it ("he ... his")."""
    if not resolved:
        return text
    kind = SHE if resolved == "she" else {"he", "him", "his", "himself"}
    return PERSON_PRONOUN.sub(lambda m: "" if m.group(0).lower() in kind else m.group(0), text)


def _own_words(question: str) -> list[str]:
    skip = STOPWORDS | QUESTION_WORDS | SEQUENCE_WORDS
    return [w for w in words(question) if w not in skip and len(w) > 1]


def _missing_words(earlier: str, query: str) -> str:
    """The earlier question's content words that ``query`` lacks: its topic, not its wording."""
    have = set(content_stems(query))
    missing = [w for w in _own_words(earlier) if stem(w) not in have]
    return " ".join(dict.fromkeys(missing))


def last_answer(history: Sequence[dict[str, str]]) -> str:
    """What the bot said last, or ""."""
    said = [m["content"] for m in history[-1:] if m.get("role") == "assistant"]
    return said[0] if said else ""
