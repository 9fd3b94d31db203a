"""Fit the extractive answerer's ranking weights (bot/ranking.json) and its answerability model
(bot/answerability.json) on question sets, and report both leave-one-article-out.

Every conversation of every set is played as usual; for its last question the answerer's inputs
(question, rewritten query, retrieved candidates, history) are kept. Then, offline:
1. ranking: a linear scorer over the answerer's ``SIGNALS``, fit so that the sentence holding the
   gold answer ranks first (softmax over each question's candidates);
2. answerability: with those weights, the answerer runs again and its answerability check records
   its features; a logistic regression decides "answer" vs "the article doesn't say", with the
   threshold that refuses the most unanswerable questions while still answering
   ``--answer-rate`` of the answerable ones.
For each article, the numbers are those of weights fit on all the OTHER articles (held out).
Articles named with --blind are never fit on and only scored with the final weights.

Usage: python benchmarks/fit_answerability.py [--write] [--blind NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.answer import HAND_WEIGHTS, SIGNALS, Answer  # noqa: E402
from bot.answerability import FEATURES, Model  # noqa: E402
from bot.chain import build_chain  # noqa: E402
from bot.evaluate import _norm, load_rows  # noqa: E402
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
        "school streets (essay2)",
        ROOT / "data/eval/essay2_article.txt",
        [ROOT / "data/eval/essay2_article_qa.jsonl"],
    ),  # fmt: skip
    (
        "linwick cinema (dialog)",
        ROOT / "data/eval/dialog_article.txt",
        [ROOT / "data/eval/dialog_article_qa.jsonl"],
    ),  # fmt: skip
    (
        "tool library (feature)",
        ROOT / "data/eval/feature_article.txt",
        [ROOT / "data/eval/feature_article_qa.jsonl"],
    ),  # fmt: skip
    (
        "brine subsidence (explainer)",
        ROOT / "data/eval/explainer_dev_article.txt",
        [ROOT / "data/eval/explainer_dev_article_qa.jsonl"],
    ),  # fmt: skip
    (
        "kelby engineer (biography)",
        ROOT / "data/eval/bio_article.txt",
        [ROOT / "data/eval/bio_article_qa.jsonl"],
    ),  # fmt: skip
    (
        "heat warnings (study)",
        ROOT / "data/eval/study_article.txt",
        [ROOT / "data/eval/study_article_qa.jsonl"],
    ),  # fmt: skip
    (
        "aldbrook water (court)",
        ROOT / "data/eval/court_article.txt",
        [ROOT / "data/eval/court_article_qa.jsonl"],
    ),  # fmt: skip
    (
        "port varrick strike (history)",
        ROOT / "data/eval/history_article.txt",
        [ROOT / "data/eval/history_article_qa.jsonl"],
    ),  # fmt: skip
    (
        "halloway novel (book review)",
        ROOT / "data/eval/bookreview_article.txt",
        [ROOT / "data/eval/bookreview_article_qa.jsonl"],
    ),  # fmt: skip
    (
        "kestrel cup final (match report)",
        ROOT / "data/eval/match_article.txt",
        [ROOT / "data/eval/match_article_qa.jsonl"],
    ),  # fmt: skip
    (
        "tolsay (encyclopedia)",
        ROOT / "data/eval/encyclopedia_article.txt",
        [ROOT / "data/eval/encyclopedia_article_qa.jsonl"],
    ),  # fmt: skip
]
# Scored only. The dialog set was written after the last fit; fitting on it too changed nothing
# leave-one-article-out, so the shipped weights stay those fit without it.
NOT_FIT = ("fountains (essay)", "tolsay (encyclopedia)", "linwick cinema (dialog)")
# The bars for unseen articles: 90% of answerable questions answered, half of the
# unanswerable ones refused. ANSWER_RATE is the rate (of 0.90 to 0.98) whose leave-one-article-out
# results fall least short of both, summed over the articles fit on (2026-11-26, sixth session:
# 0.90 0.195, 0.91 0.120, 0.92 0.091, 0.93 0.106, 0.94 0.104, 0.95 0.165).
ANSWERED_BAR = 0.90
REFUSED_BAR = 0.50
ANSWER_RATE = 0.92
L2 = 0.05  # ridge penalty on the standardised answerability weights
RANK_STEPS = 300
RANK_LEARNING_RATE = 0.5
RANK_TEMPERATURE = 10.0  # scores differ by tenths: sharpen the softmax
RANK_L2 = 0.01  # keeps the fitted ranking weights near the hand-set ones where data is thin
STEPS = 4000
LEARNING_RATE = 0.1


class Recorder:
    """Wraps an answerer and keeps the inputs of its last call."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.last: tuple[Any, ...] | None = None

    def answer(self, *args: Any) -> Answer:
        self.last = args
        return cast(Answer, self.inner.answer(*args))


