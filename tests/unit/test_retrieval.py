"""Hybrid retrieval: dense and BM25 rankings fused by reciprocal rank, exposed as LangChain documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from langchain_core.documents import Document

from bot.retrieval import RRF_K, HybridRetriever
from index.article import parse_article
from index.chunks import Chunk, chunk_article
from index.store import Hit


@dataclass
class FixedDenseIndex:
    """An index whose dense search always ranks chunks in a given order (a fake of ArticleIndex)."""

    chunks: list[Chunk]
    dense_order: list[str]

    def search(self, query: str | list[float], *, k: int = 8) -> list[Hit]:
        by_id = {c.id: c for c in self.chunks}
        order = self.dense_order[:k]
        return [Hit(by_id[cid], 0.9 - 0.1 * rank) for rank, cid in enumerate(order)]


def rrf(*ranks: int) -> float:
    return sum(1.0 / (RRF_K + 1 + r) for r in ranks)


@pytest.fixture
def fruit() -> list[Chunk]:
    article = parse_article(
        "Apples and pears grow in the northern orchards near the river. "
        "Cherries ripen in June. "
        "Apples are red."
    )
    return chunk_article(article)  # s0, s1, s2


def test_a_passage_both_rankings_like_beats_the_top_of_only_one(fruit: list[Chunk]) -> None:
    # Dense puts the cherries first; BM25 for "apples" finds s2 (short) then s0, never s1.
    retriever = HybridRetriever(index=FixedDenseIndex(fruit, ["s1", "s2", "s0"]))
    ranked = retriever.rank("apples")
    assert [s.chunk.id for s in ranked] == ["s2", "s0", "s1"]
    fused = {s.chunk.id: s.fused for s in ranked}
    assert fused["s2"] == pytest.approx(rrf(1, 0))
    assert fused["s0"] == pytest.approx(rrf(2, 1))
    assert fused["s1"] == pytest.approx(rrf(0))


def test_lexical_hits_outside_the_dense_top_k_are_still_candidates(fruit: list[Chunk]) -> None:
    retriever = HybridRetriever(index=FixedDenseIndex(fruit, ["s1"]))
    ranked = {s.chunk.id: s for s in retriever.rank("apples", limit=1)}
    assert set(ranked) == {"s1", "s2"}, "dense top-1 plus lexical top-1"
    assert ranked["s2"].dense == 0.0 and ranked["s2"].lexical == 1.0
    assert ranked["s1"].lexical == 0.0 and ranked["s1"].dense == pytest.approx(0.9)


def test_lexical_scores_are_normalised_to_the_best_match(fruit: list[Chunk]) -> None:
    ranked = HybridRetriever(index=FixedDenseIndex(fruit, ["s1", "s2", "s0"])).rank("apples orchards")
    lexical = {s.chunk.id: s.lexical for s in ranked}
    assert max(lexical.values()) == pytest.approx(1.0)
    assert all(0.0 <= v <= 1.0 for v in lexical.values())
    assert lexical["s1"] == 0.0


def test_lexical_matching_uses_stems(fruit: list[Chunk]) -> None:
    ranked = HybridRetriever(index=FixedDenseIndex(fruit, [])).rank("ripening cherry")
    assert [s.chunk.id for s in ranked] == ["s1"]


def test_a_query_of_only_question_words_still_ranks(tiny_index: Any) -> None:
    ranked = HybridRetriever(index=tiny_index).rank("What is it?")
    assert ranked, "dense search still offers candidates"
    assert [s.fused for s in ranked] == sorted((s.fused for s in ranked), reverse=True)


def test_the_exact_sentence_comes_first(tiny_index: Any) -> None:
    retriever = HybridRetriever(index=tiny_index)
    for chunk in tiny_index.chunks[2:]:
        assert retriever.rank(chunk.text)[0].chunk.id == chunk.id


def test_topic_scores_similarity_to_the_earlier_question(tiny_index: Any) -> None:
    retriever = HybridRetriever(index=tiny_index)
    target = tiny_index.chunks[-1]
    ranked = {s.chunk.id: s for s in retriever.rank("ferry", topic=target.search_text)}
    assert ranked[target.id].topic == pytest.approx(1.0, abs=1e-4)
    assert all(s.topic < 0.99 for cid, s in ranked.items() if cid != target.id)
    plain = retriever.rank("ferry")
    assert all(s.topic == 0.0 for s in plain)


def test_documents_carry_verbatim_citation_offsets(tiny_index: Any) -> None:
    retriever = HybridRetriever(index=tiny_index, k=3)
    documents = retriever.invoke("Who wrote the engineering report about the piers?")
    assert len(documents) == 3
    text = tiny_index.article.text
    for document in documents:
        assert isinstance(document, Document)
        meta = document.metadata
        assert text[meta["start"] : meta["end"]] == document.page_content
        assert {"paragraph", "dense", "lexical", "fused", "speakers"} <= set(meta)
    assert any("Haldane" in d.page_content for d in documents)


def test_k_can_be_given_per_call(tiny_index: Any) -> None:
    retriever = HybridRetriever(index=tiny_index, k=4)
    assert len(retriever.invoke("bridge", k=2)) == 2
    assert len(retriever.invoke("bridge")) == 4
