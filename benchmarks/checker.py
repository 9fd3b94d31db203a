"""How well bot.verify.Verifier tells supported answer sentences from corrupted ones.

Runs the checker over data/eval/claims.jsonl with the real MiniLM embeddings and without any, and
prints, for each article held out (the threshold fit on the other two) and for the whole set:
corrupted claims caught (overall and per kind) and supported claims wrongly flagged.

The threshold is fit by maximising caught share minus flagged share (Youden's J) on the training
rows, in the middle of the best gap between two neighbouring scores. The rules (numbers, names,
quotes, negation, roles) have no tuned parameter, so only the score threshold is fit.

Usage: python benchmarks/checker.py [CLAIMS.jsonl ...] [--unseen UNSEEN.jsonl] [--no-embeddings] [--misses]

``--unseen`` judges claims kept out of all fitting with the shipped threshold, then adds them to
the leave-one-article-out table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot import verify  # noqa: E402
from bot.verify import Verifier  # noqa: E402

DEFAULT_CLAIMS = ROOT / "data" / "eval" / "claims.jsonl"
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class Scored:
    """One claim run through the checker with no threshold: what the rules said, and its scores."""

    row: dict
    reason: str  # the failed rule's reason, "" when every rule passed
    lexical: float
    cosine: float | None

    def score(self, weight: float) -> float:
        if self.cosine is None:
            return self.lexical
        return weight * max(self.cosine, 0.0) + (1 - weight) * self.lexical

    def flagged(self, threshold: float, weight: float) -> bool:
        return bool(self.reason) or self.score(weight) < threshold


def load_claims(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def run(rows: Sequence[dict], embeddings: object | None) -> list[Scored]:
    """The rules' verdict and both score parts of every claim (the threshold comes later)."""
    verifiers: dict[str, Verifier] = {}
    out = []
    for row in rows:
        if row["article"] not in verifiers:
            text = (ROOT / row["article"]).read_text(encoding="utf-8")
            verifiers[row["article"]] = Verifier(text, embeddings=embeddings, threshold=-1.0)  # type: ignore[arg-type]
        verifier = verifiers[row["article"]]
        check = verifier.check(row["claim"], row["cited"])
        lexical = verifier.overlap(row["claim"], row["cited"]) if row["cited"] else check.score
        cosine = verifier.similarity(row["claim"], row["cited"]) if embeddings and row["cited"] else None
        out.append(Scored(row, check.reason, lexical, cosine))
    return out


def rates(scored: Sequence[Scored], threshold: float, weight: float) -> tuple[float, float]:
    """(share of corrupted claims caught, share of supported claims flagged)."""
    bad = [s for s in scored if not s.row["supported"]]
    good = [s for s in scored if s.row["supported"]]
    caught = sum(s.flagged(threshold, weight) for s in bad) / max(len(bad), 1)
    flagged = sum(s.flagged(threshold, weight) for s in good) / max(len(good), 1)
    return caught, flagged


def fit(scored: Sequence[Scored], weight: float) -> float:
    """The threshold with the best caught-minus-flagged on ``scored``.

    Every threshold between two neighbouring scores judges the rows alike, so the best one is the
    middle of the best such gap (the widest margin on both sides); the lowest gap wins a tie."""
    scores = sorted({0.0, *(round(s.score(weight), 4) for s in scored), 1.0001})
    best, best_j = 0.0, -2.0
    for low, high in zip(scores, scores[1:], strict=False):
        caught, flagged = rates(scored, high, weight)  # flags every score up to ``low``
        if caught - flagged > best_j + 1e-12:
            best, best_j = (low + high) / 2, caught - flagged
    return round(best, 3)


def held_out(scored: Sequence[Scored], weight: float) -> list[tuple[str, float, list[Scored]]]:
    """(test name, threshold fit without it, test rows) per article left out, then the whole set."""
    articles = sorted({s.row["article"] for s in scored})
    splits = []
    for article in articles:
        train = [s for s in scored if s.row["article"] != article]
        splits.append(
            (Path(article).name, fit(train, weight), [s for s in scored if s.row["article"] == article])
        )
    splits.append(("all (fit on all)", fit(scored, weight), list(scored)))
    return splits


def pooled_held_out(scored: Sequence[Scored], weight: float) -> tuple[float, float]:
    """Caught and flagged over every claim, each judged with the threshold fit without its article."""
    judged = []
    for _, threshold, test in held_out(scored, weight)[:-1]:
        judged += [(s, s.flagged(threshold, weight)) for s in test]
    bad = [f for s, f in judged if not s.row["supported"]]
    good = [f for s, f in judged if s.row["supported"]]
    return sum(bad) / len(bad), sum(good) / len(good)


