"""Readings: name rules, the catalog in Chroma, build locks, switching builds, and the library."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.library import Library
from index.article import parse_article
from index.catalog import Catalog, Reading, check_name
from index.errors import IndexBusy, ReadingNameError, UnknownReading
from index.lock import CatalogLock, FileLock
from index.store import ensure_index, open_reading, remove_reading

TEXT = "The ferry crossed the river twice an hour. It was slow.\n\nThe council refused to pay for it."
OTHER = "Nurses walked out on Monday. The hospital said talks would resume.\n\nPay was the issue."


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Any]:
    """A Chroma of its own per test (on disk under tmp_path): the catalog is shared by everything
    in a client, and in-memory clients are one shared store."""
    from index.store import open_client

    yield open_client(path=tmp_path / "chroma")


def names(client: Any) -> set[str]:
    return {c if isinstance(c, str) else c.name for c in client.list_collections()}


@pytest.mark.parametrize("name", ["default", "week-3", "a", "op-ed-2026", "x" * 40])
def test_good_reading_names(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "Week3", "week 3", "-x", "x-", "x" * 41, "é", "a/b", "a_b", "..", "x\u200b"]
)
def test_bad_reading_names_say_what_a_name_looks_like(name: str) -> None:
    with pytest.raises(ReadingNameError, match="short slug.*lower-case letters, digits and hyphens"):
        check_name(name)


def test_the_catalog_records_readings_and_texts(client: Any) -> None:
    catalog = Catalog(client)
    assert catalog.get("week-1") is None and catalog.readings() == []
    catalog.put(Reading(name="week-1", build="b1", chunks=3, title="Ferries"))
    catalog.put(Reading(name="a-first", build="b2"))
    catalog.put_text("b1", TEXT, source="ferry.md", location=None)
    assert catalog.get("week-1") == Reading(name="week-1", build="b1", chunks=3, title="Ferries")
    assert [r.name for r in catalog.readings()] == ["a-first", "week-1"]
    assert catalog.text("b1") == (TEXT, "ferry.md", None)
    catalog.remove("a-first")
    assert [r.name for r in catalog.readings()] == ["week-1"]


def test_two_readings_in_one_store_keep_their_own_builds(client: Any, fake_embeddings: Any) -> None:
    one = ensure_index(parse_article(TEXT), client=client, embeddings=fake_embeddings, reading="one")
    two = ensure_index(parse_article(OTHER), client=client, embeddings=fake_embeddings, reading="two")
    assert {one.name, two.name} <= names(client)
    listed = {r.name: r for r in Catalog(client).readings()}
    assert listed["one"].build == one.name and listed["two"].build == two.name
    assert listed["two"].chunks == len(two.chunks)
    reopened = open_reading("two", client=client, embeddings=fake_embeddings)
    assert reopened.name == two.name and reopened.article.text == OTHER, "opened without the file"


def test_the_catalog_switches_only_after_the_build_is_complete(client: Any, fake_embeddings: Any) -> None:
    old = ensure_index(parse_article(TEXT), client=client, embeddings=fake_embeddings, reading="r")
    seen: list[str] = []

    def during(done: int, total: int) -> None:
        entry = Catalog(client).get("r")
        assert entry is not None
        seen.append(entry.build)

    new = ensure_index(
        parse_article(TEXT), client=client, embeddings=fake_embeddings, reading="r", rebuild=True,
        batch_size=2, on_batch=during,
    )  # fmt: skip
    assert seen and set(seen) == {old.name}, "readers see the old build until the new one is complete"
    entry = Catalog(client).get("r")
    assert entry is not None and (entry.build, entry.previous) == (new.name, old.name)


def test_builds_older_than_the_previous_one_are_pruned(client: Any, fake_embeddings: Any) -> None:
    built = [
        ensure_index(
            parse_article(TEXT), client=client, embeddings=fake_embeddings, reading="r", rebuild=True
        )
        for _ in range(3)
    ]
    assert built[2].name in names(client) and built[1].name in names(client)
    assert built[0].name not in names(client)
    assert Catalog(client).text(built[0].name) is None, "its stored text goes with it"


def test_going_back_to_the_previous_text_reuses_its_build(
    client: Any, fake_embeddings: Any, counting_embeddings: Any
) -> None:
    first = ensure_index(parse_article(TEXT), client=client, embeddings=fake_embeddings, reading="r")
    ensure_index(parse_article(OTHER), client=client, embeddings=fake_embeddings, reading="r")
    counter = counting_embeddings(fake_embeddings)
    back = ensure_index(parse_article(TEXT), client=client, embeddings=counter, reading="r")
    assert back.name == first.name and counter.documents == 0


def test_an_unknown_reading_lists_the_known_ones(client: Any, fake_embeddings: Any) -> None:
    ensure_index(parse_article(TEXT), client=client, embeddings=fake_embeddings, reading="week-1")
    with pytest.raises(UnknownReading, match=r"'week-9'.*indexed: week-1.*index FILE --name week-9"):
        open_reading("week-9", client=client, embeddings=fake_embeddings)


def test_remove_drops_the_reading_and_its_builds(client: Any, fake_embeddings: Any) -> None:
    index = ensure_index(parse_article(TEXT), client=client, embeddings=fake_embeddings, reading="gone")
    kept = ensure_index(parse_article(OTHER), client=client, embeddings=fake_embeddings, reading="kept")
    removed = remove_reading("gone", client=client)
    assert removed.build == index.name
    assert index.name not in names(client) and kept.name in names(client)
    assert [r.name for r in Catalog(client).readings()] == ["kept"]
    with pytest.raises(UnknownReading):
        remove_reading("gone", client=client)


def hold_in_thread(lock: Any, reading: str) -> tuple[threading.Event, threading.Event]:
    """Takes the lock in another thread until ``release`` is set; ``taken`` says when it holds it."""
    taken, release = threading.Event(), threading.Event()

    def run() -> None:
        with lock.hold(reading):
            taken.set()
            release.wait(10)

    threading.Thread(target=run, daemon=True).start()
    assert taken.wait(5)
    return taken, release


@pytest.mark.parametrize("kind", ["file", "catalog"])
def test_a_second_builder_waits_then_says_who_holds_the_lock(kind: str, tmp_path: Path, client: Any) -> None:
    def make(timeout: float) -> Any:
        return (
            FileLock(tmp_path, timeout=timeout)
            if kind == "file"
            else CatalogLock(Catalog(client), timeout=timeout)
        )

    _, release = hold_in_thread(make(5), "week-1")
    told: list[str] = []
    started = time.monotonic()
    with pytest.raises(IndexBusy, match=r"'week-1' is being built by pid \d+ on .* since"):
        with make(0.6).hold("week-1", on_wait=told.append):
            pass
    assert time.monotonic() - started >= 0.5, "it waited before giving up"
    assert len(told) == 1 and "waiting for it" in told[0]
    with make(0.6).hold("week-2"):
        pass  # another reading is not blocked
    release.set()
    with make(5).hold("week-1"):
        pass  # released: the next builder gets it


def test_a_lock_record_whose_holder_died_expires(client: Any) -> None:
    catalog = Catalog(client)
    dead = CatalogLock(catalog, ttl=0.3)
    holding = dead.hold("r")
    holding.__enter__()  # never released, as when the holder is killed
    with CatalogLock(catalog, timeout=5).hold("r"):
        pass


class FakeCatalog:
    def __init__(self, *readings: Reading):
        self.entries = {r.name: r for r in readings}
        self.reads = 0

    def readings(self) -> list[Reading]:
        self.reads += 1
        return sorted(self.entries.values(), key=lambda r: r.name)


class FakeIndex:
    def __init__(self, name: str):
        self.name = name


class FakeService:
    def __init__(self, entry: Reading):
        self.index = FakeIndex(entry.build)
        self.reading = entry.name
        self.article = parse_article(TEXT, source=f"{entry.name}.md")

    def ask(self, question: str, history: Any = ()) -> dict[str, Any]:
        return {"answer": self.index.name, "article": self.reading}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def library_of(catalog: FakeCatalog, clock: Clock, opened: list[str]) -> Library:
    def open_service(entry: Reading) -> FakeService:
        opened.append(entry.build)
        return FakeService(entry)

    return Library(catalog=catalog, open_service=open_service, check_every=3.0, clock=clock)  # type: ignore[arg-type]


def test_the_library_opens_each_reading_once_and_follows_new_builds() -> None:
    catalog, clock, opened = (
        FakeCatalog(Reading("default", build="b1"), Reading("week-2", build="w1")),
        Clock(),
        [],
    )
    library = library_of(catalog, clock, opened)
    assert library.names() == ["default", "week-2"]
    assert library.service().index.name == "b1"
    assert library.service("week-2") is library.service("week-2")
    assert opened == ["b1", "w1"]
    follower = library.follow()
    catalog.entries["default"] = Reading("default", build="b2")
    assert follower.ask("q")["answer"] == "b1", "the catalog is read at most every few seconds"
    clock.now = 3.0
    assert follower.ask("q")["answer"] == "b2", "then the new build is followed without a restart"
    assert opened == ["b1", "w1", "b2"]
    reads = catalog.reads
    library.service()
    assert catalog.reads == reads


def test_the_library_forgets_a_removed_reading_and_names_the_others() -> None:
    catalog, clock = FakeCatalog(Reading("default", build="b1"), Reading("week-2", build="w1")), Clock()
    library = library_of(catalog, clock, [])
    library.service("week-2")
    del catalog.entries["week-2"]
    clock.now = 10.0
    with pytest.raises(UnknownReading, match="'week-2'; readings: default"):
        library.service("week-2")


def test_a_new_build_that_cannot_be_opened_keeps_the_old_one_answering() -> None:
    catalog, clock = FakeCatalog(Reading("default", build="b1")), Clock()
    failing = {"b2"}

    def open_service(entry: Reading) -> FakeService:
        if entry.build in failing:
            raise UnknownReading("gone")
        return FakeService(entry)

    library = Library(catalog=catalog, open_service=open_service, clock=clock)  # type: ignore[arg-type]
    assert library.service().index.name == "b1"
    catalog.entries["default"] = Reading("default", build="b2")
    clock.now = 10.0
    assert library.service().index.name == "b1"


def test_a_reading_opened_by_one_request_is_shared_by_all(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = FakeCatalog(Reading("default", build="b1"))
    opened: list[str] = []
    gate = threading.Event()

    def open_service(entry: Reading) -> FakeService:
        opened.append(entry.build)
        gate.wait(5)
        return FakeService(entry)

    library = Library(catalog=catalog, open_service=open_service)  # type: ignore[arg-type]
    got: list[Any] = []
    threads = [threading.Thread(target=lambda: got.append(library.service())) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    gate.set()
    for thread in threads:
        thread.join(5)
    assert opened == ["b1"] and len({id(s) for s in got}) == 1


def test_a_fixed_library_serves_what_it_was_given() -> None:
    service = FakeService(Reading("default", build="b1"))
    library = Library.of({"default": service})
    assert library.service() is service and library.names() == ["default"]
    assert library.readings()[0]["source"] == "default.md"
    with pytest.raises(UnknownReading, match="readings: default"):
        library.service(uuid.uuid4().hex[:8])
