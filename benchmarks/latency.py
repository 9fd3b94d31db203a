"""article-chat against the stock LangChain RAG recipe and the floor, on one machine in one run.

- article-chat: the full pipeline as configured (ONNX query embeddings, hybrid retrieval, answer,
  refusal check), warm; latency with the query cache OFF (every question embedded), and the
  cached figure separately;
- the stock recipe: RecursiveCharacterTextSplitter(1000, 200) + the same MiniLM (same ONNX
  embeddings, no cache) + Chroma, similarity_search(k=4): retrieval only, no answer;
- the floor: one bare query embedding, the least any of them can do.

Then whole processes: index build (first, fresh, no-op), a cold `article-chat ask`, the server's
time to ready, its memory and its throughput at 1, 20 and 50 concurrent clients, and indexing a
generated 1 MB article. Writes a JSON report and prints where.

Usage: python benchmarks/latency.py [QUESTIONS.jsonl ...] [--repeat N] [--out PATH] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks import processes  # noqa: E402
from benchmarks.corpus import large_article  # noqa: E402
from bot.evaluate import _norm, evaluate, load_rows  # noqa: E402
from bot.service import ChatService  # noqa: E402
from index.article import read_article  # noqa: E402
from index.onnx_embeddings import OnnxEmbeddings  # noqa: E402
from index.query_cache import CachedEmbeddings  # noqa: E402
from index.store import ensure_index, open_client  # noqa: E402

DEFAULT_SETS = [
    ROOT.parent / "shared" / "dev_qa.jsonl",
    ROOT / "data" / "eval" / "article_qa.jsonl",
    ROOT / "data" / "eval" / "blind_qa.jsonl",
]
COLD_QUESTION = "What did Powell say?"
FULL = {"repeat": 3, "cli_runs": 3, "levels": [1, 20, 50], "per_client": 20, "large_bytes": 1_000_000}
SMOKE = {"repeat": 1, "cli_runs": 1, "levels": [1, 2], "per_client": 2, "large_bytes": 20_000, "rows": 6}


def summary(latencies: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(processes.percentile(latencies, 50), 2),
        "p95_ms": round(processes.percentile(latencies, 95), 2),
    }


def timed(call: Any, items: list[Any], repeat: int) -> list[float]:
    latencies = []
    for _ in range(repeat):
        for item in items:
            started = time.perf_counter()
            call(item)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def ours(rows: list[dict], home: Path, repeat: int) -> dict[str, Any]:
    """The pipeline as configured, warm; cache off, then on, over the same questions."""
    article = read_article()
    base = OnnxEmbeddings(cache_dir=home / "models")
    uncached = CachedEmbeddings(base, size=0)  # every question embedded
    index = ensure_index(article, client=open_client(path=home / "chroma"), embeddings=uncached)
    service = ChatService(index)
    service.warm_up()
    reports = [evaluate(rows, service.ask, article.text) for _ in range(repeat)]
    result = reports[0].summary()
    result["uncached"] = summary([x for r in reports for x in r.latencies_ms])
    cached = CachedEmbeddings(base)
    index.embeddings = cached
    service = ChatService(index)
    service.warm_up()
    evaluate(rows, service.ask, article.text)  # fills the cache
    result["cached"] = summary(
        [x for _ in range(repeat) for x in evaluate(rows, service.ask, article.text).latencies_ms]
    )
    return result


def recipe(rows: list[dict], home: Path, repeat: int) -> dict[str, Any]:
    """The stock recipe, retrieval only; same questions, same model, no cache."""
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    article = read_article()
    embeddings = OnnxEmbeddings(cache_dir=home / "models")
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_text(article.text)
    store = Chroma.from_texts(chunks, embeddings, collection_name=f"recipe-{time.time_ns()}")
    answerable = [r for r in rows if r.get("answerable", True)]
    questions = [" ".join(r["turns"]) for r in answerable]  # no rewriting: it embeds what it gets
    store.similarity_search("warm-up", k=4)
    hits = sum(
        any(_norm(g) in _norm(store.similarity_search(q, k=4)[0].page_content) for g in r["gold"])
        for q, r in zip(questions, answerable, strict=True)
    )
    latencies = timed(lambda q: store.similarity_search(q, k=4), questions, repeat)
    store.delete_collection()
    floor = timed(embeddings.embed_query, questions, repeat)
    return {
        "recipe": {
            "cited_at_1": round(hits / len(answerable), 3),
            "mean_citation_chars": round(statistics.fmean(len(c) for c in chunks), 1),
            **summary(latencies),
        },
        "floor": summary(floor),
    }


def whole_processes(settings: dict[str, Any], scratch: Path) -> dict[str, Any]:
    first = scratch / "first"
    report: dict[str, Any] = {"index_first_s": processes.cli(["index"], home=first)["seconds"]}
    fresh = scratch / "fresh"
    fresh.mkdir()
    shutil.copytree(first / "models", fresh / "models")  # the ONNX export is made once per machine
    report["index_fresh"] = processes.cli(["index"], home=fresh)
    report["index_noop"] = processes.cli(["index"], home=fresh)
    report["cold_ask"] = processes.median_cli(["ask", COLD_QUESTION], home=fresh, runs=settings["cli_runs"])
    questions = (
        [r["turns"][-1] for r in load_rows(DEFAULT_SETS[0])] if DEFAULT_SETS[0].exists() else [COLD_QUESTION]
    )
    report["server"] = processes.server(
        fresh, questions, levels=settings["levels"], per_client=settings["per_client"]
    )
    big = large_article(scratch / "large.txt", size=settings["large_bytes"])
    report["large_index"] = {
        "bytes": big.stat().st_size,
        **processes.cli(["--article", str(big), "index"], home=fresh),
    }
    return report


def table(report: dict[str, Any]) -> str:
    o, r, f = report["ours"], report["recipe"], report["floor"]
    p = report["processes"]
    rows = [
        ("cited@1 (answerable)", o["cited_at_1"], r["cited_at_1"], "-"),
        ("mean citation chars", o["mean_citation_chars"], r["mean_citation_chars"], "-"),
        ("warm p50 ms (cache off)", o["uncached"]["p50_ms"], r["p50_ms"], f["p50_ms"]),
        ("warm p95 ms (cache off)", o["uncached"]["p95_ms"], r["p95_ms"], f["p95_ms"]),
        ("warm p50 / p95 ms (cached)", f"{o['cached']['p50_ms']} / {o['cached']['p95_ms']}", "-", "-"),
    ]
    lines = [f"{'metric':30s}{'article-chat':>16s}{'stock recipe':>16s}{'floor':>10s}"]
    lines += [f"{a:30s}{b!s:>16s}{c!s:>16s}{d!s:>10s}" for a, b, c, d in rows]
    lines += [
        f"ratio p50 ours/recipe {report['ratios']['p50_ours_over_recipe']}, ours/floor "
        f"{report['ratios']['p50_ours_over_floor']}",
        f"index: first (with ONNX export) {p['index_first_s']} s, fresh {p['index_fresh']['seconds']} s, "
        f"no-op {p['index_noop']['seconds']} s",
        f"cold `ask`: {p['cold_ask']['seconds_median']} s, {p['cold_ask']['peak_rss_mb_median']} MB peak "
        f"(median of {p['cold_ask']['runs']})",
        f"server: ready in {p['server']['ready_s']} s, RSS {p['server']['rss_ready_mb']} MB, "
        f"{p['server']['rss_after_mb']} MB after {p['server']['answers_served']} answers",
        *(
            f"  {t['clients']:>3d} clients: {t['answers_per_s']} answers/s, p95 {t['p95_ms']} ms, "
            f"{t['errors']} errors"
            for t in p["server"]["throughput"]
        ),
        f"index a {p['large_index']['bytes']:,}-byte article: {p['large_index']['seconds']} s, "
        f"{p['large_index']['peak_rss_mb']} MB peak",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sets", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, help="passes over the questions (latency samples)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "report.json")
    parser.add_argument("--smoke", action="store_true", help="tiny settings: checks that it runs")
    args = parser.parse_args(argv)
    settings = dict(SMOKE if args.smoke else FULL)
    if args.repeat:
        settings["repeat"] = args.repeat
    sets = [p for p in (args.sets or DEFAULT_SETS) if p.exists()]
    rows = [row for path in sets for row in load_rows(path)][: settings.get("rows")]
    report: dict[str, Any] = {"machine": processes.machine(), "settings": settings, "questions": len(rows)}
    print(f"machine: {report['machine']}")
    print(f"questions: {len(rows)} from {', '.join(p.name for p in sets)}; {settings['repeat']} passes")
    with tempfile.TemporaryDirectory(prefix="article-chat-bench-") as scratch:
        home = Path(scratch) / "inprocess"
        report["ours"] = ours(rows, home, settings["repeat"])
        report.update(recipe(rows, home, settings["repeat"]))
        report["processes"] = whole_processes(settings, Path(scratch))
    p50 = report["ours"]["uncached"]["p50_ms"]
    report["ratios"] = {
        "p50_ours_over_recipe": round(p50 / report["recipe"]["p50_ms"], 2),
        "p50_ours_over_floor": round(p50 / report["floor"]["p50_ms"], 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print()
    print(table(report))
    print(f"\nreport: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
