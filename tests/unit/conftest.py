"""Unit-test fixtures: an answerability model fit for the fake embeddings, not the shipped one.

The shipped weights (bot/answerability.json) are fit on the real model's similarities; with
fake embeddings dense similarity is noise, so unit tests use a fixed model that weighs the
combined score and each missing detail the way the mechanism intends. The shipped model is
tested with the real embeddings in tests/integration.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.answerability import FEATURES, Model

UNIT_WEIGHTS = {
    "score": 10.0, "number_clash": -3.0, "time_clash": -3.0, "opposite": -3.0, "type_missing": -10.0,
    "unknown_shortfall": -5.0,
}  # fmt: skip
UNIT_MODEL = Model(
    weights=tuple(UNIT_WEIGHTS.get(f, 0.0) for f in FEATURES),
    bias=-3.5,  # answers from a combined score of 0.35 up, as the hand-set rule did
    means=tuple(0.0 for _ in FEATURES),
    scales=tuple(1.0 for _ in FEATURES),
    threshold=0.5,
)


@pytest.fixture(scope="session", autouse=True)
def unit_answerability() -> Iterator[Model]:
    """Session-wide, so services built by session fixtures get it too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("bot.grounding.default_model", lambda: UNIT_MODEL)
        yield UNIT_MODEL