def collect(
    name: str, article_path: Path | None, sets: Sequence[Path], client: Any, embeddings: Any
) -> list[dict]:
    """One record per conversation: answerable?, gold snippets, the answerer and its last inputs."""
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
            for turn in row["turns"]:
                recorder.last = None
                result = service.ask(turn, history)
                history += [
                    {"role": "user", "content": turn},
                    {"role": "assistant", "content": result["answer"]},
                ]
            records.append(
                {
                    "article": name,
                    "id": row.get("id"),
                    "answerable": bool(row.get("answerable", True)),
                    "gold": [_norm(g) for g in row.get("gold", [])],
                    "answerer": service.answerer,
                    "inputs": recorder.last,  # None: answered before the answerer (e.g. not English)
                    "features": None,
                    "refused": bool(result.get("refused")),
                }
            )
    return records


def ranking_examples(records: Sequence[dict]) -> list[tuple[dict, np.ndarray, np.ndarray]]:
    """(record, signals per candidate, gold mask) for answerable questions whose gold was retrieved."""
    examples = []
    for r in records:
        if not r["answerable"] or r["inputs"] is None:
            continue
        candidates, signals = r["answerer"].signal_rows(*r["inputs"])
        gold = np.asarray([any(g in _norm(c.chunk.text) for g in r["gold"]) for c in candidates])
        if not gold.any() or gold.all():
            continue
        examples.append((r, signals, gold))
    return examples


def fit_ranking(examples: Sequence[tuple[dict, np.ndarray, np.ndarray]]) -> np.ndarray:
    """Weights maximising the softmax probability of the gold sentences, starting from the hand ones."""
    w = np.asarray(HAND_WEIGHTS, dtype=float)
    for _ in range(RANK_STEPS):
        gradient = np.zeros_like(w)
        for _, x, gold in examples:
            z = RANK_TEMPERATURE * (x @ w)
            p = np.exp(z - z.max())
            p /= p.sum()
            target = gold / gold.sum()
            gradient += RANK_TEMPERATURE * (p - target) @ x
        w -= RANK_LEARNING_RATE * (
            gradient / max(1, len(examples)) + RANK_L2 * (w - np.asarray(HAND_WEIGHTS))
        )
    return w


def top1(examples: Sequence[tuple[dict, np.ndarray, np.ndarray]], w: Sequence[float]) -> float:
    hits = [bool(gold[int(np.argmax(x @ np.asarray(w)))]) for _, x, gold in examples]
    return sum(hits) / len(hits) if hits else float("nan")


def with_features(records: Sequence[dict], weights: Sequence[float]) -> None:
    """Answer each record's last question again under ``weights``; keep the check's features."""
    for r in records:
        if r["inputs"] is None:
            continue
        answerer = r["answerer"]
        answerer.weights = tuple(weights)
        answer = answerer.answer(*r["inputs"])
        r["features"] = answer.features if "p" in answer.features else None
        r["refused"] = answer.refused


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


def shortfall(s: dict[str, float]) -> float:
    """How far one article falls short of the issue's bars: 90% answered and 50% refused."""
    return max(0.0, ANSWERED_BAR - s["answered"]) + max(0.0, REFUSED_BAR - s["refused"])


def _row(name: str, s: dict[str, float]) -> None:
    print(
        f"{name:30s} {s['answerable']:10d} {s['answered']:9.3f} {s['unanswerable']:12d} {s['refused']:8.3f}"
    )


