"""Scores the bot on a question set in the QA_FORMAT.md JSONL format."""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import InputError
from bot.llm_answer import parse
from bot.text import normalize

Ask = Callable[[str, list[dict[str, str]]], dict[str, Any]]


@dataclass
class Report:
    rows: int = 0
    answerable: int = 0
    unanswerable: int = 0
    followups: int = 0
    cited_at_1: int = 0
    expected: int = 0
    refused_right: int = 0
    followups_right: int = 0
    invalid_citations: int = 0
    citation_chars: list[int] = field(default_factory=list)
    citations: int = 0  # citations of answered, answerable questions...
    gold_citations: int = 0  # ...that hold a gold passage
    model_sentences: int = 0  # sentences a language model wrote...
    supported_sentences: int = 0  # ...that the checks found supported by their citations
    notices: int = 0  # answers degraded (the model unavailable)
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        def rate(hits: int, total: int) -> float | None:
            return round(hits / total, 3) if total else None

        lat = sorted(self.latencies_ms)
        return {
            "rows": self.rows,
            "cited_at_1": rate(self.cited_at_1, self.answerable),
            "expected_phrase": rate(self.expected, self.answerable),
            "refusal_accuracy": rate(self.refused_right, self.unanswerable),
            "followup_accuracy": rate(self.followups_right, self.followups),
            "invalid_citations": self.invalid_citations,
            "citation_precision": rate(self.gold_citations, self.citations),
            "faithfulness": rate(self.supported_sentences, self.model_sentences),
            "notices": self.notices,
            "mean_citation_chars": round(statistics.fmean(self.citation_chars), 1)
            if self.citation_chars
            else 0,
            "latency_p50_ms": round(_percentile(lat, 50), 1) if lat else None,
            "latency_p95_ms": round(_percentile(lat, 95), 1) if lat else None,
        }


def load_rows(path: str | Path) -> list[dict[str, Any]]:
    """Question-set lines; raises ``InputError`` naming the first bad line."""
    rows = []
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 (bad byte at {exc.start}); save it as UTF-8") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("turns"), list) or not row["turns"]:
            raise InputError(f'{path}:{number}: needs a non-empty "turns" list')
        rows.append(row)
    return rows


def evaluate(rows: Iterable[dict[str, Any]], ask: Ask, article_text: str) -> Report:
    """Play each conversation turn by turn and score the last answer."""
    report = Report()
    for row in rows:
        history: list[dict[str, str]] = []
        result: dict[str, Any] = {}
        elapsed = 0.0
        try:
            for turn in row["turns"]:
                started = time.perf_counter()
                result = ask(turn, history)
                elapsed = (time.perf_counter() - started) * 1000
                history += [
                    {"role": "user", "content": turn},
                    {"role": "assistant", "content": result["answer"]},
                ]
        except InputError as exc:
            raise InputError(f"question set row {row.get('id', report.rows + 1)!r}: {exc}") from None
        _score(report, row, result, elapsed, article_text)
    return report


def _score(
    report: Report, row: dict[str, Any], result: dict[str, Any], elapsed: float, article_text: str
) -> None:
    report.rows += 1
    report.latencies_ms.append(elapsed)
    for citation in result["citations"] + result["closest"]:
        if article_text[citation["start"] : citation["end"]] != citation["text"]:
            report.invalid_citations += 1
    report.citation_chars += [len(c["text"]) for c in result["citations"]]
    report.notices += bool(result.get("notice"))
    if result.get("answerer", "extractive") != "extractive":
        written = len(parse(result["answer"], passages=len(result["citations"])))
        report.model_sentences += written
        report.supported_sentences += max(0, written - len(result.get("unsupported", [])))
    followup = len(row["turns"]) > 1
    report.followups += followup
    problems = []
    if row.get("answerable", True):
        report.answerable += 1
        first = result["citations"][0]["text"] if result["citations"] else ""
        cited = any(_norm(g) in _norm(first) for g in row.get("gold", []))
        if row.get("gold") and not result["refused"]:
            report.citations += len(result["citations"])
            report.gold_citations += sum(
                any(_norm(g) in _norm(c["text"]) for g in row["gold"]) for c in result["citations"]
            )
        expected = all(_norm(e) in _norm(result["answer"]) for e in row.get("expect", []))
        report.cited_at_1 += cited
        report.expected += expected
        if result["refused"]:
            problems.append("refused an answerable question")
        elif not cited:
            problems.append("first citation misses the gold passage")
        if not expected:
            problems.append("expected phrase missing")
        right = cited and expected and not result["refused"]
    else:
        report.unanswerable += 1
        right = bool(result["refused"]) and not result["citations"]
        report.refused_right += right
        if not right:
            problems.append("answered an unanswerable question")
    if followup:
        report.followups_right += right
    if problems:
        report.misses.append(
            {
                "id": row.get("id"),
                "problems": problems,
                "question": row["turns"][-1],
                "query": result["query"],
                "answer": result["answer"][:300],
            }
        )


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", normalize(text)).strip().lower()


def _percentile(values: list[float], pct: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]
