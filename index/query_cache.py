"""An LRU cache of query vectors in front of any embeddings, and batched query embedding.

A class asks the same starter questions hundreds of times; each is embedded once. Documents
(what indexing embeds) pass straight through: they are embedded once anyway.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from langchain_core.embeddings import Embeddings

DEFAULT_CACHE_SIZE = 4096  # 4,096 vectors of 384 floats: about 13 MB as Python lists


def embed_queries(embeddings: Embeddings, texts: Sequence[str]) -> list[list[float]]:
    """Embed ``texts`` as queries, in one model run where the embeddings can batch them."""
    batched = getattr(embeddings, "embed_queries", None)
    if batched is not None:
        return list(batched(list(texts)))
    return [embeddings.embed_query(t) for t in texts]


class CachedEmbeddings(Embeddings):
    """Wraps ``inner``; query vectors are kept for the ``size`` most recently used texts."""

    def __init__(self, inner: Embeddings, *, size: int = DEFAULT_CACHE_SIZE):
        self.inner = inner
        self.size = size
        self._cache: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def model_id(self) -> str:
        return str(getattr(self.inner, "model_id", type(self.inner).__name__))

    @property
    def model_name(self) -> str:
        return str(getattr(self.inner, "model_name", self.model_id))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Cached vectors where known; the rest embedded together in one model run."""
        found: dict[str, list[float]] = {}
        with self._lock:
            for text in texts:
                vector = self._cache.get(text)
                if vector is not None:
                    self._cache.move_to_end(text)
                    found[text] = vector
            missing = [t for t in dict.fromkeys(texts) if t not in found]
            self.hits += len(texts) - len(missing)
            self.misses += len(missing)
        if missing:
            found.update(zip(missing, embed_queries(self.inner, missing), strict=True))
            with self._lock:
                for text in missing:
                    self._cache[text] = found[text]
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return [found[t] for t in texts]