def held_out(names: Sequence[str], training: Sequence[dict], records: Sequence[dict], rate: float) -> None:
    """Each article scored by a model fit on the others, and the summed shortfall from the bars."""
    missed = 0.0
    for name in names:
        model = fit([r for r in training if r["article"] != name], answer_rate=rate)
        result = score(model, [r for r in records if r["article"] == name])
        _row(name, result)
        missed += shortfall(result)
    print(f"{'shortfall from the bars, summed':30s} {missed:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="write bot/answerability.json")
    parser.add_argument(
        "--features", type=Path, help="also save the answerability features here (JSON lines), to refit later"
    )
    parser.add_argument(
        "--answer-rate", type=float, nargs="+", default=[ANSWER_RATE],
        help="share of answerable questions the threshold keeps answering (the first is written; "
        "others are only reported)",
    )  # fmt: skip
    parser.add_argument(
        "--blind", nargs="*", default=list(NOT_FIT),
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
        examples = ranking_examples(records)

        print("1. ranking: the gold sentence ranked first (answerable questions whose gold was retrieved)")
        print(f"{'held-out article':30s} {'questions':>9s} {'hand-set':>9s} {'fitted':>7s}")
        hand_hits = fitted_hits = 0.0
        for name in names:
            held = [e for e in examples if e[0]["article"] == name]
            others = [e for e in examples if e[0]["article"] != name and e[0]["article"] not in args.blind]
            w = fit_ranking(others)
            hand, fitted = top1(held, HAND_WEIGHTS), top1(held, w)
            hand_hits, fitted_hits = hand_hits + hand * len(held), fitted_hits + fitted * len(held)
            print(f"{name:30s} {len(held):9d} {hand:9.3f} {fitted:7.3f}")
        # Fitted weights are kept only if they beat the hand-set ones on held-out articles.
        ranking = fit_ranking([e for e in examples if e[0]["article"] not in args.blind])
        keep_fitted = fitted_hits > hand_hits
        if not keep_fitted:
            ranking = np.asarray(HAND_WEIGHTS)
        print(f"kept: {'fitted' if keep_fitted else 'hand-set'} weights")
        for name in args.blind:
            held = [e for e in examples if e[0]["article"] == name]
            label = f"{name} (blind)"
            print(f"{label:30s} {len(held):9d} {top1(held, HAND_WEIGHTS):9.3f} {top1(held, ranking):7.3f}")

        with_features(records, ranking)
        if args.features:
            kept = ("article", "id", "answerable", "features", "refused")
            args.features.write_text(
                "".join(json.dumps({k: r[k] for k in kept}) + "\n" for r in records), encoding="utf-8"
            )
        for rate in args.answer_rate[1:]:
            print(f"\n(answer rate {rate}, not written)")
            held_out(names, training, records, rate)
        args.answer_rate = args.answer_rate[0]
        print(f"\n2. answerability (answer rate {args.answer_rate}), with the ranking kept above")
        print(
            f"{'held-out article':30s} {'answerable':>10s} {'answered':>9s} {'unanswerable':>12s}", "refused"
        )
        held_out(names, training, records, args.answer_rate)
        final = fit(training, answer_rate=args.answer_rate)
        for name in args.blind:
            _row(f"{name} (blind)", score(final, [r for r in records if r["article"] == name]))
    print("\nranking weights:")
    for signal, weight in zip(SIGNALS, ranking, strict=True):
        print(f"  {signal:20s} {weight:+.3f}")
    print("answerability weights (standardised):")
    for feature, weight in zip(FEATURES, final.weights, strict=True):
        print(f"  {feature:20s} {weight:+.3f}")
    print(f"  threshold            {final.threshold:.3f}")
    ranking_file = ROOT / "bot" / "ranking.json"
    if args.write and not keep_fitted:
        ranking_file.unlink(missing_ok=True)
        (ROOT / "bot" / "answerability.json").write_text(final.to_json() + "\n", encoding="utf-8")
        print("wrote bot/answerability.json (ranking: the hand-set weights in bot/answer.py)")
    elif args.write:
        ranking_json = json.dumps(
            {"signals": list(SIGNALS), "weights": [round(float(w), 4) for w in ranking]}
        )
        ranking_file.write_text(ranking_json + "\n", encoding="utf-8")
        (ROOT / "bot" / "answerability.json").write_text(final.to_json() + "\n", encoding="utf-8")
        print("wrote bot/ranking.json and bot/answerability.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
