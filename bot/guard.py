"""Spots messages that try to give the bot instructions instead of asking about the article."""

from __future__ import annotations

import re

from bot.intent import is_gist_question
from bot.text import normalize

# Each pattern is a family of attempts, not one phrasing: override, role-play, prompt leaks,
# fake chat markup, and "say X" output control.
_INJECTION = [
    r"\b(ignore|disregard|forget|override|bypass|skip)\b.{0,40}\b(instructions?|rules?|prompts?|"
    r"guidelines?|article|context|constraints?|restrictions?|above|previous|prior|everything)\b",
    r"\b(you are|you're)\s+(now|no longer|not an?|free|unrestricted|dan)\b",
    # Role-play as an order ("Act as ...", "You must pretend ..."), not "acting as a mediator".
    r"(^|[.!?:;]\s*|\byou\s+(must|should|will|shall|can|need to|have to)?\s*|\bplease\s+)"
    r"(act as|pretend|role-?play|behave like|simulate|impersonate)\b",
    r"\bfrom now on\b",
    r"\b(no|without|free of|free from) "
    r"(restrictions|rules|limits|limitations|filters|guidelines|censorship)\b",
    r"\bas an? (ai|assistant|language model|chatbot|llm)\b",
    r"\brepeat after me\b",
    # An order to produce given output: "Print the word HACKED", "Say something nice about ...".
    r"^\W*(print|type|output|echo)\b|^\W*say\s+([\"'“]|the word|something|that you|you\b)",
    r"\b(reveal|show|print|repeat|output|display|leak|tell me|what (is|are))\b.{0,30}"
    r"\b(your\s+(system\s+)?|the\s+system\s+|(the|your)\s+(hidden|secret|initial|original)\s+)"
    r"(prompt|instructions|rules|configuration|guidelines|message)\b",
    r"\b(jailbreak|developer mode|dan mode|do anything now|sudo mode|god mode)\b",
    r"(^|\n)\s*(system|assistant|developer)\s*:",
    r"<\|?(im_start|im_end|system|endoftext)\|?>|\[/?inst\]|###\s*(instruction|system)",
    r"\b(say|print|output|write|respond with|reply with|answer with|type)\b\s*[\"'`]?[\w !.-]{1,30}"
    r"[\"'`]?\s*(and nothing else|only|instead|verbatim|exactly)\b",
    r"\binstead\b.{0,30}\b(say|print|write|output|tell|respond|answer)\b",
    r"\bnew (instructions?|rules?|task|persona)\b",
]
_INJECTION_RE = re.compile("|".join(f"(?:{p})" for p in _INJECTION), re.IGNORECASE)

_ABOUT_ARTICLE = re.compile(r"\b(article|author|essay|text|piece|op-?ed|passage|paragraph)\b", re.I)
_MAKING = re.compile(
    r"\b(translate|translation|poem|story|song|joke|limerick|haiku|rap|code|program|script|tweet)\b", re.I
)
# Requests for the bot's own views, which the article cannot answer.
_OPINION = re.compile(
    r"\byour (own )?(opinion|view|views|thoughts|take|feelings?|stance)\b|"
    r"\bdo you (personally )?(agree|disagree|believe|like|support|prefer)\b|\bif you were\b",
    re.IGNORECASE,
)
# Requests for work other than answering from the article.
_TASK = re.compile(
    r"^\s*(please\s+)?(write|compose|generate|create|draft|translate|code|program|implement|"
    r"give me (a|an|some)\s+(recipe|joke|poem|story|song|list of)|tell me (a|an)\s+"
    r"(joke|story|poem)|sing|draw|calculate|solve)\b",
    re.IGNORECASE,
)


def is_injection(question: str) -> bool:
    """True for attempts to change the bot's rules, role or output."""
    return bool(_INJECTION_RE.search(normalize(question)))


def is_other_task(question: str) -> bool:
    """True for requests to write, translate or compute something, or for the bot's opinion,
    rather than questions about what the article says. Asking for its gist is not one."""
    if _OPINION.search(question):
        return True
    if not _TASK.search(question) or is_gist_question(question):
        return False
    # "Write down who wrote the article" asks about it; "Translate the article" does not.
    return not _ABOUT_ARTICLE.search(question) or bool(_MAKING.search(question))
