"""Checks on what users send, with messages that say what was wrong and how to fix it.

Every entry point (CLI, HTTP API, Gradio API, web chat) goes through these: JSON is parsed with
bounded depth and number size, and questions and history are checked here and nowhere else.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from itertools import accumulate
from operator import sub
from typing import Any

from bot.errors import InputError

DEFAULT_MAX_CHARS = 2000
MAX_TURNS = 50
MAX_HISTORY_CHARS = 100_000  # newest turns kept up to this many characters in all
MAX_JSON_DEPTH = 32
MAX_NUMBER_CHARS = 40  # longer numbers are not something a chat request needs
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Lone surrogates (from "\ud800" in JSON or surrogateescape) and noncharacters break tokenizers
# and UTF-8 encoders downstream.
_INVALID = re.compile("[\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")  # invisible: "Pow\u200bell" is "Powell"
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
# Brackets outside strings as "(" and ")", everything else dropped: bytes.translate does it in C.
_AS_PARENS = bytes.maketrans(b"[{]}", b"(())")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_PAREN_RUNS = re.compile(rb"\(+|\)+")
MANY_RUNS = 1_000  # past this many runs of brackets, innermost pairs are removed before summing runs


def scrub(text: str) -> str:
    """``text`` with invalid code points replaced by U+FFFD, safe to encode and send back."""
    return _INVALID.sub("\ufffd", text)


def parse_json(
    raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH, max_number_chars: int = MAX_NUMBER_CHARS
) -> Any:
    """JSON from a user, refused with ``InputError`` when not UTF-8, not JSON, too deep or with huge numbers.

    Messages complete "the body is ..." or "line 3 is ..." at the edges.

    The depth is counted before parsing (``json`` recurses once per level), numbers while parsing
    (a 5,000-digit integer costs quadratic time to convert).
    """
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 (bad byte at {exc.start})") from None
    if (depth := json_depth(raw, limit=max_depth)) > max_depth:
        raise InputError(f"JSON nested {depth:,} levels deep, over the limit of {max_depth}")

    def number(kind: type) -> Any:
        def convert(text: str) -> Any:
            if len(text) > max_number_chars:
                raise InputError(
                    f"JSON with a {len(text):,}-character number, over the limit of {max_number_chars}"
                )
            return kind(text)

        return convert

    def constant(name: str) -> Any:
        raise InputError(f"JSON with {name}, which is not a number JSON allows")

    try:
        return json.loads(raw, parse_int=number(int), parse_float=number(float), parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None


def json_depth(text: str, *, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep ``text`` nests its brackets (none inside strings count), in a few scans done in C.

    The depth is summed over runs of brackets ("((((" and "))))"), so the 100,000-deep document
    costs two runs, not 200,000 steps. A document of many small runs first loses its innermost
    pairs, one level a pass (``bytes.replace``), at most ``limit`` passes. Exact for balanced
    brackets; unbalanced ones are not JSON and are refused either way.
    """
    parens = _JSON_STRING.sub("", text).encode("utf-8", "surrogatepass").translate(_AS_PARENS, _NOT_BRACKETS)
    passes = 0
    while passes <= limit and parens.count(b")(") > MANY_RUNS:
        parens = parens.replace(b"()", b"")
        passes += 1
    runs = _PAREN_RUNS.findall(parens)
    if runs[:1] and runs[0].startswith(b")"):
        runs.insert(0, b"")  # runs alternate: opening ones at even places
    opened, closed = accumulate(map(len, runs[0::2])), accumulate(map(len, runs[1::2]), initial=0)
    return passes + max(max(map(sub, opened, closed), default=0), 0)


def clean_question(text: Any, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The question stripped of surrounding space; raises ``InputError`` if it can't be asked."""
    if not isinstance(text, str):
        raise InputError(f"the question must be text, not {type(text).__name__}")
    if (match := _INVALID.search(text)) is not None:
        raise InputError(
            f"the question contains an invalid character (U+{ord(match.group()):04X} at position "
            f"{match.start()}, not a real letter); retype it and ask again"
        )
    if (match := _CONTROL.search(text)) is not None:
        raise InputError(
            f"the question contains a control character (U+{ord(match.group()):04X} at position "
            f"{match.start()}); remove it and ask again"
        )
    text = unicodedata.normalize("NFC", _ZERO_WIDTH.sub("", text)).strip()
    if not text:
        raise InputError("the question is empty; type a question about the article")
    if len(text) > max_chars:
        raise InputError(
            f"the question is {len(text):,} characters, over the limit of {max_chars:,}; shorten it"
        )
    return text


def clean_history(messages: Any, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[dict[str, str]]:
    """Earlier turns as ``{"role", "content"}`` dicts; only user and assistant turns are kept."""
    if messages is None:
        return []
    if not isinstance(messages, Sequence) or isinstance(messages, str):
        raise InputError('history must be a list of {"role", "content"} objects')
    cleaned: list[dict[str, str]] = []
    total = 0
    recent = list(messages[-MAX_TURNS:])
    for number, message in reversed(list(enumerate(recent, start=len(messages) - len(recent) + 1))):
        if not isinstance(message, dict) or "role" not in message or "content" not in message:
            raise InputError(f'history item {number} must be an object with "role" and "content"')
        role, content = message["role"], message["content"]
        if not isinstance(role, str):
            raise InputError(
                f"history item {number} has a role that is {type(role).__name__}, not text; "
                'use "user" or "assistant"'
            )
        if role not in {"user", "assistant", "system"}:
            raise InputError(f'history item {number} has role {role[:40]!r}; use "user" or "assistant"')
        if not isinstance(content, str):
            raise InputError(f"history item {number} content must be text")
        if role == "system":
            continue  # users do not get to steer the bot with a system turn
        limit = max_chars if role == "user" else max_chars * 10
        text = _ZERO_WIDTH.sub("", scrub(_CONTROL.sub(" ", content)))[:limit]
        total += len(text)
        if total > MAX_HISTORY_CHARS:
            break  # the oldest turns go first: they matter least to a follow-up
        cleaned.append({"role": role, "content": text})
    return cleaned[::-1]


def split_messages(messages: Any, *, max_chars: int = DEFAULT_MAX_CHARS) -> tuple[str, list[dict[str, str]]]:
    """OpenAI-style messages -> (last user question, the turns before it)."""
    if not isinstance(messages, list) or not messages:
        raise InputError('messages must be a non-empty list of {"role", "content"} objects')
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "user":
        raise InputError("messages must end with a user message (the question)")
    return clean_question(last.get("content"), max_chars=max_chars), clean_history(
        messages[:-1], max_chars=max_chars
    )
