"""Chunks -> embeddings -> a Chroma collection per build, switched atomically in the catalog.

Each build of a reading goes into a new collection (named after a fingerprint of the article
text, the embedding model and the chunker version, plus a build id) that carries
``complete=False`` until every chunk is in; only then does the catalog (``index.catalog``) point
the reading at it. What is being served is never deleted by a rebuild: the build it replaces is
kept as ``previous`` for servers still on it, and only builds older than that are pruned.
"""

from __future__ import annotations

import fcntl
import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from index.article import Article, parse_article
from index.article_map import ArticleMap, build_map
from index.catalog import CATALOG_NAME, Catalog, Reading
from index.chunks import CHUNKER_VERSION, Chunk, chunk_article
from index.derived import DERIVED_SUFFIX, DerivedStore, derived_name
from index.errors import ArticleChatError, IndexUnavailable, UnknownReading
from index.lock import BuildLock, Held, NoLock

DEFAULT_BATCH_SIZE = 16
COLLECTION_PREFIX = "article-chat-"
# A sentence that opens with a pronoun is stored twice: alone, and with the sentence it points
# back to ("His latest book is ..." + the sentence naming him). Search keeps the better match.
CONTEXT_SUFFIX = "+context"
# Another process building on the same disk holds SQLite's write lock for a batch at a time.
LOCKED_WAIT_S = 60.0
LOCKED_POLL_S = 0.25


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
        with _first_open_lock(Path(path)):
            return _persistent_client(chromadb, str(path), settings)
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


@contextmanager
def _first_open_lock(path: Path) -> Iterator[None]:
    """Chroma creates its tables on first open; two processes doing it at once fail with
    "table collections already exists". A ``flock`` beside the folder makes them take turns."""
    with open(path.parent / f"{path.name}.open.lock", "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # held for well under a second; the kernel drops it on death
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _persistent_client(chromadb: Any, path: str, settings: Any) -> Any:
    """SQLite refuses a second process while another writes ("database is locked"): wait that out."""
    from chromadb.api.shared_system_client import SharedSystemClient

    deadline = time.monotonic() + LOCKED_WAIT_S
    while True:
        try:
            return chromadb.PersistentClient(path=path, settings=settings)
        except Exception as exc:  # noqa: BLE001 - chromadb wraps SQLite's error in several types
            if "database is locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            SharedSystemClient.clear_system_cache()
            time.sleep(LOCKED_POLL_S)


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
        reading: str = "",
    ):
        self.reading = reading  # the catalog name it is served under
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
        """The build: the collection's name."""
        return str(self.collection.name)

    @property
    def fingerprint(self) -> str:
        return str((self.collection.metadata or {}).get("fingerprint", ""))

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
    reading: str | None = None,
    lock: BuildLock | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    rebuild: bool = False,
    progress: bool = False,
    on_batch: Callable[[int, int], None] | None = None,
    on_status: Callable[[str], None] | None = None,
) -> ArticleIndex:
    """Open the current build of ``reading`` if it holds ``article``, else build one and switch to it.

    ``reading`` defaults to one per article file (its path). A build goes into a new collection
    and the catalog is switched to it only once it is complete, so what is served is never
    removed under a server; ``lock`` keeps two builders of one reading apart; an unfinished build
    of the same article is resumed. ``on_status`` hears what is being done, in a sentence.
    """
    name = reading or _file_reading(article)
    model_id = str(getattr(embeddings, "model_id", type(embeddings).__name__))
    fp = fingerprint(article, model_id)
    chunks = chunk_article(article)
    catalog = Catalog(client)
    try:
        if not rebuild and (ready := _current(client, catalog, name, fp, article, chunks, embeddings)):
            return ready
        with (lock or NoLock()).hold(name, on_wait=on_status) as held:
            # Re-read under the lock: the builder we waited for may have built just this.
            if not rebuild and (ready := _current(client, catalog, name, fp, article, chunks, embeddings)):
                return ready
            return _build(
                client,
                catalog,
                name,
                fp,
                model_id,
                article,
                chunks,
                embeddings,
                held,
                batch_size=batch_size,
                progress=progress,
                on_batch=on_batch,
                on_status=on_status,
            )
    except ArticleChatError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise IndexUnavailable(f"building the index of reading {name} failed ({_short(exc)})") from None


