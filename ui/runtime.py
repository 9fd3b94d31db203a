"""Builds the heavy parts (model, Chroma client, index) from settings: the one place that does."""

from __future__ import annotations

import time
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.chat_models import EXTRACTIVE, chat_model, model_name
from bot.service import ChatService, open_service
from index.article import read_article
from index.embeddings import SentenceEmbeddings, resolve_model
from index.errors import IndexUnavailable
from index.onnx_embeddings import OnnxEmbeddings
from index.onnx_export import exportable
from index.query_cache import CachedEmbeddings
from index.store import open_client
from ui.settings import Settings


def open_from_settings(settings: Settings, *, progress: bool = False, rebuild: bool = False) -> ChatService:
    """Read the article, open Chroma (on disk or a server), index if needed, return the service."""
    answerer = _answerer(settings)  # a bad model spec fails before any indexing
    article = read_article(settings.article, max_bytes=settings.max_article_bytes)
    client = _client(settings, move_broken_aside=rebuild)
    service = open_service(
        article,
        client=client,
        embeddings=embeddings_from_settings(settings),
        max_chars=settings.max_question_chars,
        batch_size=settings.index_batch_size,
        progress=progress,
        rebuild=rebuild,
        **answerer,
    )
    if progress:
        # `index` and `serve`: store what is derived from the article (word vectors, starter
        # questions) with the index now, so later starts and one-off questions only read it.
        service.warm_up()
    return service


def embeddings_from_settings(settings: Settings) -> Embeddings:
    """The model behind queries and indexing, with an LRU cache of query vectors.

    ONNX Runtime when the model is a plain transformer + pooling (the packaged MiniLM is): its
    ONNX export is made once, with torch, into ``<home>/models/<fingerprint>/``, and every later
    process embeds without importing torch. Any other model keeps sentence-transformers.
    """
    model = settings.embedding_model
    inner: Embeddings = (
        OnnxEmbeddings(model, cache_dir=settings.home / "models")
        if exportable(resolve_model(model))
        else SentenceEmbeddings(model)
    )
    return CachedEmbeddings(inner)


def _answerer(settings: Settings) -> dict[str, Any]:
    """The chat model named by ``ARTICLE_CHAT_LLM`` and how to use it; nothing for "extractive"."""
    if settings.llm.strip().lower() == EXTRACTIVE:
        return {}
    return {
        "model": chat_model(settings.llm, timeout=settings.llm_timeout),
        "model_name": model_name(settings.llm),
        "unsupported": settings.unsupported,
        "timeout": settings.llm_timeout,
    }


def rebuild_from_settings(settings: Settings) -> ChatService:
    """Build the index afresh; a local index that cannot be opened is kept aside, not deleted."""
    return open_from_settings(settings, progress=True, rebuild=True)


def _client(settings: Settings, *, move_broken_aside: bool) -> Any:
    if settings.chroma_url:
        return open_client(url=settings.chroma_url)
    try:
        return open_client(path=settings.chroma_path)
    except IndexUnavailable:
        if not move_broken_aside:
            raise
        path = settings.chroma_path
        path.rename(path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}"))
        return open_client(path=path)
