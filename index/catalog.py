"""Which build of each reading is served: a small catalog kept in Chroma itself.

One collection, ``article-chat-catalog``, holds three kinds of record (no vectors are searched;
each record carries a one-number placeholder vector because Chroma wants one):

- ``reading:NAME``: the reading's current build (a collection name), the previous build (kept
  for servers still on it), an unfinished build if one is under way, and what ``list`` shows.
  Switching a reading to a new build is one upsert of this record: atomic for every reader.
- ``text:BUILD``: the article text a build was made from, so a server can open any reading,
  and follow a new build of it, without the file it came from.
- ``lock:NAME``: a build lock with an expiry, used with a Chroma server (see ``index.lock``).

Kept in Chroma rather than beside it, so it works the same on disk and with ``chroma run``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from index.errors import IndexUnavailable, ReadingNameError

CATALOG_NAME = "article-chat-catalog"
DEFAULT_READING = "default"
_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
_PLACEHOLDER = [1.0]


def check_name(name: str) -> str:
    """``name`` if it is a short slug (lower-case letters, digits, inner hyphens, up to 40)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        shown = repr(name)[:60]
        raise ReadingNameError(
            f"reading name {shown} is not a short slug: use 1 to 40 lower-case letters, digits and "
            "hyphens, starting and ending with a letter or digit (e.g. week-3-op-ed)"
        )
    return name


@dataclass(frozen=True)
class Reading:
    """One reading as the catalog records it. ``build`` is empty until a first build completes."""

    name: str
    build: str = ""
    fingerprint: str = ""
    title: str = ""
    source: str = ""
    chunks: int = 0
    built_at: float = 0.0
    previous: str = ""
    building: str = ""  # an unfinished build (killed, or under way): resumed by the next builder

    def describe(self) -> dict[str, Any]:
        """What ``list`` and ``GET /api/readings`` show."""
        return {
            "name": self.name,
            "title": self.title,
            "source": self.source,
            "chunks": self.chunks,
            "built_at": self.built_at,
            "build": self.build,
        }


class Catalog:
    """The catalog collection of one Chroma client (on disk or a server)."""

    def __init__(self, client: Any):
        self.client = client
        self._collection: Any = None

    def collection(self) -> Any:
        if self._collection is None:
            try:
                self._collection = self.client.get_or_create_collection(CATALOG_NAME, embedding_function=None)
            except Exception:  # noqa: BLE001 - two processes created it at once: the other one won
                try:
                    self._collection = self.client.get_collection(CATALOG_NAME, embedding_function=None)
                except Exception as exc:  # noqa: BLE001
                    raise IndexUnavailable(f"the reading catalog cannot be opened ({exc})") from None
        return self._collection

    def _get(self, ids: list[str] | None = None, where: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            return dict(self.collection().get(ids=ids, where=where, include=["metadatas", "documents"]))
        except IndexUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001
            raise IndexUnavailable(f"reading the reading catalog failed ({exc})") from None

    def _put(self, record_id: str, metadata: dict[str, Any], document: str = "") -> None:
        try:
            self.collection().upsert(
                ids=[record_id], embeddings=[_PLACEHOLDER], metadatas=[metadata], documents=[document or "-"]
            )
        except Exception as exc:  # noqa: BLE001
            raise IndexUnavailable(f"writing the reading catalog failed ({exc})") from None

    def get(self, name: str) -> Reading | None:
        found = self._get(ids=[f"reading:{name}"])
        return _reading(found["metadatas"][0]) if found["ids"] else None

    def readings(self) -> list[Reading]:
        found = self._get(where={"kind": "reading"})
        return sorted((_reading(m) for m in found["metadatas"]), key=lambda r: r.name)

    def put(self, reading: Reading) -> None:
        """Record ``reading``: one upsert, so readers see the old record or the new, never a mix."""
        self._put(f"reading:{reading.name}", {"kind": "reading", **asdict(reading)})

    def remove(self, name: str) -> None:
        self.collection().delete(ids=[f"reading:{name}"])

    def put_text(self, build: str, text: str, *, source: str, location: str | None) -> None:
        self._put(f"text:{build}", {"kind": "text", "source": source, "location": location or ""}, text)

    def text(self, build: str) -> tuple[str, str, str | None] | None:
        """(text, source, location) of the article ``build`` was made from."""
        found = self._get(ids=[f"text:{build}"])
        if not found["ids"]:
            return None
        metadata = found["metadatas"][0]
        return found["documents"][0], str(metadata["source"]), str(metadata["location"]) or None

    def drop_text(self, build: str) -> None:
        self.collection().delete(ids=[f"text:{build}"])


def _reading(metadata: dict[str, Any]) -> Reading:
    fields = Reading.__dataclass_fields__
    return Reading(**{k: v for k, v in metadata.items() if k in fields})
