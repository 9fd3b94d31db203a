"""Builds the heavy parts (model, Chroma client, index) from settings: the one place that does."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.chat_models import EXTRACTIVE, chat_model, model_name
from bot.library import Library
from bot.service import ChatService, open_reading_service, open_service
from index.article import read_article
from index.catalog import DEFAULT_READING, Catalog, Reading, check_name
from index.embeddings import SentenceEmbeddings, resolve_model
from index.errors import IndexUnavailable, UnknownReading
from index.lock import BuildLock, CatalogLock, FileLock
from index.onnx_embeddings import OnnxEmbeddings
from index.onnx_export import exportable
from index.query_cache import CachedEmbeddings
from index.store import open_client, remove_reading
from ui.settings import Settings


def say(message: str) -> None:
    """What indexing is doing, on stderr (stdout stays the command's output)."""
    print(f"article-chat: {message}", file=sys.stderr, flush=True)


def open_from_settings(
    settings: Settings,
    *,
    progress: bool = False,
    rebuild: bool = False,
    reading: str | None = None,
    path: Path | None = None,
) -> ChatService:
    """The service of a reading: ``reading`` by name from the catalog, or (with none named, or
    with ``path``) the article file indexed as that reading, built first if needed.

    The default reading is ``settings.article`` (the packaged article unless set). A build
    shows its progress on stderr, so `ask` never re-embeds silently; ``progress`` also stores
    what is derived from the article (`index` and `serve`).
    """
    answerer = _answerer(settings)  # a bad model spec fails before any indexing
    name = check_name(reading) if reading is not None else DEFAULT_READING
    by_name = reading is not None and path is None
    # A file is read (and refused if bad) before anything heavy is opened.
    article = (
        None if by_name else read_article(path or settings.article, max_bytes=settings.max_article_bytes)
    )
    client = _client(settings, move_broken_aside=rebuild)
    embeddings = embeddings_from_settings(settings)
    if by_name and not rebuild:
        return open_reading_service(
            name, client=client, embeddings=embeddings, max_chars=settings.max_question_chars, **answerer
        )
    if article is None:  # `index --rebuild --name NAME`: from the file it was last indexed from
        source = _stored_source(client, name)
        if source is None:
            raise UnknownReading(
                f"reading {name!r} has no file to rebuild from; give it: index FILE --name {name}"
            )
        article = read_article(source, max_bytes=settings.max_article_bytes)
    service = open_service(
        article,
        client=client,
        embeddings=embeddings,
        max_chars=settings.max_question_chars,
        batch_size=settings.index_batch_size,
        progress=True,  # the bar shows only when something is embedded
        rebuild=rebuild,
        reading=name,
        lock=build_lock(settings, client),
        on_status=say,
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


def rebuild_from_settings(
    settings: Settings, *, reading: str | None = None, path: Path | None = None
) -> ChatService:
    """Build the index afresh; a local index that cannot be opened is kept aside, not deleted."""
    return open_from_settings(settings, progress=True, rebuild=True, reading=reading, path=path)


def build_lock(settings: Settings, client: Any) -> BuildLock:
    """A lock file under the data dir; with a Chroma server, a lock record in its catalog."""
    return CatalogLock(Catalog(client)) if settings.chroma_url else FileLock(settings.home / "locks")


def open_library(settings: Settings, default: ChatService) -> Library:
    """Every indexed reading, ``default`` (already open) answering requests that name none."""
    # The same client and model as the default reading: one ONNX session for every reading.
    derived = default.index.derived
    client = derived.client if derived else _client(settings, move_broken_aside=False)
    embeddings = default.index.embeddings
    answerer = _answerer(settings)

    def open_entry(entry: Reading) -> ChatService:
        return open_reading_service(
            entry.name,
            client=client,
            embeddings=embeddings,
            max_chars=settings.max_question_chars,
            **answerer,
        )

    name = default.reading or DEFAULT_READING
    return Library(catalog=Catalog(client), open_service=open_entry, default=name, services={name: default})


def index_reading(settings: Settings, name: str, path: Path, *, like: ChatService) -> str:
    """Index the file ``path`` as reading ``name`` (as `index PATH --name NAME` does) with the model
    and client ``like`` uses, so a running server loads no second model; a line on what was built."""
    article = read_article(path, max_bytes=settings.max_article_bytes)
    derived = like.index.derived
    client = derived.client if derived else _client(settings, move_broken_aside=False)
    service = open_service(
        article,
        client=client,
        embeddings=like.index.embeddings,
        max_chars=settings.max_question_chars,
        batch_size=settings.index_batch_size,
        reading=check_name(name),
        lock=build_lock(settings, client),
        on_status=say,
        **_answerer(settings),
    )
    service.warm_up()
    return f"{len(article.paragraphs)} paragraphs, {len(service.index.chunks)} passages"


def list_readings(settings: Settings) -> list[Reading]:
    return Catalog(_client(settings, move_broken_aside=False)).readings()


def remove_from_settings(settings: Settings, name: str) -> Reading:
    client = _client(settings, move_broken_aside=False)
    return remove_reading(check_name(name), client=client, lock=build_lock(settings, client))


def _stored_source(client: Any, name: str) -> Path | None:
    """The file a reading was last indexed from, to rebuild it by name alone."""
    entry = Catalog(client).get(name)
    stored = Catalog(client).text(entry.build) if entry and entry.build else None
    return Path(stored[2]) if stored and stored[2] else None


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
