"""The evaluator: plays each conversation, scores the last answer, reports rates and misses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.errors import InputError
from bot.evaluate import evaluate, load_rows

ARTICLE = (
    "The bridge will cost $48 million. "
    "Mayor Ortiz called it “the day we started building.” The ferry runs on."
)


def span(text: str) -> dict[str, Any]:
    start = ARTICLE.index(text)
    return {"n": 1, "paragraph": 1, "start": start, "end": start + len(text), "text": text}


def answer(*cited: str, refused: bool = False, closest: tuple[str, ...] = ()) -> dict[str, Any]:
    citations = [dict(span(t), n=i + 1) for i, t in enumerate(cited)]
    text = "The article doesn't say." if refused else " ".join(f"{c} [{i + 1}]" for i, c in enumerate(cited))
    return {
        "question": "",
        "query": "",
        "answer": text,
        "refused": refused,
        "citations": citations,
        "closest": [span(t) for t in closest],
        "timings_ms": {},
    }


class ScriptedBot:
    """Answers from a script keyed by question, and records the history it was given."""

    def __init__(self, script: dict[str, dict[str, Any]]):
        self.script = script
        self.calls: list[tuple[str, list[dict[str, str]]]] = []

    def __call__(self, question: str, history: list[dict[str, str]]) -> dict[str, Any]:
        self.calls.append((question, list(history)))
        return dict(self.script[question], question=question, query=question)


COST = "The bridge will cost $48 million."
QUOTE = "Mayor Ortiz called it “the day we started building.”"
FERRY = "The ferry runs on."


def test_a_perfect_bot_scores_one_everywhere() -> None:
    rows = [
        {
            "id": "cost",
            "turns": ["How much?"],
            "answerable": True,
            "gold": ["cost $48 million"],
            "expect": ["48 million"],
        },
        {
            "id": "quote",
            "turns": ["What did Ortiz say?"],
            "gold": ['"the day we started building."'],
            "expect": ["Ortiz"],
        },
        {"id": "u", "turns": ["Weather?"], "answerable": False},
        {
            "id": "f",
            "turns": ["Who is Ortiz?", "What did she say?"],
            "gold": ["the day we started"],
            "expect": [],
        },
    ]
    bot = ScriptedBot(
        {
            "How much?": answer(COST),
            "What did Ortiz say?": answer(QUOTE),
            "Weather?": answer(refused=True, closest=(FERRY,)),
            "Who is Ortiz?": answer(QUOTE),
            "What did she say?": answer(QUOTE, COST),
        }
    )
    summary = evaluate(rows, bot, ARTICLE).summary()
    assert summary["rows"] == 4
    assert summary["cited_at_1"] == 1.0
    assert summary["expected_phrase"] == 1.0
    assert summary["refusal_accuracy"] == 1.0
    assert summary["followup_accuracy"] == 1.0
    assert summary["invalid_citations"] == 0
    assert summary["latency_p50_ms"] is not None and summary["latency_p95_ms"] >= summary["latency_p50_ms"]


def test_gold_matching_ignores_quote_style_whitespace_and_case() -> None:
    rows = [{"id": "q", "turns": ["Q"], "gold": ['CALLED IT   "the day we STARTED building."'], "expect": []}]
    report = evaluate(rows, ScriptedBot({"Q": answer(QUOTE)}), ARTICLE)
    assert report.cited_at_1 == 1


def test_only_the_first_citation_counts_for_cited_at_1() -> None:
    rows = [{"id": "q", "turns": ["Q"], "gold": ["cost $48 million"], "expect": ["48"]}]
    report = evaluate(rows, ScriptedBot({"Q": answer(FERRY, COST)}), ARTICLE)
    assert report.summary()["cited_at_1"] == 0.0
    assert report.summary()["expected_phrase"] == 1.0
    assert [m["id"] for m in report.misses] == ["q"]
    assert "first citation misses the gold passage" in report.misses[0]["problems"]


def test_refusing_an_answerable_question_is_a_miss() -> None:
    rows = [{"id": "q", "turns": ["Q"], "gold": ["cost"], "expect": ["48"]}]
    report = evaluate(rows, ScriptedBot({"Q": answer(refused=True)}), ARTICLE)
    summary = report.summary()
    assert summary["cited_at_1"] == 0.0 and summary["expected_phrase"] == 0.0
    assert "refused an answerable question" in report.misses[0]["problems"]


def test_answering_an_unanswerable_question_is_a_miss() -> None:
    rows = [{"id": "u", "turns": ["Weather?"], "answerable": False}]
    report = evaluate(rows, ScriptedBot({"Weather?": answer(FERRY)}), ARTICLE)
    assert report.summary()["refusal_accuracy"] == 0.0
    assert report.misses[0]["problems"] == ["answered an unanswerable question"]
    assert report.misses[0]["question"] == "Weather?"


def test_a_refusal_that_still_cites_support_is_wrong() -> None:
    rows = [{"id": "u", "turns": ["Weather?"], "answerable": False}]
    bad = dict(answer(FERRY), refused=True)
    assert evaluate(rows, ScriptedBot({"Weather?": bad}), ARTICLE).summary()["refusal_accuracy"] == 0.0


def test_citations_that_are_not_verbatim_are_counted() -> None:
    wrong_offsets = answer(COST)
    wrong_offsets["citations"][0]["start"] += 1
    paraphrase = answer(refused=True, closest=(FERRY,))
    paraphrase["closest"][0]["text"] = "The ferry keeps running."
    rows = [{"id": "a", "turns": ["A"], "gold": ["cost"]}, {"id": "b", "turns": ["B"], "answerable": False}]
    report = evaluate(rows, ScriptedBot({"A": wrong_offsets, "B": paraphrase}), ARTICLE)
    assert report.summary()["invalid_citations"] == 2


def test_follow_ups_are_played_turn_by_turn_with_history() -> None:
    rows = [{"id": "f", "turns": ["Who is Ortiz?", "What did she say?"], "gold": ["started building"]}]
    bot = ScriptedBot({"Who is Ortiz?": answer(COST), "What did she say?": answer(QUOTE)})
    report = evaluate(rows, bot, ARTICLE)
    assert [q for q, _ in bot.calls] == ["Who is Ortiz?", "What did she say?"]
    assert bot.calls[0][1] == []
    assert bot.calls[1][1] == [
        {"role": "user", "content": "Who is Ortiz?"},
        {"role": "assistant", "content": answer(COST)["answer"]},
    ]
    assert report.summary()["followup_accuracy"] == 1.0
    assert report.rows == 1, "only the last turn is scored"


def test_rates_without_rows_of_a_kind_are_none() -> None:
    rows = [{"id": "u", "turns": ["Weather?"], "answerable": False}]
    summary = evaluate(rows, ScriptedBot({"Weather?": answer(refused=True)}), ARTICLE).summary()
    assert summary["cited_at_1"] is None and summary["followup_accuracy"] is None
    assert summary["mean_citation_chars"] == 0


def test_mean_citation_length_counts_cited_passages() -> None:
    rows = [{"id": "q", "turns": ["Q"], "gold": ["cost"]}]
    summary = evaluate(rows, ScriptedBot({"Q": answer(COST, FERRY)}), ARTICLE).summary()
    assert summary["mean_citation_chars"] == pytest.approx((len(COST) + len(FERRY)) / 2, abs=0.1)


def test_load_rows_reads_jsonl_and_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text(
        json.dumps({"id": "a", "turns": ["Q?"], "answerable": False})
        + "\n\n"
        + json.dumps({"id": "b", "turns": ["R?"]})
        + "\n",
        encoding="utf-8",
    )
    assert [r["id"] for r in load_rows(path)] == ["a", "b"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "a", "turns": ["Q?"]}\n{not json}\n', ":2: not JSON"),
        ('{"id": "a"}\n', ':1: needs a non-empty "turns" list'),
        ('{"id": "a", "turns": []}\n', ":1: needs a non-empty"),
        ('["Q?"]\n', ":1: needs a non-empty"),
    ],
)
def test_load_rows_names_the_bad_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_rows(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_load_rows_rejects_a_non_utf8_file_clearly(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'\xff\xfe{"turns": ["Caf\xe9?"]}\n')
    with pytest.raises(InputError, match="UTF-8"):
        load_rows(path)


def test_faithfulness_and_citation_precision_for_a_model_answerer() -> None:
    rows = [
        {"id": "cost", "turns": ["How much?"], "gold": ["cost $48 million"]},
        {"id": "quote", "turns": ["What did Ortiz say?"], "gold": ["the day we started building"]},
    ]
    model_answer = answer(COST, FERRY) | {
        "answerer": "openai:m",
        "unsupported": [{"sentence": "The ferry runs on.", "reason": "x"}],
    }
    fallback = answer(QUOTE) | {"notice": "The language model is unavailable."}
    bot = ScriptedBot({"How much?": model_answer, "What did Ortiz say?": fallback})
    summary = evaluate(rows, bot, ARTICLE).summary()
    assert summary["citation_precision"] == round(2 / 3, 3)  # the ferry citation is not gold
    assert summary["faithfulness"] == 0.5  # two model sentences, one unsupported
    assert summary["notices"] == 1
    extractive = evaluate(rows[1:], ScriptedBot({"What did Ortiz say?": answer(QUOTE)}), ARTICLE)
    assert extractive.summary()["faithfulness"] is None
