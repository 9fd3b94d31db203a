"""Fit the answerability model (bot/answerability.json) on question sets, leave-one-article-out.

For every conversation of every set, the extractive answerer runs as usual and records the
features its answerability check saw for the last question. A logistic regression over those
features decides "answer" vs "the article doesn't say"; its threshold is the one that refuses the
most unanswerable questions while still answering ``--answer-rate`` of the answerable ones.

Reported: for each article, the model fit on all the OTHER articles, scored on it (held out),
then the model fit on every training article, which is written to bot/answerability.json.
Articles named with --blind are never fit on; they are only scored, with the final model.

Usage: python benchmarks/fit_answerability.py [--write] [--blind NAME ...]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.answer import Answer  # noqa: E402
from bot.answerability import FEATURES, Model  # noqa: E402
from bot.chain import build_chain  # noqa: E402
from bot.evaluate import load_rows  # noqa: E402
from bot.service import open_service  # noqa: E402
from index.article import read_article  # noqa: E402
from index.embeddings import SentenceEmbeddings  # noqa: E402
from index.store import open_client  # noqa: E402

SHARED = ROOT.parent / "shared"
# (article name, article file or None for the default, question sets)
ARTICLES: list[tuple[str, Path | None, list[Path]]] = [
    (
        "default op-ed",
        None,
        [SHARED / "dev_qa.jsonl", ROOT / "data/eval/article_qa.jsonl", ROOT / "data/eval/blind_qa.jsonl"],
    ),
    ("tram (news)", ROOT / "tests/data/other_article.md", [ROOT / "tests/data/other_article_qa.jsonl"]),
    ("river clean-up", ROOT / "data/eval/third_article.txt", [ROOT / "data/eval/third_article_qa.jsonl"]),
    (
        "amazon (SQuAD)",
        SHARED / "external/squad-amazon-rainforest.txt",
        [SHARED / "external/squad-amazon-rainforest.jsonl"],
    ),
    ("nurses strike (news)", ROOT / "data/eval/news_article.txt", [ROOT / "data/eval/news_article_qa.jsonl"]),
    (
        "ferry captain (interview)",
        ROOT / "data/eval/interview_article.txt",
        [ROOT / "data/eval/interview_article_qa.jsonl"],
    ),  # fmt: skip
    ("fountains (essay)", ROOT / "data/eval/essay_article.txt", [ROOT / "data/eval/essay_article_qa.jsonl"]),
    (
        "tolsay (encyclopedia)",
        ROOT / "data/eval/encyclopedia_article.txt",
        [ROOT / "data/eval/encyclopedia_article_qa.jsonl"],
    ),  # fmt: skip
]
L2 = 0.05  # ridge penalty on the standardised weights
STEPS = 4000
LEARNING_RATE = 0.1


class Recorder:
    """Wraps an answerer and keeps the last answer it gave (with its features)."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.last: Answer | None = None

    def answer(self, *args: Any, **kwargs: Any) -> Answer:
        self.last = self.inner.answer(*args, **kwargs)
        return self.last


def collect(
    name: str, article_path: Path | None, sets: Sequence[Path], client: Any, embeddings: Any
) -> list[dict]:
    """One record per conversation: answerable?, the model's features (None: decided by a rule)."""
    article = read_article(article_path) if article_path else read_article()
    service = open_service(article, client=client, embeddings=embeddings)
    recorder = Recorder(service.answerer)
    service.chain = build_chain(retriever=service.retriever, answerer=recorder)
    records = []
    for path in sets:
        if not path.exists():
            continue
        for row in load_rows(path):
            history: list[dict[str, str]] = []
            result: dict[str, Any] = {}
            for turn in row["turns"]:
                recorder.last = None
                result = service.ask(turn, history)
                history += [
                    {"role": "user", "content": turn},
                    {"role": "assistant", "content": result["answer"]},
                ]
            last = recorder.last
            features = last.features if last is not None and "p" in last.features else None
            records.append(
                {
                    "article": name,
                    "id": row.get("id"),
                    "answerable": bool(row.get("answerable", True)),
                    "features": features,
                    "refused": bool(result.get("refused")),
                }
            )
    return records


