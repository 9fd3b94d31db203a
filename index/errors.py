"""Errors raised while reading an article or using its index; messages name the value and the fix."""

from __future__ import annotations


class ArticleChatError(Exception):
    """Base of every error this project raises on purpose."""


class ArticleError(ArticleChatError):
    """The article file is missing, unreadable, binary, too large or empty."""


class IndexUnavailable(ArticleChatError):
    """The Chroma index cannot be opened, read or written (corrupt files, dead server)."""


class EmbeddingError(ArticleChatError):
    """The embedding model cannot be found or loaded."""


class ReadingNameError(ArticleChatError):
    """A reading name that is not a short slug."""


class UnknownReading(ArticleChatError):
    """No reading of that name is indexed; the message lists the ones that are."""


class IndexBusy(ArticleChatError):
    """Another process holds the build lock of a reading past the wait; the message names it."""
