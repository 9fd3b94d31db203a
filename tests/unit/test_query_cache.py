"""The LRU cache of query vectors and batched query embedding."""

from __future__ import annotations

from typing import Any

from index.query_cache import CachedEmbeddings, embed_queries


class Recording:
    """Fake embeddings that record each model call (a batch is one call)."""

    model_id = "recording"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return [[float(len(t)), 1.0] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_queries(texts)


def test_a_repeated_query_is_embedded_once() -> None:
    inner = Recording()
    cached = CachedEmbeddings(inner)  # type: ignore[arg-type]
    first = cached.embed_query("What did Powell say?")
    assert cached.embed_query("What did Powell say?") == first
    assert inner.calls == [["What did Powell say?"]]
    assert (cached.hits, cached.misses) == (1, 1)


def test_misses_are_embedded_together_in_one_call_in_order() -> None:
    inner = Recording()
    cached = CachedEmbeddings(inner)  # type: ignore[arg-type]
    cached.embed_query("b")
    vectors = cached.embed_queries(["aaa", "b", "cc", "aaa"])
    assert inner.calls == [["b"], ["aaa", "cc"]]
    assert [v[0] for v in vectors] == [3.0, 1.0, 2.0, 3.0]


def test_the_least_recently_used_vector_is_dropped() -> None:
    inner = Recording()
    cached = CachedEmbeddings(inner, size=2)  # type: ignore[arg-type]
    cached.embed_queries(["a", "b"])
    cached.embed_query("a")  # "b" is now the oldest
    cached.embed_query("c")
    cached.embed_queries(["a", "b"])
    assert inner.calls[-1] == ["b"]


def test_documents_pass_through_uncached_and_ids_are_the_inner_ones(fake_embeddings: Any) -> None:
    cached = CachedEmbeddings(fake_embeddings)
    assert cached.embed_documents(["x"]) == fake_embeddings.embed_documents(["x"])
    assert cached.model_id == fake_embeddings.model_id
    assert cached.hits == cached.misses == 0


def test_embed_queries_falls_back_to_one_call_per_text(fake_embeddings: Any) -> None:
    assert embed_queries(fake_embeddings, ["a", "b"]) == [
        fake_embeddings.embed_query("a"),
        fake_embeddings.embed_query("b"),
    ]


class Batching:
    """Real (fake) vectors, and a record of each model call."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.calls: list[list[str]] = []

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return self.inner.embed_documents(list(texts))

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)


def test_a_follow_up_embeds_the_query_and_the_previous_question_in_one_call(
    make_index: Any, tiny_text: str, fake_embeddings: Any
) -> None:
    from bot.retrieval import HybridRetriever

    batching = Batching(fake_embeddings)
    # Its own text: an index with the shared tiny index's fingerprint would be dropped with it.
    index = make_index(tiny_text + "\n\nOnly the batching test has this paragraph.\n", embeddings=batching)
    batching.calls.clear()
    ranked = HybridRetriever(index=index).rank("Who built it?", topic="What about the ferry?")
    assert batching.calls == [["Who built it?", "What about the ferry?"]]
    assert any(s.topic for s in ranked)


def test_unknown_words_are_embedded_together(tiny_article: Any, fake_embeddings: Any) -> None:
    from bot.grounding import Grounding

    batching = Batching(fake_embeddings)
    grounding = Grounding(
        tiny_article, embeddings=batching, vocabulary_vectors=fake_embeddings.embed_documents
    )
    unknown = grounding.unknown_words("zebras giraffes pelicans")
    assert set(unknown) == {"zebras", "giraffes", "pelicans"}
    assert batching.calls == [["zebras", "giraffes", "pelicans"]]
