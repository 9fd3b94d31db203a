"""The Chroma index: built once per article version, reused when unchanged, switched only when complete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.embeddings import Embeddings

import index.store as store
from index.article import parse_article, read_article
from index.catalog import Catalog
from index.chunks import chunk_article
from index.errors import IndexUnavailable
from index.store import COLLECTION_PREFIX, ensure_index, fingerprint

TEXT = (
    "The ferry crossed the river twice an hour. It was slow but cheap.\n\n"
    'Captain Mara Voss said the boat was "older than most of its passengers put together." '
    "She wanted a new one.\n\n"
    "The council refused to pay for it. A bridge would be built instead."
)
CHANGED = TEXT.replace("twice an hour", "three times an hour")


class BrokenAfter(Embeddings):
    """Embeds ``ok_batches`` batches of documents, then fails like a process dying mid-build."""

    def __init__(self, inner: Embeddings, ok_batches: int):
        self.inner = inner
        self.ok_batches = ok_batches
        self.model_id = getattr(inner, "model_id", "fake")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.ok_batches <= 0:
            raise RuntimeError("embedding worker died")
        self.ok_batches -= 1
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def stored_chunk_ids(collection: Any) -> set[str]:
    """Chunk ids a collection holds vectors for (a chunk may have more than one record)."""
    return {i.split("+")[0] for i in collection.get(include=[])["ids"]}


def names(client: Any) -> set[str]:
    return {c if isinstance(c, str) else c.name for c in client.list_collections()}


def test_build_stores_every_chunk_and_marks_the_collection_complete(
    make_index: Any, fake_embeddings: Any
) -> None:
    index = make_index(TEXT)
    metadata = index.collection.metadata
    assert index.chunks == chunk_article(index.article)
    assert stored_chunk_ids(index.collection) == {c.id for c in index.chunks}
    assert index.collection.count() >= len(index.chunks)
    assert metadata["complete"] is True
    assert metadata["fingerprint"] == fingerprint(index.article, fake_embeddings.model_id)
    assert metadata["source"] == index.article.source
    assert index.name.startswith(COLLECTION_PREFIX)
    stored = index.collection.get(include=["documents", "metadatas"])
    by_id = {c.id: c for c in index.chunks}
    for record_id, document, meta in zip(
        stored["ids"], stored["documents"], stored["metadatas"], strict=True
    ):
        assert index.article.text[meta["start"] : meta["end"]] == document
        assert document == by_id[record_id.split("+")[0]].text


def test_an_unchanged_article_is_not_embedded_again(
    make_index: Any, fake_embeddings: Any, counting_embeddings: Any
) -> None:
    source = "same.md"
    first = make_index(TEXT, source=source)
    counter = counting_embeddings(fake_embeddings)
    second = make_index(TEXT, source=source, embeddings=counter)
    assert counter.documents == 0
    assert second.name == first.name
    assert second.collection.metadata["created"] == first.collection.metadata["created"]


def test_rebuild_embeds_everything_again_beside_the_served_build(
    make_index: Any, fake_embeddings: Any, counting_embeddings: Any, chroma_client: Any
) -> None:
    first = make_index(TEXT, source="again.md")
    counter = counting_embeddings(fake_embeddings)
    rebuilt = make_index(TEXT, source="again.md", embeddings=counter, rebuild=True)
    assert counter.documents == rebuilt.collection.count() >= len(first.chunks)
    assert rebuilt.name != first.name, "a rebuild goes into a new collection"
    assert first.name in names(chroma_client), "the build being served is not removed"
    assert first.search(first.chunks[0].search_text, k=1)[0].chunk.id == first.chunks[0].id
    assert stored_chunk_ids(rebuilt.collection) == {c.id for c in first.chunks}


def test_a_changed_article_gets_a_new_collection_and_older_ones_go(
    make_index: Any, chroma_client: Any
) -> None:
    oldest = make_index(TEXT, source="news.md")
    old = make_index(CHANGED, source="news.md")
    new = make_index(CHANGED + "\n\nOne more paragraph.", source="news.md")
    assert len({oldest.name, old.name, new.name}) == 3
    assert new.name in names(chroma_client)
    assert old.name in names(chroma_client), "the version before stays for servers still using it"
    assert oldest.name not in names(chroma_client), "versions before that are pruned"


def test_other_articles_indexes_are_left_alone(make_index: Any, chroma_client: Any) -> None:
    one = make_index(TEXT, source="one.md")
    make_index(CHANGED, source="two.md")
    assert one.name in names(chroma_client)


def test_the_model_is_part_of_the_fingerprint() -> None:
    article = parse_article(TEXT)
    assert fingerprint(article, "model-a") != fingerprint(article, "model-b")
    assert fingerprint(article, "model-a") == fingerprint(parse_article(TEXT, source="x"), "model-a")


def test_the_chunker_version_is_part_of_the_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    article = parse_article(TEXT)
    before = fingerprint(article, "m")
    monkeypatch.setattr(store, "CHUNKER_VERSION", store.CHUNKER_VERSION + "-next")
    assert fingerprint(article, "m") != before


def test_a_build_that_dies_halfway_leaves_the_old_index_serving_and_is_resumed(
    make_index: Any, chroma_client: Any, fake_embeddings: Any, counting_embeddings: Any
) -> None:
    source = "crash.md"
    old = make_index(TEXT, source=source)
    with pytest.raises(IndexUnavailable, match="embedding worker died"):
        make_index(
            CHANGED, source=source, embeddings=BrokenAfter(fake_embeddings, ok_batches=1), batch_size=2
        )

    # The half-built collection is there but marked unfinished and short of chunks.
    half = [n for n in names(chroma_client) - {old.name} if n.startswith(COLLECTION_PREFIX)]
    changed_article = parse_article(CHANGED, source=source)
    entry = Catalog(chroma_client).get(old.reading)
    assert entry is not None and entry.build == old.name and entry.building in half
    half_collection = chroma_client.get_collection(entry.building)
    assert half_collection.metadata["complete"] is False
    assert stored_chunk_ids(half_collection) < {c.id for c in chunk_article(changed_article)}

    # The old version still opens, without embedding anything, and still answers searches.
    counter = counting_embeddings(fake_embeddings)
    reopened = make_index(TEXT, source=source, embeddings=counter)
    assert counter.documents == 0
    assert reopened.name == old.name
    target = reopened.chunks[2]
    assert reopened.search(target.search_text, k=1)[0].chunk.id == target.id

    # The next build of the new version resumes the half-built one, says so, and embeds the rest.
    counter = counting_embeddings(fake_embeddings)
    said: list[str] = []
    fresh = make_index(CHANGED, source=source, embeddings=counter, on_status=said.append)
    assert fresh.name == entry.building
    assert any("resuming" in s and "2 of" in s for s in said), said
    assert counter.documents == fresh.collection.count() - 2
    assert stored_chunk_ids(fresh.collection) == {c.id for c in fresh.chunks}
    assert fresh.collection.metadata["complete"] is True


def test_a_complete_flag_with_missing_chunks_is_rebuilt(
    make_index: Any, fake_embeddings: Any, counting_embeddings: Any
) -> None:
    index = make_index(TEXT, source="damaged.md")
    full = index.collection.count()
    index.collection.delete(ids=[index.chunks[0].id])
    counter = counting_embeddings(fake_embeddings)
    repaired = make_index(TEXT, source="damaged.md", embeddings=counter)
    assert counter.documents == full
    assert repaired.name != index.name
    assert repaired.collection.count() == full
    assert stored_chunk_ids(repaired.collection) == {c.id for c in index.chunks}


def test_progress_is_reported_per_batch(make_index: Any) -> None:
    seen: list[tuple[int, int]] = []
    index = make_index(TEXT, batch_size=2, on_batch=lambda done, total: seen.append((done, total)))
    total = index.collection.count()
    assert total >= len(index.chunks)
    assert seen[-1] == (total, total)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert all(b - a <= 2 for (a, _), (b, _) in zip([(0, total), *seen[:-1]], seen, strict=True))


def test_search_finds_a_passage_by_its_own_text(make_index: Any) -> None:
    index = make_index(TEXT)
    for chunk in index.chunks:
        hits = index.search(chunk.search_text, k=3)
        assert hits[0].chunk.id == chunk.id
        assert hits[0].similarity == pytest.approx(1.0, abs=1e-4)
        assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)
        assert len({h.chunk.id for h in hits}) == len(hits), "a chunk is found once"


def test_search_takes_a_precomputed_vector_and_caps_k(make_index: Any, fake_embeddings: Any) -> None:
    index = make_index(TEXT)
    target = index.chunks[-1]
    hits = index.search(fake_embeddings.embed_query(target.search_text), k=100)
    assert hits[0].chunk.id == target.id
    assert len(hits) == len(index.chunks)


def test_a_failing_collection_becomes_index_unavailable(make_index: Any, chroma_client: Any) -> None:
    index = make_index(TEXT)
    chroma_client.delete_collection(index.name)
    with pytest.raises(IndexUnavailable, match=index.name):
        index.search("ferry", k=2)


def test_search_returns_at_most_k_passages(tiny_index: Any) -> None:
    for k in (1, 2, 3):
        assert len(tiny_index.search("bridge ferry council", k=k)) <= k


def test_articles_with_the_same_file_name_in_different_folders_keep_their_indexes(
    tmp_path: Path, chroma_client: Any, fake_embeddings: Any
) -> None:
    first, second = tmp_path / "a" / "article.md", tmp_path / "b" / "article.md"
    for path, text in ((first, TEXT), (second, CHANGED)):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    one = ensure_index(read_article(first), client=chroma_client, embeddings=fake_embeddings)
    two = ensure_index(read_article(second), client=chroma_client, embeddings=fake_embeddings)
    try:
        assert {one.name, two.name} <= names(chroma_client)
    finally:
        for name in {one.name, two.name} & names(chroma_client):
            chroma_client.delete_collection(name)


def test_an_index_another_process_is_writing_is_waited_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import chromadb

    attempts: list[str] = []

    def locked_twice(**kwargs: Any) -> str:
        attempts.append(kwargs["path"])
        if len(attempts) < 3:
            raise RuntimeError("Query error: Database error: (code: 5) database is locked")
        return "client"

    monkeypatch.setattr(chromadb, "PersistentClient", locked_twice)
    monkeypatch.setattr(store, "LOCKED_POLL_S", 0.0)
    assert store.open_client(path=tmp_path) == "client"
    assert len(attempts) == 3


def test_an_index_locked_too_long_or_broken_is_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import chromadb

    def failing(message: str) -> Any:
        def open_it(**kwargs: Any) -> None:
            raise RuntimeError(message)

        return open_it

    monkeypatch.setattr(store, "LOCKED_WAIT_S", 0.0)
    for message in ("database is locked", "file is not a database"):
        monkeypatch.setattr(chromadb, "PersistentClient", failing(message))
        with pytest.raises(IndexUnavailable, match=message):
            store.open_client(path=tmp_path)
