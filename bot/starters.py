"""Starter questions made from the article itself: its gist, its quoted speakers, its people."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from index.chunks import Chunk


def starter_candidates(chunks: Sequence[Chunk], *, author: str | None = None) -> Iterator[str]:
    """Questions this article invites, most useful first; the caller keeps those it can answer."""
    yield "What is the article about?"
    seen: set[str] = set()
    for chunk in chunks:
        for speaker in chunk.speakers:
            short = speaker.split()[-1]
            if short not in seen:
                seen.add(short)
                yield f"What did {short} say?"
    for chunk in chunks:
        for person in chunk.people:
            short = person.split()[-1]
            if short not in seen and (not author or short not in author):
                seen.add(short)
                yield f"Who is {person}?"
    if author:
        yield "Who wrote the article?"
