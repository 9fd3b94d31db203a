"""One builder per reading at a time: a lock file on disk, or a lock record with an expiry in Chroma.

A second builder waits (saying who holds the lock) up to a timeout, then raises ``IndexBusy``.
The file lock is ``flock``: the kernel drops it when its holder dies, so a killed build never
leaves it stuck. The record lock (for a Chroma server, where processes share no disk) expires
``ttl`` seconds after the holder last refreshed it, which the builder does after every batch.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from index.catalog import Catalog
from index.errors import IndexBusy

DEFAULT_TIMEOUT_S = 600.0  # a 1 MB article takes about 100 s to embed on 2 cores
DEFAULT_TTL_S = 60.0
POLL_S = 0.25

Notify = Callable[[str], None]


class Held(Protocol):
    def refresh(self) -> None: ...


class BuildLock(Protocol):
    def hold(self, reading: str, *, on_wait: Notify | None = None) -> Any: ...


def holder_description() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%H:%M:%S')}"


class _Nothing:
    def refresh(self) -> None:
        pass


class NoLock:
    """For one process alone (tests, the Python API): nothing to wait for."""

    @contextmanager
    def hold(self, reading: str, *, on_wait: Notify | None = None) -> Iterator[Held]:
        yield _Nothing()


class FileLock:
    """``<folder>/<reading>.lock``, held with ``flock``; the file says who holds it."""

    def __init__(self, folder: Path, *, timeout: float = DEFAULT_TIMEOUT_S):
        self.folder = Path(folder)
        self.timeout = timeout

    @contextmanager
    def hold(self, reading: str, *, on_wait: Notify | None = None) -> Iterator[Held]:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{reading}.lock"
        with open(path, "a+", encoding="utf-8") as handle:
            deadline = time.monotonic() + self.timeout
            told = False
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    if time.monotonic() >= deadline:
                        raise IndexBusy(
                            f"reading {reading!r} is being built by {holder} (lock {path}); "
                            "wait for it to finish, or stop that process"
                        ) from None
                    if on_wait and not told:
                        on_wait(f"reading {reading!r} is being built by {holder}; waiting for it")
                        told = True
                    time.sleep(POLL_S)
            handle.seek(0)
            handle.truncate()
            handle.write(holder_description())
            handle.flush()
            try:
                yield _Nothing()
            finally:
                handle.seek(0)
                handle.truncate()
                handle.flush()
                fcntl.flock(handle, fcntl.LOCK_UN)


class _Record:
    def __init__(self, catalog: Catalog, record_id: str, metadata: dict[str, Any], ttl: float):
        self.catalog, self.record_id, self.metadata, self.ttl = catalog, record_id, metadata, ttl

    def refresh(self) -> None:
        self.metadata["expires"] = time.time() + self.ttl
        self.catalog.collection().upsert(
            ids=[self.record_id], embeddings=[[1.0]], metadatas=[self.metadata], documents=["-"]
        )


class CatalogLock:
    """A ``lock:<reading>`` record in the catalog, for builders that share only a Chroma server.

    Taking it is ``add`` (Chroma keeps the first record of an id and ignores a second add), then
    reading it back: the builder whose token is there holds it. A stale record is deleted only
    if it still carries the stale token, so two builders clearing it at once cannot both win.
    """

    def __init__(self, catalog: Catalog, *, timeout: float = DEFAULT_TIMEOUT_S, ttl: float = DEFAULT_TTL_S):
        self.catalog = catalog
        self.timeout = timeout
        self.ttl = ttl

    @contextmanager
    def hold(self, reading: str, *, on_wait: Notify | None = None) -> Iterator[Held]:
        collection = self.catalog.collection()
        record_id = f"lock:{reading}"
        token = uuid.uuid4().hex
        mine = {"kind": "lock", "token": token, "holder": holder_description(), "expires": 0.0}
        deadline = time.monotonic() + self.timeout
        told = False
        while True:
            mine["expires"] = time.time() + self.ttl
            collection.add(ids=[record_id], embeddings=[[1.0]], metadatas=[mine], documents=["-"])
            found = collection.get(ids=[record_id], include=["metadatas"])
            current = found["metadatas"][0] if found["ids"] else None
            if current is not None and current.get("token") == token:
                break
            if current is not None and float(current.get("expires", 0)) < time.time():
                collection.delete(
                    ids=[record_id], where={"token": current["token"]}
                )  # stale: its holder died
                continue
            holder = current.get("holder", "another process") if current else "another process"
            if time.monotonic() >= deadline:
                raise IndexBusy(
                    f"reading {reading!r} is being built by {holder} (lock record {record_id} in "
                    f"{self.catalog.collection().name}); wait for it to finish, or stop that process"
                )
            if on_wait and not told:
                on_wait(f"reading {reading!r} is being built by {holder}; waiting for it")
                told = True
            time.sleep(POLL_S)
        try:
            yield _Record(self.catalog, record_id, mine, self.ttl)
        finally:
            collection.delete(ids=[record_id], where={"token": token})
