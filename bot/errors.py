"""The errors this project raises on purpose; the edges (CLI, web) turn them into messages."""

from __future__ import annotations

from index.errors import ArticleChatError, ArticleError, EmbeddingError, IndexUnavailable

__all__ = [
    "AnswererUnavailable",
    "ArticleChatError",
    "ArticleError",
    "EmbeddingError",
    "IndexUnavailable",
    "InputError",
]


class InputError(ArticleChatError):
    """A question or conversation the bot cannot take: empty, too long, control characters."""


class AnswererUnavailable(ArticleChatError):
    """The language model behind an LLM answerer is down or answered garbage."""
