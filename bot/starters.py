"""Starter questions made from the article itself: its quoted speakers and the people it names."""

from __future__ import annotations

from collections.abc import Sequence

from index.chunks import Chunk


def starter_questions(chunks: Sequence[Chunk], *, n: int = 4) -> list[str]:
    """Up to ``n`` questions the article can answer, most specific first."""
    questions: list[str] = []
    seen: set[str] = set()
    for chunk in chunks:
        for speaker in chunk.speakers:
            short = speaker.split()[-1]
            if short not in seen:
                seen.add(short)
                questions.append(f"What did {short} say?")
    questions.append("What is the author's main argument?")
    for chunk in chunks[1:]:
        if chunk.text.rstrip().endswith("?"):
            continue
        if "because" in chunk.text or "consequence" in chunk.text or "means" in chunk.text:
            questions.append("Why does the author think so?")
            break
    return questions[:n]
