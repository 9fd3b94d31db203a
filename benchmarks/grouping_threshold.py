"""Measure the cosine threshold at which the instructor view counts two questions as one.

Embeds the labelled pairs in benchmarks/question_pairs.jsonl (paraphrases, typos, and hard
negatives: same words, another meaning) with the packaged MiniLM model and prints, per threshold,
precision, recall and F1 of "same meaning", and the threshold with the best F1.

Usage: python benchmarks/grouping_threshold.py [--pairs FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from index.embeddings import SentenceEmbeddings  # noqa: E402
from ui.grouping import DEFAULT_THRESHOLD, Vectors, _key, same_ask  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=ROOT / "benchmarks" / "question_pairs.jsonl")
    args = parser.parse_args()
    pairs = [json.loads(line) for line in args.pairs.read_text(encoding="utf-8").splitlines() if line]
    vectors = Vectors(SentenceEmbeddings().embed_documents)
    first = vectors([_key(p["a"]) for p in pairs])
    second = vectors([_key(p["b"]) for p in pairs])
    similarity = np.einsum("ij,ij->i", first, second)
    same = np.array([bool(p["same"]) for p in pairs])
    asks = np.array([same_ask(p["a"], p["b"]) for p in pairs])
    print(f"{len(pairs)} pairs, {same.sum()} same meaning")
    print(f"same: min {similarity[same].min():.2f} median {np.median(similarity[same]):.2f}")
    print(f"different: median {np.median(similarity[~same]):.2f} max {similarity[~same].max():.2f}")
    best = (0.0, 0.0)
    for threshold in np.arange(0.50, 0.951, 0.02):
        said = (similarity >= threshold) & asks
        hits = int((said & same).sum())
        precision = hits / max(int(said.sum()), 1)
        recall = hits / int(same.sum())
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        # F0.5: a wrong merge hides a distinct question from the instructor, a missed one only
        # shows it twice, so precision weighs more.
        f05 = 1.25 * precision * recall / max(0.25 * precision + recall, 1e-9)
        best = max(best, (f05, float(threshold)))
        print(f"{threshold:.2f}  precision {precision:.2f}  recall {recall:.2f}  F1 {f1:.2f}  F0.5 {f05:.2f}")
    print(f"best F0.5 {best[0]:.2f} at {best[1]:.2f} (in use: {DEFAULT_THRESHOLD})")
    for p, s in sorted(zip(pairs, similarity, strict=True), key=lambda x: -x[1]):
        wrong = (s >= DEFAULT_THRESHOLD and same_ask(p["a"], p["b"])) != p["same"]
        if wrong:
            print(f"  wrong at {DEFAULT_THRESHOLD}: {s:.2f} same={p['same']}: {p['a']!r} / {p['b']!r}")


if __name__ == "__main__":
    main()
