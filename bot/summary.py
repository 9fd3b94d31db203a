"""The gist of an article in its own sentences: the lead, plus the sentences most like the whole."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from index.article import Article
from index.chunks import Chunk

SUMMARY_SENTENCES = 3


def gist(
    article: Article,
    chunks: Sequence[Chunk],
    vectors: Mapping[str, Sequence[float]],
    *,
    n: int = SUMMARY_SENTENCES,
) -> list[Chunk]:
    """The first sentence of the body and the ``n - 1`` most central others, in article order.

    Sentences that lean on the one before ("It has also ...") or are someone's quote make poor
    stand-alone summaries, so only the lead may be one of those.
    """
    body_paragraphs = {p.number for p in article.body}
    body = [c for c in chunks if c.id in vectors and c.paragraph in body_paragraphs]
    if not body:
        return []
    lead = body[0]
    rest = [c for c in body[1:] if not c.context and not c.quotes]
    if not rest:
        return [lead]
    matrix = np.asarray([vectors[c.id] for c in body], dtype=float)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9
    centroid = matrix.mean(axis=0)  # the article as a whole
    candidates = np.asarray([vectors[c.id] for c in rest], dtype=float)
    candidates /= np.linalg.norm(candidates, axis=1, keepdims=True) + 1e-9
    scores = candidates @ centroid
    picked = sorted(np.argsort(-scores)[: n - 1])
    return [lead, *(rest[i] for i in picked)]
