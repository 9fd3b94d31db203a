"""The sentence checker with the real MiniLM model on the whole claims set: the issue's targets hold.

At least 85% of corrupted claims caught, at most 15% of supported ones flagged, with the shipped
threshold (benchmarks/checker.py prints the full table, held-out articles included).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.verify import Verifier
from index.article import read_article

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CLAIMS = REPO / "data" / "eval" / "claims.jsonl"
MIN_CAUGHT = 0.85
MAX_FLAGGED = 0.15


@pytest.fixture(scope="module")
def claims() -> list[dict[str, Any]]:
    with CLAIMS.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_the_claims_set_is_well_formed(claims: list[dict[str, Any]]) -> None:
    assert len(claims) >= 150
    assert len({c["id"] for c in claims}) == len(claims)
    assert len({c["article"] for c in claims}) == 3
    supported = sum(c["supported"] for c in claims)
    assert 0.4 <= supported / len(claims) <= 0.6
    sentences = {
        path: {s.text for s in read_article(REPO / path).sentences} for path in {c["article"] for c in claims}
    }
    for claim in claims:
        for cited in claim["cited"]:
            assert cited in sentences[claim["article"]], f"{claim['id']} cites a sentence the article lacks"


def test_the_targets_hold_on_the_whole_set(claims: list[dict[str, Any]], real_embeddings: Any) -> None:
    verifiers = {
        path: Verifier((REPO / path).read_text(encoding="utf-8"), embeddings=real_embeddings)
        for path in {c["article"] for c in claims}
    }
    misses, false_flags = [], []
    for claim in claims:
        check = verifiers[claim["article"]].check(claim["claim"], claim["cited"])
        assert 0.0 <= check.score <= 1.0
        assert bool(check.reason) != check.supported
        if claim["supported"] and not check.supported:
            false_flags.append(f"{claim['id']}: {check.reason}")
        elif not claim["supported"] and check.supported:
            misses.append(claim["id"])
    corrupted = sum(not c["supported"] for c in claims)
    caught = 1 - len(misses) / corrupted
    flagged = len(false_flags) / (len(claims) - corrupted)
    assert caught >= MIN_CAUGHT, f"caught {caught:.1%}; missed {misses}"
    assert flagged <= MAX_FLAGGED, f"flagged {flagged:.1%}: {false_flags}"
