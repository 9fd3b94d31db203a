"""Word vectors and starter questions are stored with the index: computed once, read after."""

from __future__ import annotations

from typing import Any

import numpy as np

from bot.service import ChatService
from index.derived import DerivedStore, derived_name


def names(client: Any) -> set[str]:
    return {c if isinstance(c, str) else c.name for c in client.list_collections()}


def test_vectors_are_embedded_once_then_read_back(chroma_client: Any, fake_embeddings: Any) -> None:
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> list[list[float]]:
        calls.append(texts)
        return fake_embeddings.embed_documents(texts)

    store = DerivedStore(chroma_client, "article-chat-test-derived-vectors")
    try:
        first = store.vectors("vocabulary", ["ferry", "pier", "ferry"], embed)
        again = DerivedStore(chroma_client, "article-chat-test-derived-vectors").vectors(
            "vocabulary", ["pier", "ferry"], embed
        )
        more = store.vectors("vocabulary", ["pier", "tram"], embed)
    finally:
        chroma_client.delete_collection(store.name)
    assert calls == [["ferry", "pier"], ["tram"]]
    assert np.allclose(again, first[[1, 0]], atol=1e-6)
    assert np.allclose(first[0], fake_embeddings.embed_documents(["ferry"])[0], atol=1e-6)
    assert more.shape == (2, len(first[0]))


def test_lists_are_computed_once(chroma_client: Any) -> None:
    store = DerivedStore(chroma_client, "article-chat-test-derived-lists")
    try:
        assert store.strings("starters", lambda: ["Why?", "Who?"]) == ["Why?", "Who?"]
        reopened = DerivedStore(chroma_client, "article-chat-test-derived-lists")
        assert reopened.strings("starters", lambda: ["never computed"]) == ["Why?", "Who?"]
    finally:
        chroma_client.delete_collection(store.name)


def test_a_second_start_reads_starters_and_vocabulary_instead_of_recomputing(
    make_index: Any, tiny_text: str, counting_embeddings: Any, fake_embeddings: Any, chroma_client: Any
) -> None:
    counting = counting_embeddings(fake_embeddings)
    index = make_index(
        tiny_text + "\n\nThe second start reads what the first one stored.\n", embeddings=counting
    )
    try:
        first = ChatService(index)
        first.warm_up()
        starters = first.starters()
        assert starters
        before = (counting.documents, counting.queries)
        second = ChatService(index)
        second.answerer.prepare()  # type: ignore[attr-defined]
        assert second.starters() == starters
        assert (counting.documents, counting.queries) == before, "nothing is embedded again"
    finally:
        if derived_name(index.name) in names(chroma_client):
            chroma_client.delete_collection(derived_name(index.name))


def test_rebuilding_an_index_drops_what_was_derived_from_it(
    make_index: Any, tiny_text: str, chroma_client: Any
) -> None:
    text = tiny_text + "\n\nA paragraph only this test has, so no other test shares its index.\n"
    index = make_index(text)
    assert index.derived is not None
    index.derived.strings("starters", lambda: ["old"])
    assert derived_name(index.name) in names(chroma_client)
    rebuilt = make_index(text, source=index.article.source, rebuild=True)
    assert rebuilt.derived is not None
    assert rebuilt.derived.strings("starters", lambda: ["new"]) == ["new"]
    chroma_client.delete_collection(derived_name(index.name))
