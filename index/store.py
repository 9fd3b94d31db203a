"""Chunks -> embeddings -> a Chroma collection, built once per article version and switched atomically.

A collection is named after a fingerprint of the article text, the embedding model and the
chunker version, and carries ``complete=False`` until every chunk is in. Readers only use a
complete collection, so a build that dies halfway never replaces the index that was serving.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from index.article import Article
from index.article_map import ArticleMap, build_map
from index.chunks import CHUNKER_VERSION, Chunk, chunk_article
from index.derived import DerivedStore, derived_name
from index.errors import ArticleChatError, IndexUnavailable

DEFAULT_BATCH_SIZE = 16
COLLECTION_PREFIX = "article-chat-"
# A sentence that opens with a pronoun is stored twice: alone, and with the sentence it points
# back to ("His latest book is ..." + the sentence naming him). Search keeps the better match.
CONTEXT_SUFFIX = "+context"


def open_client(*, path: str | Path | None = None, url: str | None = None) -> Any:
    """A Chroma client: on-disk at ``path``, or a Chroma server (``chroma run``) at ``url``."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    try:
        if url:
            from urllib.parse import urlparse

            parts = urlparse(url if "://" in url else f"http://{url}")
            client = chromadb.HttpClient(
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 8000,
                ssl=parts.scheme == "https",
                settings=settings,
            )
            client.heartbeat()
            return client
        assert path is not None, "open_client needs a path or a url"
        Path(path).mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=settings)
    except ArticleChatError:
        raise
    except Exception as exc:  # noqa: BLE001 - chromadb raises many kinds; all mean "unusable"
        # Chroma caches clients per path, the broken one too: forget it so a retry starts clean.
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
        where = f"Chroma server at {url}" if url else f"index at {path}"
        fix = (
            "start it with `chroma run` or unset ARTICLE_CHAT_CHROMA_URL"
            if url
            else "run `article-chat index --rebuild` to move it aside and build a fresh one"
        )
        raise IndexUnavailable(f"{where} cannot be opened ({_short(exc)}); {fix}") from None


def fingerprint(article: Article, model_id: str) -> str:
    """Changes when the article text, the embedding model or the chunker changes."""
    digest = hashlib.sha256()
    for part in (article.text, model_id, CHUNKER_VERSION):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass
class Hit:
    """A chunk found by dense search, with its cosine similarity to the query."""

    chunk: Chunk
    similarity: float


class ArticleIndex:
    """A complete Chroma collection for one article version, with the chunks it holds."""

    def __init__(
        self,
        *,
        article: Article,
        chunks: list[Chunk],
        collection: Any,
        embeddings: Embeddings,
        derived: DerivedStore | None = None,
    ):
        self.article = article
        self.chunks = chunks
        self.collection = collection
        self.embeddings = embeddings
        self._by_id = {c.id: c for c in chunks}
        # Word vectors and starter questions, stored beside the index (see index.derived).
        self.derived = derived
        # What a complete collection holds (ensure_index checks it): no count() round trip per query.
        self._records = len(_records(chunks))

    @property
    def name(self) -> str:
        return str(self.collection.name)

    def search(self, query: str | list[float], *, k: int = 8) -> list[Hit]:
        """Chunks nearest to ``query`` (text, or an embedding already computed), best first."""
        vector = self.embeddings.embed_query(query) if isinstance(query, str) else query
        try:
            result = self.collection.query(
                query_embeddings=[vector],
                n_results=max(1, min(2 * k, self._records)),
                include=["distances"],
            )
        except Exception as exc:  # noqa: BLE001
            raise IndexUnavailable(f"searching index {self.name} failed ({_short(exc)})") from None
        best: dict[str, float] = {}
        # Cosine distance in Chroma is 1 - cosine similarity; a chunk's two records count once.
        for record_id, distance in zip(result["ids"][0], result["distances"][0], strict=True):
            chunk_id = record_id.split(CONTEXT_SUFFIX)[0]
            if chunk_id in self._by_id:
                best[chunk_id] = max(best.get(chunk_id, -1.0), 1.0 - float(distance))
        return [Hit(self._by_id[c], similarity) for c, similarity in best.items()][:k]

    @cached_property
    def article_map(self) -> ArticleMap:
        """The article's map, stored with the index; built here for an index stored without one."""
        stored = (self.collection.metadata or {}).get("article_map")
        if isinstance(stored, str):
            try:
                return ArticleMap.from_json(stored)
            except ValueError:
                pass  # another version's map: build this one
        return build_map(self.article, self.chunks, self.vectors())

    def vectors(self) -> dict[str, list[float]]:
        """Each chunk's own embedding (the sentence alone), by chunk id."""
        try:
            result = self.collection.get(ids=[c.id for c in self.chunks], include=["embeddings"])
        except Exception as exc:  # noqa: BLE001
            raise IndexUnavailable(f"reading index {self.name} failed ({_short(exc)})") from None
        return {i: list(map(float, v)) for i, v in zip(result["ids"], result["embeddings"], strict=True)}


