"""Checks on what users send, with messages that say what was wrong and how to fix it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from bot.errors import InputError

DEFAULT_MAX_CHARS = 2000
MAX_TURNS = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_question(text: Any, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The question stripped of surrounding space; raises ``InputError`` if it can't be asked."""
    if not isinstance(text, str):
        raise InputError(f"the question must be text, not {type(text).__name__}")
    if (match := _CONTROL.search(text)) is not None:
        raise InputError(
            f"the question contains a control character (U+{ord(match.group()):04X} at position "
            f"{match.start()}); remove it and ask again"
        )
    text = unicodedata.normalize("NFC", text).strip()
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
    cleaned = []
    for number, message in enumerate(messages[-MAX_TURNS:], start=1):
        if not isinstance(message, dict) or "role" not in message or "content" not in message:
            raise InputError(f'history item {number} must be an object with "role" and "content"')
        role, content = message["role"], message["content"]
        if role not in {"user", "assistant", "system"}:
            raise InputError(f'history item {number} has role {role!r}; use "user" or "assistant"')
        if not isinstance(content, str):
            raise InputError(f"history item {number} content must be text")
        if role == "system":
            continue  # users do not get to steer the bot with a system turn
        limit = max_chars if role == "user" else max_chars * 10
        cleaned.append({"role": role, "content": _CONTROL.sub(" ", content)[:limit]})
    return cleaned


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
