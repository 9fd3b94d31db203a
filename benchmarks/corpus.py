"""A large, realistic article for the indexing benchmark, made on the fly (never committed).

Sentences are recombined from the shipped eval articles' own sentences, shuffled with a fixed
seed, in paragraphs of 3 to 7 sentences, so tokens, names and punctuation look like news text.
"""

from __future__ import annotations

import random
from pathlib import Path

from index.article import read_article

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [None, ROOT / "tests" / "data" / "other_article.md", ROOT / "data" / "eval" / "third_article.txt"]


def large_article(path: Path, *, size: int, seed: int = 8) -> Path:
    """Write an article of about ``size`` bytes to ``path``."""
    sentences = [
        s.text
        for source in SOURCES
        if source is None or source.exists()
        for s in read_article(source).sentences
    ]
    rng = random.Random(seed)
    paragraphs: list[str] = []
    total = 0
    while total < size:
        paragraph = " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 7)))
        paragraphs.append(paragraph)
        total += len(paragraph.encode("utf-8")) + 2
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path