def open_reading(name: str, *, client: Any, embeddings: Embeddings) -> ArticleIndex:
    """The current build of the reading ``name``, from the catalog alone (no article file needed)."""
    catalog = Catalog(client)
    entry = catalog.get(name)
    if entry is None or not entry.build:
        raise UnknownReading(unknown_reading_message(name, catalog))
    return open_build(entry, client=client, embeddings=embeddings)


def open_build(entry: Reading, *, client: Any, embeddings: Embeddings) -> ArticleIndex:
    """The build ``entry`` points at, with the article it was made from."""
    stored = Catalog(client).text(entry.build)
    if stored is None:
        raise IndexUnavailable(
            f"reading {entry.name}: the text of build {entry.build} is missing; "
            f"run `article-chat index FILE --name {entry.name}`"
        )
    text, source, location = stored
    article = replace(parse_article(text, source=source), location=location)
    model_id = str(getattr(embeddings, "model_id", type(embeddings).__name__))
    if fingerprint(article, model_id) != entry.fingerprint:
        raise IndexUnavailable(
            f"reading {entry.name} was indexed with another model or chunker; "
            f"run `article-chat index --rebuild --name {entry.name}`"
        )
    chunks = chunk_article(article)
    collection = _get(client, entry.build, _function(embeddings))
    if collection is None:
        raise IndexUnavailable(f"reading {entry.name}: build {entry.build} is gone")
    return ArticleIndex(
        article=article,
        chunks=chunks,
        collection=collection,
        embeddings=embeddings,
        derived=DerivedStore(client, entry.build),
        reading=entry.name,
    )


def remove_reading(name: str, *, client: Any, lock: BuildLock | None = None) -> Reading:
    """Drop a reading from the catalog, then its builds (a server on it stops at its next check)."""
    catalog = Catalog(client)
    with (lock or NoLock()).hold(name):
        entry = catalog.get(name)
        if entry is None:
            raise UnknownReading(unknown_reading_message(name, catalog))
        catalog.remove(name)
        for build in {entry.build, entry.previous, entry.building, *_builds_of(client, name)} - {""}:
            _delete(client, build)
            catalog.drop_text(build)
    return entry


def unknown_reading_message(name: str, catalog: Catalog) -> str:
    known = [r.name for r in catalog.readings() if r.build]
    listed = ", ".join(known) if known else "none yet"
    return (
        f"no reading named {name!r} is indexed (indexed: {listed}); "
        f"add it with `article-chat index FILE --name {name}`"
    )


def _file_reading(article: Article) -> str:
    """The reading of an article file when none is named: one per path (or source name)."""
    return "file-" + hashlib.sha1((article.location or article.source).encode("utf-8")).hexdigest()[:12]


def _current(
    client: Any,
    catalog: Catalog,
    name: str,
    fp: str,
    article: Article,
    chunks: list[Chunk],
    embeddings: Embeddings,
) -> ArticleIndex | None:
    """The complete build of ``name`` holding this article version, switching back to the previous
    build or adopting an index from before the catalog when that one holds it; else None."""
    entry = catalog.get(name)
    function = _function(embeddings)
    expected = len(_records(chunks))
    candidates = [b for b in (entry.build, entry.previous) if b] if entry else []
    candidates.append(COLLECTION_PREFIX + fp[:32])  # how indexes were named before the catalog
    for build in candidates:
        collection = _get(client, build, function)
        if collection is None or (collection.metadata or {}).get("fingerprint") != fp:
            continue
        if not _is_complete(collection, expected):
            continue
        if entry is None or entry.build != build:
            if catalog.text(build) is None:
                catalog.put_text(build, article.text, source=article.source, location=article.location)
            _switch(catalog, entry, name, build, article, chunks, fp)
        return ArticleIndex(
            article=article,
            chunks=chunks,
            collection=collection,
            embeddings=embeddings,
            derived=DerivedStore(client, build),
            reading=name,
        )
    return None