def table(scored: Sequence[Scored], weight: float) -> str:
    splits = held_out(scored, weight)
    kinds = sorted({s.row["kind"] for s in scored if not s.row["supported"]})
    header = ["held out", "threshold", "caught", *kinds, "flagged"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, threshold, test in splits:
        bad = [s for s in test if not s.row["supported"]]
        good = [s for s in test if s.row["supported"]]
        cells = [name, f"{threshold:.3f}", _share(bad, threshold, weight)]
        for kind in kinds:
            cells.append(_share([s for s in bad if s.row["kind"] == kind], threshold, weight, short=True))
        cells.append(_share(good, threshold, weight))
        lines.append("| " + " | ".join(cells) + " |")
    shipped = verify.DEFAULT_THRESHOLD
    bad, good = [s for s in scored if not s.row["supported"]], [s for s in scored if s.row["supported"]]
    cells = ["all, shipped threshold", f"{shipped:.3f}", _share(bad, shipped, weight)]
    cells += [_share([s for s in bad if s.row["kind"] == k], shipped, weight, short=True) for k in kinds]
    lines.append("| " + " | ".join([*cells, _share(good, shipped, weight)]) + " |")
    caught, flagged = pooled_held_out(scored, weight)
    lines.append(
        f"\nPooled over the {len(splits) - 1} held-out articles: caught {caught:.1%}, flagged {flagged:.1%}."
    )
    return "\n".join(lines)


def unseen_row(scored: Sequence[Scored], weight: float) -> str:
    """The unseen claims judged as shipped: the rules and ``DEFAULT_THRESHOLD``, nothing refit,
    with the corrupted ones caught per kind."""
    bad, good = [s for s in scored if not s.row["supported"]], [s for s in scored if s.row["supported"]]
    shipped = verify.DEFAULT_THRESHOLD
    kinds = sorted({s.row["kind"] for s in bad})
    per_kind = ", ".join(
        f"{k} {_share([s for s in bad if s.row['kind'] == k], shipped, weight, short=True)}" for k in kinds
    )
    return (
        f"Unseen claims, shipped threshold {shipped}: caught {_share(bad, shipped, weight)}, "
        f"flagged {_share(good, shipped, weight)}\nCaught per kind: {per_kind}"
    )


def _share(rows: Sequence[Scored], threshold: float, weight: float, *, short: bool = False) -> str:
    if not rows:
        return "-"
    hits = sum(s.flagged(threshold, weight) for s in rows)
    return f"{hits}/{len(rows)}" if short else f"{hits}/{len(rows)} ({hits / len(rows):.0%})"


def misses(scored: Sequence[Scored], threshold: float, weight: float) -> str:
    lines = []
    for s in scored:
        flagged = s.flagged(threshold, weight)
        if flagged == s.row["supported"]:
            what = "FLAGGED" if flagged else "MISSED "
            why = s.reason or f"score {s.score(weight):.3f}"
            lines.append(f"{what} {s.row['id']} [{s.row['kind']}] {s.row['claim']}  -- {why}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("claims", nargs="*", type=Path, default=[DEFAULT_CLAIMS])
    parser.add_argument("--unseen", type=Path, help="claims never used to fit or change the checker")
    parser.add_argument("--no-embeddings", action="store_true", help="only the run without embeddings")
    parser.add_argument("--misses", action="store_true", help="list every miss and false flag")
    args = parser.parse_args(argv)
    rows = [row for path in args.claims for row in load_claims(path)]
    unseen = load_claims(args.unseen) if args.unseen else []
    rows += unseen
    n_bad = sum(not r["supported"] for r in rows)
    names = ", ".join(p.name for p in [*args.claims, *([args.unseen] if args.unseen else [])])
    print(f"{len(rows)} claims ({len(rows) - n_bad} supported, {n_bad} corrupted) from {names}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")

    runs: list[tuple[str, object | None]] = [("without embeddings (word overlap only)", None)]
    if not args.no_embeddings:
        from index.embeddings import SentenceEmbeddings

        runs.append(("with MiniLM embeddings", SentenceEmbeddings()))
    for title, embeddings in runs:
        started = time.perf_counter()
        scored = run(rows, embeddings)
        per_claim = (time.perf_counter() - started) * 1000 / len(rows)
        weight = verify.EMBEDDING_WEIGHT if embeddings else 0.0
        print(f"## {title}, embedding weight {weight} ({per_claim:.1f} ms per claim)\n")
        if unseen:
            print(unseen_row([s for s in scored if s.row in unseen], weight) + "\n")
            if args.misses:
                shipped = [s for s in scored if s.row in unseen]
                print("Unseen misses and false flags, shipped threshold:\n")
                print(misses(shipped, verify.DEFAULT_THRESHOLD, weight) + "\n")
        print(table(scored, weight))
        if embeddings:
            print("\nEmbedding weight vs pooled held-out result (threshold refit per split):\n")
            print("| weight | caught | flagged |\n|---|---|---|")
            for w in WEIGHTS:
                caught, flagged = pooled_held_out(scored, w)
                print(f"| {w} | {caught:.1%} | {flagged:.1%} |")
        if args.misses:
            print("\n" + misses(scored, fit(scored, weight), weight))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
