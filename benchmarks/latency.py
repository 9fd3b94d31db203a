"""Warm answer latency and first-citation accuracy, against the stock LangChain RAG recipe.

Runs both on the same machine, article, model and questions in one process:
- article-chat: the full pipeline (follow-up rewrite, hybrid retrieval, answer, refusal check);
- baseline: RecursiveCharacterTextSplitter(1000, 200) + the same MiniLM + Chroma, k=4 (retrieval
  only: it has no answerer, so its latency is a lower bound for any answer built on it).

Usage: python benchmarks/latency.py [QUESTIONS.jsonl ...] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bot.evaluate import _norm, evaluate, load_rows  # noqa: E402
from bot.service import open_service  # noqa: E402
from index.article import read_article  # noqa: E402
from index.embeddings import SentenceEmbeddings  # noqa: E402
from index.store import open_client  # noqa: E402

DEFAULT_SETS = [
    ROOT.parent / "shared" / "dev_qa.jsonl",
    ROOT / "data" / "eval" / "article_qa.jsonl",
    ROOT / "data" / "eval" / "blind_qa.jsonl",
]


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1] if len(values) > 1 else values[0]


def stock_recipe(article_text: str, embeddings: SentenceEmbeddings, rows: list[dict], repeat: int) -> dict:
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_text(article_text)
    store = Chroma.from_texts(chunks, embeddings, collection_name=f"baseline-{time.time_ns()}")
    answerable = [r for r in rows if r.get("answerable", True)]
    store.similarity_search("warm-up", k=4)
    hits, latencies = 0, []
    for _ in range(repeat):
        for row in answerable:
            question = " ".join(row["turns"])  # no rewriting: the recipe just embeds what it gets
            started = time.perf_counter()
            docs = store.similarity_search(question, k=4)
            latencies.append((time.perf_counter() - started) * 1000)
            hits += any(_norm(g) in _norm(docs[0].page_content) for g in row["gold"])
    store.delete_collection()
    return {
        "cited_at_1": round(hits / (len(answerable) * repeat), 3),
        "mean_citation_chars": round(statistics.fmean(len(c) for c in chunks), 1),
        "latency_p50_ms": round(percentile(latencies, 50), 1),
        "latency_p95_ms": round(percentile(latencies, 95), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sets", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the questions (latency samples)")
    args = parser.parse_args()
    sets = [p for p in (args.sets or DEFAULT_SETS) if p.exists()]
    rows = [row for path in sets for row in load_rows(path)]
    article = read_article()
    embeddings = SentenceEmbeddings()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"questions: {len(rows)} from {', '.join(p.name for p in sets)}; {args.repeat} passes")
    with tempfile.TemporaryDirectory() as home:
        started = time.perf_counter()
        service = open_service(article, client=open_client(path=home), embeddings=embeddings)
        print(f"cold start (model load + index build): {time.perf_counter() - started:.1f} s")
        service.warm_up()
        reports = [evaluate(rows, service.ask, article.text) for _ in range(args.repeat)]
    latencies = [x for r in reports for x in r.latencies_ms]
    ours = reports[0].summary()
    ours["latency_p50_ms"] = round(percentile(latencies, 50), 1)
    ours["latency_p95_ms"] = round(percentile(latencies, 95), 1)
    base = stock_recipe(article.text, embeddings, rows, args.repeat)
    keys = ["cited_at_1", "mean_citation_chars", "latency_p50_ms", "latency_p95_ms"]
    print(f"\n{'metric':22s}{'article-chat':>14s}{'stock recipe':>14s}")
    for key in keys:
        print(f"{key:22s}{ours[key]!s:>14s}{base[key]!s:>14s}")
    print(f"{'refusal_accuracy':22s}{ours['refusal_accuracy']!s:>14s}{'n/a':>14s}")
    print(f"{'expected_phrase':22s}{ours['expected_phrase']!s:>14s}{'n/a':>14s}")
    print(f"{'followup_accuracy':22s}{ours['followup_accuracy']!s:>14s}{'n/a':>14s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