def fit(records: Sequence[dict], *, answer_rate: float) -> Model:
    """Logistic regression (gradient descent, L2) and the threshold meeting ``answer_rate``."""
    usable = [r for r in records if r["features"] is not None]
    x = np.asarray([[r["features"][f] for f in FEATURES] for r in usable], dtype=float)
    y = np.asarray([1.0 if r["answerable"] else 0.0 for r in usable])
    means, scales = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - means) / scales
    # Balance the classes: unanswerable questions are the rarer, and the costlier to get wrong.
    weight = np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum())) * len(y)
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        gradient = (weight * (p - y)) @ z / len(y) + L2 * w
        w -= LEARNING_RATE * gradient
        b -= LEARNING_RATE * float(np.mean(weight * (p - y)))
    p = 1 / (1 + np.exp(-(z @ w + b)))
    # The highest threshold that still answers answer_rate of the answerable questions.
    answerable_p = np.sort(p[y == 1])
    cut = int(np.floor((1 - answer_rate) * len(answerable_p)))
    threshold = float(answerable_p[cut]) if len(answerable_p) else 0.5
    return Model(
        tuple(map(float, w)), float(b), tuple(map(float, means)), tuple(map(float, scales)), threshold
    )


def score(model: Model, records: Sequence[dict]) -> dict[str, float]:
    """Share of answerable questions answered and unanswerable ones refused, under ``model``."""
    answered = refused = answerable = unanswerable = 0
    for r in records:
        if r["features"] is None:  # decided by a rule (unknown name, whole-article question ...)
            says_answer = not r["refused"]
        else:
            says_answer = model.probability(r["features"]) >= model.threshold
        if r["answerable"]:
            answerable += 1
            answered += says_answer
        else:
            unanswerable += 1
            refused += not says_answer
    return {
        "answerable": answerable,
        "answered": round(answered / answerable, 3) if answerable else float("nan"),
        "unanswerable": unanswerable,
        "refused": round(refused / unanswerable, 3) if unanswerable else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="write bot/answerability.json")
    parser.add_argument("--answer-rate", type=float, default=0.92)
    parser.add_argument(
        "--blind", nargs="*", default=["fountains (essay)", "tolsay (encyclopedia)"],
        help="articles never fit on, only scored",
    )  # fmt: skip
    args = parser.parse_args()
    import tempfile

    embeddings = SentenceEmbeddings()
    with tempfile.TemporaryDirectory() as home:
        client = open_client(path=home)
        records = [r for name, path, sets in ARTICLES for r in collect(name, path, sets, client, embeddings)]
    training = [r for r in records if r["article"] not in args.blind]
    names = list(dict.fromkeys(r["article"] for r in training))
    print(
        f"{'held-out article':28s} {'answerable':>10s} {'answered':>9s} {'unanswerable':>12s} {'refused':>8s}"
    )
    for name in names:
        model = fit([r for r in training if r["article"] != name], answer_rate=args.answer_rate)
        s = score(model, [r for r in records if r["article"] == name])
        print(
            f"{name:28s} {s['answerable']:10d} {s['answered']:9.3f} {s['unanswerable']:12d} {s['refused']:8.3f}"
        )
    final = fit(training, answer_rate=args.answer_rate)
    for name in args.blind:
        s = score(final, [r for r in records if r["article"] == name])
        label = f"{name} (blind)"
        print(
            f"{label:28s} {s['answerable']:10d} {s['answered']:9.3f} {s['unanswerable']:12d} {s['refused']:8.3f}"
        )
    print("\nweights (standardised):")
    for feature, weight in zip(FEATURES, final.weights, strict=True):
        print(f"  {feature:20s} {weight:+.3f}")
    print(f"  threshold            {final.threshold:.3f}")
    if args.write:
        (ROOT / "bot" / "answerability.json").write_text(final.to_json() + "\n", encoding="utf-8")
        print("wrote bot/answerability.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
