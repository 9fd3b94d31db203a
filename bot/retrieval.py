"""Hybrid retrieval: dense (Chroma) and lexical (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from bot.text import tokens_for_bm25
from index.chunks import Chunk
from index.query_cache import embed_queries
from index.store import ArticleIndex

DEFAULT_K = 4
DEFAULT_CANDIDATES = 40
RRF_K = 60  # the usual constant from Cormack et al.; damps the weight of the very first ranks


@dataclass
class Scored:
    """A chunk with every retrieval signal, so answerers can weigh them their own way."""

    chunk: Chunk
    dense: float  # cosine similarity to the query, -1..1
    lexical: float  # BM25 score divided by the best BM25 score for the query, 0..1
    fused: float  # reciprocal-rank fusion of the two rankings
    topic: float = 0.0  # cosine similarity to the conversation's earlier question, if any


class HybridRetriever(BaseRetriever):
    """LangChain retriever over one article index: dense and BM25 results fused with RRF."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any
    k: int = DEFAULT_K
    candidates: int = DEFAULT_CANDIDATES
    _bm25: Any = PrivateAttr(default=None)

    def _lexical_scores(self, query: str) -> np.ndarray:
        chunks: list[Chunk] = self.index.chunks
        if self._bm25 is None:
            model = bm25s.BM25()
            model.index([tokens_for_bm25(c.search_text) for c in chunks], show_progress=False)
            self._bm25 = model
        tokens = tokens_for_bm25(query)
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=float) if tokens else None
        if scores is None or not len(scores):
            return np.zeros(len(chunks))
        return scores

    def rank(self, query: str, *, limit: int | None = None, topic: str | None = None) -> list[Scored]:
        """Candidates for ``query`` best first, each with its dense, lexical and fused scores.

        ``topic`` (the conversation's previous question) adds each candidate's similarity to it,
        so a bare follow-up ("Which side did they fight on?") can prefer the topic at hand.
        """
        index: ArticleIndex = self.index
        limit = limit or self.candidates
        # The query and the previous question in one model run (cached when asked before).
        embeddings = getattr(index, "embeddings", None)
        texts = [query, topic] if topic else [query]
        vectors: list[Any] = embed_queries(embeddings, texts) if embeddings is not None else list(texts)
        hits = index.search(vectors[0], k=limit)
        lexical = self._lexical_scores(query)
        best_lexical = float(lexical.max()) if len(lexical) else 0.0
        by_position = {c.id: i for i, c in enumerate(index.chunks)}
        lexical_order = [index.chunks[i].id for i in np.argsort(-lexical, kind="stable") if lexical[i] > 0]
        lexical_rank = {cid: r for r, cid in enumerate(lexical_order[:limit])}
        dense = {h.chunk.id: h.similarity for h in hits}
        dense_rank = {h.chunk.id: r for r, h in enumerate(hits)}
        scored = []
        for cid in dict.fromkeys([*dense_rank, *lexical_rank]):
            chunk = index.chunks[by_position[cid]]
            fused = sum(
                1.0 / (RRF_K + 1 + ranks[cid]) for ranks in (dense_rank, lexical_rank) if cid in ranks
            )
            norm = float(lexical[by_position[cid]]) / best_lexical if best_lexical > 0 else 0.0
            scored.append(Scored(chunk, dense.get(cid, 0.0), norm, fused))
        if topic:
            topical = {h.chunk.id: h.similarity for h in index.search(vectors[1], k=limit)}
            for item in scored:
                item.topic = topical.get(item.chunk.id, 0.0)
        scored.sort(key=lambda s: s.fused, reverse=True)
        return scored

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        return [to_document(s) for s in self.rank(query)[: k or self.k]]


def to_document(scored: Scored) -> Document:
    """A LangChain document carrying the citation offsets and scores."""
    chunk = scored.chunk
    return Document(
        page_content=chunk.text,
        id=chunk.id,
        metadata={
            **chunk.metadata(),
            "dense": round(scored.dense, 4),
            "lexical": round(scored.lexical, 4),
            "fused": round(scored.fused, 6),
        },
    )