def ensure_index(
    article: Article,
    *,
    client: Any,
    embeddings: Embeddings,
    batch_size: int = DEFAULT_BATCH_SIZE,
    rebuild: bool = False,
    progress: bool = False,
    on_batch: Callable[[int, int], None] | None = None,
) -> ArticleIndex:
    """Open the complete index for ``article``, building it first if it is missing or unfinished."""
    from index.chroma_function import ChromaEmbeddingFunction

    model_id = str(getattr(embeddings, "model_id", type(embeddings).__name__))
    fp = fingerprint(article, model_id)
    name = COLLECTION_PREFIX + fp[:32]
    chunks = chunk_article(article)
    function = ChromaEmbeddingFunction(embeddings)
    try:
        existing = _get(client, name, function)
        records = _records(chunks)
        derived = DerivedStore(client, name)
        if existing is not None and not rebuild and _is_complete(existing, len(records)):
            return ArticleIndex(
                article=article, chunks=chunks, collection=existing, embeddings=embeddings, derived=derived
            )
        if existing is not None:
            _delete(client, name)  # an unfinished or damaged build: start over
        metadata = {
            "source": article.location or article.source,
            "fingerprint": fp,
            "model": model_id,
            "chunker": CHUNKER_VERSION,
            "created": time.time(),
            "complete": False,
        }
        collection = client.create_collection(
            name,
            embedding_function=function,
            metadata=metadata,
            configuration={"hnsw": {"space": "cosine"}},
        )
        _add_records(collection, records, embeddings, batch_size, progress, on_batch)
        built = ArticleIndex(article=article, chunks=chunks, collection=collection, embeddings=embeddings)
        metadata["article_map"] = built.article_map.to_json()
        collection.modify(metadata={**metadata, "complete": True})
        _prune_older(client, keep=name, source=article.location or article.source)
    except ArticleChatError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise IndexUnavailable(f"building index {name} failed ({_short(exc)})") from None
    return ArticleIndex(
        article=article, chunks=chunks, collection=collection, embeddings=embeddings, derived=derived
    )


def _get(client: Any, name: str, function: Any) -> Any:
    names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    return client.get_collection(name, embedding_function=function) if name in names else None


def _is_complete(collection: Any, expected: int) -> bool:
    metadata = collection.metadata or {}
    return bool(metadata.get("complete")) and collection.count() == expected


def _records(chunks: list[Chunk]) -> list[tuple[str, Chunk, str]]:
    """(record id, chunk, text to embed) for every vector the collection holds."""
    records = [(c.id, c, c.text) for c in chunks]
    records += [(c.id + CONTEXT_SUFFIX, c, c.search_text) for c in chunks if c.context]
    return records


def _add_records(
    collection: Any,
    records: list[tuple[str, Chunk, str]],
    embeddings: Embeddings,
    batch_size: int,
    progress: bool,
    on_batch: Callable[[int, int], None] | None,
) -> None:
    from tqdm import tqdm

    bar = tqdm(total=len(records), desc="embedding", unit="passage", disable=not progress)
    for start in range(0, len(records), batch_size):
        batch = records[start : start + batch_size]
        collection.add(
            ids=[record_id for record_id, _, _ in batch],
            documents=[chunk.text for _, chunk, _ in batch],
            embeddings=embeddings.embed_documents([text for _, _, text in batch]),
            metadatas=[chunk.metadata() for _, chunk, _ in batch],
        )
        bar.update(len(batch))
        if on_batch:
            on_batch(start + len(batch), len(records))
    bar.close()


def _prune_older(client: Any, *, keep: str, source: str) -> None:
    """Drop finished indexes of earlier versions of the same article (same file path), except
    the newest of them: a server started before this build may still be answering from it."""
    older = []
    for collection in client.list_collections():
        name = collection if isinstance(collection, str) else collection.name
        if name == keep or not name.startswith(COLLECTION_PREFIX):
            continue
        metadata = client.get_collection(name).metadata or {}
        if metadata.get("source") == source and metadata.get("complete"):
            older.append((float(metadata.get("created", 0)), name))
    for _, name in sorted(older)[:-1]:
        _delete(client, name)


def _delete(client: Any, name: str) -> None:
    """Drop an index and what was derived from it."""
    names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    for doomed in (name, derived_name(name)):
        if doomed in names:
            client.delete_collection(doomed)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
