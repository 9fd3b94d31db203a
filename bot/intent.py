"""Questions about the article as a whole: what it is about, who wrote it."""

from __future__ import annotations

import re

from bot.text import content_stems, stem

_ARTICLE = re.compile(r"\b(article|author|writer|essay|piece|op-?ed|text|story|column)\b", re.IGNORECASE)
_SUMMARY_REQUEST = re.compile(
    r"^\W*(please\s+)?(summari[sz]e|sum up|(give|write|make)( me)? (a |an )?(short |brief |quick )?"
    r"(summary|overview|gist))",
    re.IGNORECASE,
)
# Words that ask for the gist rather than for a fact.
_GIST_WORDS = {
    stem(w)
    for w in """about main argument arguments point points thesis claim claims idea ideas summary
    summarize summarise overview gist position view views stance opinion key central propose
    proposal proposes conclusion conclude recommend recommendation believe argue argues
    overall topic subject message takeaway piece essay author writer article text op ed
    basically""".split()
}
_AUTHOR = re.compile(
    r"\bwho\b.{0,20}\b(wrote|writes|written|authored|penned)\b|\bwho is the (author|writer)\b|"
    r"\b(author|writer)'?s? name\b|\bwho('s| is) (it|this|the article) by\b",
    re.IGNORECASE,
)


def is_author_question(question: str) -> bool:
    """ "Who wrote this?", "Who is the author?"."""
    return bool(_AUTHOR.search(question))


def is_gist_question(question: str) -> bool:
    """ "What is this article about?", "Summarize it", "What does the author propose?"."""
    if _SUMMARY_REQUEST.match(question):
        return True
    if not _ARTICLE.search(question):
        return False
    return all(s in _GIST_WORDS for s in content_stems(question))
