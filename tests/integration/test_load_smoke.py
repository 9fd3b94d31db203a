"""`benchmarks/load.py --smoke`: students beside an abuser get every answer; the abuser is refused
clearly and slowly (never timed here: the p95 figures are the benchmark's to report, not a test's
to assert)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def test_students_beside_an_abuser_get_every_answer_and_the_abuser_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    result = subprocess.run(
        [sys.executable, "benchmarks/load.py", "--smoke", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    alone, beside = report["runs"]
    assert not alone["abuser"] and beside["abuser"]
    for run in (alone, beside):
        students = run["students"]
        assert students["errors"] == 0 and students["outcomes"] == {"200": students["answers"]}, students
        assert students["answers"] > 0
    abuse, settings = beside["abuser_requests"], report["settings"]
    assert abuse["errors"] == 0, abuse
    assert abuse["outcomes"].get("429", 0) > 0, "the abuser is refused once its questions are used"
    # Each refusal is held back (2 s as shipped), so each of its connections sends a few a second
    # at most: without the hold it is hundreds a second.
    held_at_most = settings["abuser_threads"] * (settings["seconds"] / 2 + 2)
    assert abuse["outcomes"]["429"] <= held_at_most, abuse
    assert report["p95_with_over_without"], "the ratio the README reports is computed"
