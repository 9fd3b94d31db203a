"""Every indexed reading of a course, each answered by its own ``ChatService``, shared by all requests.

A reading's service is opened on first use. At most every ``check_every`` seconds (on a request,
never in the background) the catalog is read again: when a reading has a new current build, the
request that noticed opens it while the others keep answering from the old one, then it is
swapped in. A reading removed from the catalog stops being offered at the next check.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from index.catalog import DEFAULT_READING, Catalog, Reading
from index.errors import ArticleChatError, UnknownReading

DEFAULT_CHECK_EVERY_S = 3.0
log = logging.getLogger("article-chat")


class Library:
    """Reading name -> ``ChatService``, thread safe.

    Args:
        catalog: where the readings and their current builds are recorded (None: a fixed set).
        open_service: opens the service of one catalog entry (its current build).
        default: the reading answered when a request names none.
        services: services already open, by reading name (e.g. the default one, built at start).
    """

    def __init__(
        self,
        *,
        catalog: Catalog | None,
        open_service: Callable[[Reading], Any] | None = None,
        default: str = DEFAULT_READING,
        services: dict[str, Any] | None = None,
        check_every: float = DEFAULT_CHECK_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.catalog = catalog
        self.open_service = open_service
        self.default = default
        self.check_every = check_every
        self.clock = clock
        self._services: dict[str, Any] = dict(services or {})
        self._entries: dict[str, Reading] = {}
        self._checked = -float("inf")
        self._lock = threading.Lock()  # guards the dicts above
        self._opening: dict[str, threading.Lock] = {}  # one opener per reading at a time

    @classmethod
    def of(cls, services: dict[str, Any], *, default: str = DEFAULT_READING) -> Library:
        """A fixed set of services, no catalog (tests, one article given in code)."""
        return cls(catalog=None, services=services, default=default)

    def _refresh(self) -> None:
        """Re-read the catalog if it was last read ``check_every`` seconds ago or more."""
        if self.catalog is None or self.clock() - self._checked < self.check_every:
            return
        try:
            entries = {r.name: r for r in self.catalog.readings() if r.build}
        except ArticleChatError as exc:  # keep serving what is open; try again at the next check
            log.warning("reading the catalog failed: %s", exc)
            entries = None
        with self._lock:
            self._checked = self.clock()
            if entries is not None:
                self._entries = entries
                for gone in set(self._services) - set(entries):
                    del self._services[gone]

    def names(self) -> list[str]:
        """Readings on offer, the default first."""
        self._refresh()
        with self._lock:
            known = set(self._entries) | set(self._services)
        return sorted(known, key=lambda n: (n != self.default, n))

    def readings(self) -> list[dict[str, Any]]:
        """``{"name", "title", "source", "chunks", "built_at", "build", "default"}`` per reading."""
        self._refresh()
        listed = []
        for name in self.names():
            with self._lock:
                entry, service = self._entries.get(name), self._services.get(name)
            if entry is not None:
                described = entry.describe()
            elif service is not None:
                article = service.article
                described = {"name": name, "title": article.title or "", "source": article.source}
            else:
                continue
            listed.append({**described, "default": name == self.default})
        return listed

    def service(self, name: str | None = None) -> Any:
        """The service answering reading ``name`` (the default when None); raises ``UnknownReading``."""
        name = name or self.default
        self._refresh()
        with self._lock:
            service, entry = self._services.get(name), self._entries.get(name)
            opening = self._opening.setdefault(name, threading.Lock())
        if entry is None and service is None:
            raise UnknownReading(self.unknown(name))
        if entry is None or (service is not None and _build_of(service) == entry.build):
            return service
        # A reading not open yet, or a new build of it: one request opens it. With an old build
        # to answer from, the others do not wait for that.
        if not opening.acquire(blocking=service is None):
            return service
        try:
            with self._lock:
                current = self._services.get(name)
            if current is not None and _build_of(current) == entry.build:
                return current
            assert self.open_service is not None, "a library with a catalog needs open_service"
            try:
                fresh = self.open_service(entry)
            except ArticleChatError as exc:
                if service is None:
                    raise
                log.warning("reading %s: build %s cannot be opened yet (%s)", name, entry.build, exc)
                return service
            with self._lock:
                self._services[name] = fresh
            if service is not None:
                log.warning("reading %s: now serving build %s", name, entry.build)
            return fresh
        finally:
            opening.release()

    def unknown(self, name: str) -> str:
        listed = ", ".join(self.names()) or "none"
        return f"no reading named {str(name)[:60]!r}; readings: {listed}"

    def follow(self, name: str | None = None) -> FollowedReading:
        """A stand-in for the service of ``name`` that always answers from its current build."""
        return FollowedReading(self, name or self.default)


class FollowedReading:
    """Looks like a ``ChatService``; every attribute is read from the reading's current service."""

    def __init__(self, library: Library, name: str):
        self._library = library
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._library.service(self._name), attribute)


def _build_of(service: Any) -> str:
    index = getattr(service, "index", None)
    return str(getattr(index, "name", "")) if index is not None else ""
