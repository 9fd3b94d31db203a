"""Follow-ups: turn "What did he say?" into a question that stands alone for retrieval."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from bot.text import content_stems
from index.chunks import find_names

_PERSON_PRONOUN = re.compile(r"\b(he|she|him|her|his|hers|himself|herself)\b", re.IGNORECASE)
_OTHER_REFERENCE = re.compile(
    r"\b(it|its|they|them|their|theirs|this|that|these|those|there|then|such|so|the same)\b",
    re.IGNORECASE,
)
_ELLIPTIC_START = re.compile(
    r"^\s*(and|but|so|then|also|what about|how about|what else|anything else|what if|and if|or)\b",
    re.IGNORECASE,
)
_BARE = re.compile(r"^\W*(why|how|how so|why not|really|when|where|who|what)\W*$", re.IGNORECASE)
# "Who replaced Finch?" asks for a person; "Who is Finch?" is about the one it names.
_WHO = re.compile(r"^\W*(?i:who|whom)\b(?!\s+(?:is|was|are|were)\s+[A-Z])")
_SHORT = 4  # content words; a question this bare usually leans on the one before


def needs_context(question: str) -> bool:
    """True when the question leans on earlier turns (pronouns, ellipsis, a bare "Why?")."""
    if _PERSON_PRONOUN.search(question):
        return True
    if _BARE.match(question):
        return True
    bare = len(content_stems(question)) <= _SHORT
    return bare and bool(_OTHER_REFERENCE.search(question) or _ELLIPTIC_START.match(question))


def standalone_query(
    question: str, history: Sequence[dict[str, str]], *, people: Collection[str] = ()
) -> str:
    """The retrieval query for ``question`` given earlier ``{"role", "content"}`` messages.

    A person pronoun is replaced by the last person named in the conversation (one of the
    article's ``people``); any other dependent question carries the previous user question
    along so its topic is searched too.
    """
    turns = [i for i, m in enumerate(history) if m.get("role") == "user" and m.get("content")]
    if not turns or not needs_context(question) or _names_its_person(question, people):
        return question
    # Earlier follow-ups stand alone first, so a third "he" finds who the second one meant.
    previous = [standalone_query(history[i]["content"], history[:i], people=people) for i in turns]
    last_question = _without_carried(previous[-1])
    last_answer = [m["content"] for m in history[-1:] if m.get("role") == "assistant"]
    # "Who replaced Finch?" -> "Ortiz did." -> "What did she say?": the person the answer named.
    order = [*last_answer, last_question] if _WHO.match(last_question) else [last_question, *last_answer]
    person = _first_person([*order, *reversed(previous[:-1])], people)
    if person and _PERSON_PRONOUN.search(question):
        rewritten = _PERSON_PRONOUN.sub(lambda m: _possessive(person, m.group(0)), question, count=1)
        if not needs_context(rewritten):
            return rewritten
        return f"{rewritten} ({last_question})"
    return f"{question} ({last_question})"


def _without_carried(query: str) -> str:
    """A rewritten query without the earlier question it carried along in parentheses."""
    return re.sub(r"\s*\([^()]*\)$", "", query) if query.endswith(")") else query


def _names_its_person(question: str, people: Collection[str]) -> bool:
    """ "Who is Sistani and why does he matter?": the pronoun points back into the question itself."""
    pronoun = _PERSON_PRONOUN.search(question)
    return pronoun is not None and _first_person([question[: pronoun.start()]], people) is not None


def _first_person(texts: Sequence[str], people: Collection[str]) -> str | None:
    """The first name of a known person found, searching ``texts`` in order of preference."""
    known = {w.lower() for person in people for w in person.split()}
    for text in texts:
        for name in _names_in(text):
            if {w.lower() for w in name.split()} & known:
                return name
    return None


def _names_in(text: str) -> list[str]:
    # A capitalised first word is only a name if it is not the question word itself.
    return [n for n in find_names(text) if n.lower() not in {"what", "who", "why", "how", "when"}]


def _possessive(name: str, pronoun: str) -> str:
    return f"{name}'s" if pronoun.lower() in {"his", "hers"} else name
