"""What is derived from an article (word vectors, starter questions), kept beside its index.

A second Chroma collection, named after the index's own, holds it: computed by the first
process that needs it (``article-chat index`` does), read back by every later start. It works
the same with the on-disk client and a Chroma server, and goes when its index goes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from index.errors import IndexUnavailable

DERIVED_SUFFIX = "-derived"
WRITE_BATCH = 1000  # vectors per Chroma write: bounded memory for a large vocabulary

Embed = Callable[[list[str]], list[list[float]]]


def derived_name(index_name: str) -> str:
    return index_name + DERIVED_SUFFIX


class DerivedStore:
    """Vectors and small lists stored with the index named ``index_name``."""

    def __init__(self, client: Any, index_name: str):
        self.client = client
        self.name = derived_name(index_name)
        self._collection: Any = None

    def _open(self) -> Any:
        if self._collection is None:
            self._collection = self.client.get_or_create_collection(
                self.name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
        return self._collection

    @contextmanager
    def _chroma(self) -> Iterator[Any]:
        try:
            yield self._open()
        except Exception as exc:  # noqa: BLE001 - chromadb raises many kinds; all mean "unusable"
            raise IndexUnavailable(f"reading or writing {self.name} failed ({exc})") from None

    def vectors(self, kind: str, texts: Sequence[str], embed: Embed) -> np.ndarray:
        """One row per text: stored vectors where there are, the rest embedded now and stored."""
        with self._chroma() as collection:
            stored = collection.get(where={"kind": kind}, include=["embeddings", "documents"])
        documents = stored["documents"] or []
        known = dict(zip(documents, stored["embeddings"] if documents else [], strict=True))
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        for start in range(0, len(missing), WRITE_BATCH):
            batch = missing[start : start + WRITE_BATCH]
            vectors = embed(batch)
            with self._chroma() as collection:
                collection.upsert(
                    ids=[_record_id(kind, t) for t in batch],
                    embeddings=[np.asarray(v, dtype=np.float32) for v in vectors],
                    documents=batch,
                    metadatas=[{"kind": kind}] * len(batch),
                )
            known.update(zip(batch, vectors, strict=True))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.asarray([known[t] for t in texts], dtype=np.float32)

    def strings(self, key: str, compute: Callable[[], list[str]]) -> list[str]:
        """The list stored under ``key``, computed and stored first if there is none."""
        with self._chroma() as collection:
            metadata = dict(collection.metadata or {})
        if key in metadata:
            return list(json.loads(metadata[key]))
        values = compute()
        metadata[key] = json.dumps(values)
        with self._chroma() as collection:
            collection.modify(metadata=metadata)
        return values


def _record_id(kind: str, text: str) -> str:
    return f"{kind}:{hashlib.sha1(text.encode('utf-8')).hexdigest()}"