def _build(
    client: Any,
    catalog: Catalog,
    name: str,
    fp: str,
    model_id: str,
    article: Article,
    chunks: list[Chunk],
    embeddings: Embeddings,
    held: Held,
    *,
    batch_size: int,
    progress: bool,
    on_batch: Callable[[int, int], None] | None,
    on_status: Callable[[str], None] | None,
) -> ArticleIndex:
    """Build into a new collection (or resume the unfinished one of this version), then switch."""
    say = on_status or (lambda message: None)
    entry = catalog.get(name) or Reading(name=name)
    function = _function(embeddings)
    records = _records(chunks)
    pending = _get(client, entry.building, function) if entry.building else None
    if pending is not None and (pending.metadata or {}).get("fingerprint") == fp:
        done = set(pending.get(include=[])["ids"])
        say(
            f"resuming the unfinished build {entry.building} of reading {name!r} "
            f"({len(done)} of {len(records)} passages already in)"
        )
        collection, build = pending, entry.building
        records = [r for r in records if r[0] not in done]
    else:
        if entry.building:
            say(f"restarting: the unfinished build {entry.building} of reading {name!r} is dropped")
            _delete(client, entry.building)
            catalog.drop_text(entry.building)
        build = f"{COLLECTION_PREFIX}{fp[:12]}-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
        say(f"building {build} for reading {name!r} ({len(records)} passages)")
        metadata = {
            "reading": name,
            "source": article.location or article.source,
            "fingerprint": fp,
            "model": model_id,
            "chunker": CHUNKER_VERSION,
            "created": time.time(),
            "complete": False,
        }
        catalog.put_text(build, article.text, source=article.source, location=article.location)
        collection = client.create_collection(
            build, embedding_function=function, metadata=metadata, configuration={"hnsw": {"space": "cosine"}}
        )
        catalog.put(replace(entry, building=build))

    def batch_done(done: int, total: int) -> None:
        held.refresh()  # a lock record with an expiry stays ours while we make progress
        if on_batch:
            on_batch(done, total)

    _add_records(collection, records, embeddings, batch_size, progress, batch_done)
    built = ArticleIndex(article=article, chunks=chunks, collection=collection, embeddings=embeddings)
    metadata = dict(collection.metadata or {})
    metadata["article_map"] = built.article_map.to_json()
    collection.modify(metadata={**metadata, "complete": True})
    entry = catalog.get(name) or entry
    _switch(catalog, entry, name, build, article, chunks, fp)
    _prune(client, catalog, name)
    return ArticleIndex(
        article=article,
        chunks=chunks,
        collection=collection,
        embeddings=embeddings,
        derived=DerivedStore(client, build),
        reading=name,
    )


def _switch(
    catalog: Catalog,
    entry: Reading | None,
    name: str,
    build: str,
    article: Article,
    chunks: list[Chunk],
    fp: str,
) -> None:
    """Point ``name`` at ``build`` in one catalog write; the build it replaces becomes ``previous``."""
    old = entry.build if entry else ""
    catalog.put(
        Reading(
            name=name,
            build=build,
            fingerprint=fp,
            title=article.title or "",
            source=article.source,
            chunks=len(chunks),
            built_at=time.time(),
            previous=old if old != build else (entry.previous if entry else ""),
            building=entry.building if entry and entry.building != build else "",
        )
    )


def _builds_of(client: Any, name: str) -> list[str]:
    found = []
    for collection in client.list_collections():
        build = collection if isinstance(collection, str) else collection.name
        if (
            build.startswith(COLLECTION_PREFIX)
            and not build.endswith(DERIVED_SUFFIX)
            and build != CATALOG_NAME
        ):
            if (client.get_collection(build).metadata or {}).get("reading") == name:
                found.append(build)
    return found


def _prune(client: Any, catalog: Catalog, name: str) -> None:
    """Drop the builds of ``name`` that are neither current nor previous (nor under way)."""
    entry = catalog.get(name)
    keep = {entry.build, entry.previous, entry.building} if entry else set()
    for build in _builds_of(client, name):
        if build not in keep:
            _delete(client, build)
            catalog.drop_text(build)


def _function(embeddings: Embeddings) -> Any:
    from index.chroma_function import ChromaEmbeddingFunction  # imports chromadb: only when used

    return ChromaEmbeddingFunction(embeddings)


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


def _delete(client: Any, name: str) -> None:
    """Drop an index and what was derived from it."""
    names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    for doomed in (name, derived_name(name)):
        if doomed in names:
            client.delete_collection(doomed)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
