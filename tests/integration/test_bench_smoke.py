"""`make bench --smoke`: the benchmark runs end to end and writes every figure (never timed here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def test_the_benchmark_smoke_run_writes_its_report(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "benchmarks/latency.py", "--smoke", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"report: {out}" in result.stdout
    report = json.loads(out.read_text(encoding="utf-8"))
    assert {"cores", "cpu", "python", "date"} <= set(report["machine"])
    assert {"cited_at_1", "mean_citation_chars", "uncached", "cached"} <= set(report["ours"])
    assert {"p50_ms", "p95_ms"} <= set(report["ours"]["uncached"]) & set(report["ours"]["cached"])
    assert {"cited_at_1", "mean_citation_chars", "p50_ms", "p95_ms"} <= set(report["recipe"])
    assert {"p50_ms", "p95_ms"} <= set(report["floor"])
    assert {"p50_ours_over_recipe", "p50_ours_over_floor"} <= set(report["ratios"])
    processes = report["processes"]
    assert {"index_first_s", "index_fresh", "index_noop", "cold_ask", "server", "large_index"} <= set(
        processes
    )
    assert [t["clients"] for t in processes["server"]["throughput"]] == report["settings"]["levels"]
    assert all(t["answers"] > 0 and t["errors"] == 0 for t in processes["server"]["throughput"])
    assert processes["large_index"]["bytes"] >= report["settings"]["large_bytes"]
