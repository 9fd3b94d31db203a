"""The CLI contract of issue 2, through the real `article-chat` command, the real model and on-disk Chroma."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from index.article import default_article_path, read_article

pytestmark = pytest.mark.integration

ANSWER_KEYS = {
    "question", "query", "answer", "refused", "citations", "closest", "answerer", "unsupported", "notice",
    "timings_ms", "article",
}  # fmt: skip
CITATION_KEYS = {"n", "paragraph", "start", "end", "text"}
METRICS = (
    "cited_at_1",
    "expected_phrase",
    "refusal_accuracy",
    "followup_accuracy",
    "invalid_citations",
    "latency_p50_ms",
    "latency_p95_ms",
)


@pytest.fixture(scope="module")
def original() -> str:
    """The default article exactly as the file holds it: citations must slice this."""
    return default_article_path().read_bytes().decode("utf-8")


@pytest.fixture(scope="module")
def paragraphs() -> dict[int, str]:
    return {p.number: p.text for p in read_article().paragraphs}


def assert_answer_contract(result: dict[str, Any], original: str) -> None:
    assert set(result) == ANSWER_KEYS
    assert result["article"] == "default", "the reading that answered"
    assert isinstance(result["refused"], bool)
    for citation in result["citations"] + result["closest"]:
        assert set(citation) == CITATION_KEYS
        assert original[citation["start"] : citation["end"]] == citation["text"]
    assert [c["n"] for c in result["citations"]] == list(range(1, len(result["citations"]) + 1))
    assert all(isinstance(v, int | float) for v in result["timings_ms"].values())
    if result["refused"]:
        assert result["citations"] == []
    else:
        assert result["citations"]
        for citation in result["citations"]:
            assert f"[{citation['n']}]" in result["answer"]


def test_index_builds_with_progress_and_reports_the_collection(cli_home: Any) -> None:
    first = cli_home.first_index
    assert re.fullmatch(
        r"reading default: index article-chat-[\w-]+: \d+ passages from article\.txt\n", first.stdout
    ), first.stdout
    assert "embedding" in first.stderr, "a progress bar while embedding"
    assert "Traceback" not in first.stderr


def test_index_again_reuses_the_built_index(cli: Any, cli_home: Any) -> None:
    again = cli(["index"], home=cli_home.path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == cli_home.first_index.stdout, "same collection, same passages"
    assert "embedding" not in again.stderr, "nothing is embedded again"


def test_ask_prints_the_answer_with_numbered_citations_and_paragraphs(
    cli: Any, cli_home: Any, original: str, paragraphs: dict[int, str]
) -> None:
    result = cli(["ask", "What did Powell say?"], home=cli_home.path)
    assert result.returncode == 0, result.stderr
    answer, _, passages = result.stdout.partition("\n\n")
    assert "Powell" in answer and "[1]" in answer
    cited = re.findall(r"^\[(\d+)\] ¶(\d+): (.+)$", passages, re.MULTILINE)
    assert cited, result.stdout
    assert [int(n) for n, _, _ in cited] == list(range(1, len(cited) + 1))
    for n, paragraph, text in cited:
        assert text in paragraphs[int(paragraph)], f"[{n}] is not in paragraph {paragraph}"
        assert f"[{n}]" in answer
    assert "Powell" in cited[0][2]


def test_ask_json_schema_and_verbatim_citations(cli: Any, cli_home: Any, original: str) -> None:
    question = "What did Secretary Rumsfeld tell the press conference?"
    result = cli(["ask", "--json", question], home=cli_home.path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, "one JSON object"
    answer = json.loads(lines[0])
    assert_answer_contract(answer, original)
    assert answer["question"] == question
    assert answer["refused"] is False
    assert {"total"} <= set(answer["timings_ms"])


def test_ask_jsonl_answers_each_line_with_history_and_reports_bad_lines(
    cli: Any, cli_home: Any, original: str
) -> None:
    def user(text: str) -> dict[str, str]:
        return {"role": "user", "content": text}

    lines = [
        json.dumps({"messages": [user("What did Powell say?")]}),
        "this is not JSON",
        json.dumps(
            {
                "messages": [
                    user("Who is Rumsfeld?"),
                    {"role": "assistant", "content": "Secretary Rumsfeld implied as much."},
                    user("What did he tell the press?"),
                ]
            }
        ),
        json.dumps({"messages": [user("   ")]}),
        json.dumps({"messages": [user("What's the weather in Baghdad today?")]}),
        json.dumps({"messages": [user('<script>alert("hi")</script> What did <b>Powell</b> say?')]}),
    ]
    result = cli(["ask", "--jsonl"], home=cli_home.path, input="\n".join(lines) + "\n")
    assert "Traceback" not in result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == 6
    for number in (2, 4):
        error = outputs[number - 1]
        assert set(error) == {"line", "error"} and error["line"] == number
    assert "not valid JSON" in outputs[1]["error"]
    for answer in (outputs[0], outputs[2], outputs[4], outputs[5]):
        assert_answer_contract(answer, original)
    assert outputs[0]["refused"] is False
    follow_up = outputs[2]
    assert follow_up["question"] == "What did he tell the press?"
    assert "Rumsfeld" in follow_up["query"], "the follow-up is rewritten from the earlier turns"
    assert follow_up["refused"] is False
    assert outputs[4]["refused"] is True
    # Markup is text: echoed as given, never executed or stripped, and not put into the answer.
    assert outputs[5]["question"] == '<script>alert("hi")</script> What did <b>Powell</b> say?'
    assert "<script>" not in outputs[5]["answer"]
    assert result.returncode == 2, "a bad line makes the run exit 2, after every line is answered"


def test_eval_prints_the_metrics_and_lists_each_miss(cli: Any, cli_home: Any, tmp_path: Path) -> None:
    rows = [
        {
            "id": "powell",
            "turns": ["What did Powell say?"],
            "answerable": True,
            "gold": ["Colin Powell recalled"],
            "expect": ["Powell"],
        },
        {"id": "weather", "turns": ["What's the weather in Baghdad today?"], "answerable": False},
        {
            "id": "rumsfeld-follow-up",
            "turns": ["Who is Rumsfeld?", "What did he tell the press?"],
            "answerable": True,
            "gold": ["insurgencies tend to go on"],
            "expect": [],
        },
        {
            "id": "planted-miss",
            "turns": ["What did Powell say?"],
            "answerable": True,
            "gold": ["a sentence the article does not contain"],
            "expect": [],
        },
    ]
    qa = tmp_path / "qa.jsonl"
    qa.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = cli(["eval", str(qa)], home=cli_home.path)
    assert result.returncode == 0, result.stderr
    for metric in METRICS:
        assert re.search(rf"^{metric}\s+\S", result.stdout, re.MULTILINE), metric
    assert re.search(r"^invalid_citations\s+0$", result.stdout, re.MULTILINE)
    assert "MISS planted-miss: first citation misses the gold passage" in result.stdout
    assert "MISS weather" not in result.stdout


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "empty"),
        ("  \t ", "empty"),
        ("x" * 2001, "over the limit of 2,000"),
        ("What did\x1b[31m Powell say?", "control character"),
        ("Why?\x7f", "control character"),
    ],
    ids=["empty", "whitespace", "too-long", "escape", "delete"],
)
def test_bad_questions_exit_2_with_one_line(
    cli: Any, one_line_error: Any, tmp_path: Path, question: str, message: str
) -> None:
    assert message in one_line_error(cli(["ask", question], home=tmp_path), 2)


def test_ask_without_a_question_exits_2(cli: Any, one_line_error: Any, tmp_path: Path) -> None:
    assert "--jsonl" in one_line_error(cli(["ask"], home=tmp_path), 2)


def test_a_missing_article_exits_2(cli: Any, one_line_error: Any, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.md"
    assert str(missing) in one_line_error(cli(["--article", str(missing), "ask", "Why?"], home=tmp_path), 2)


def test_a_binary_article_exits_2(cli: Any, one_line_error: Any, tmp_path: Path) -> None:
    binary = tmp_path / "photo.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    assert "binary" in one_line_error(cli(["index", str(binary)], home=tmp_path), 2)


def test_a_non_utf8_article_exits_2(cli: Any, one_line_error: Any, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Le caf\xe9 a ferm\xe9. Personne n'est venu.".encode("latin-1"))
    assert "UTF-8" in one_line_error(cli(["--article", str(latin1), "ask", "Why?"], home=tmp_path), 2)


def test_a_directory_as_article_exits_2(cli: Any, one_line_error: Any, tmp_path: Path) -> None:
    one_line_error(cli(["index", str(tmp_path)], home=tmp_path), 2)


def test_eval_of_a_missing_file_exits_2(cli: Any, one_line_error: Any, tmp_path: Path) -> None:
    assert "not found" in one_line_error(cli(["eval", str(tmp_path / "qa.jsonl")], home=tmp_path), 2)


def test_eval_of_invalid_json_lines_exits_2_naming_the_line(
    cli: Any, one_line_error: Any, tmp_path: Path
) -> None:
    qa = tmp_path / "qa.jsonl"
    qa.write_text('{"id": "a", "turns": ["Why?"]}\n{"id": "b", "turns": \n', encoding="utf-8")
    assert f"{qa}:2" in one_line_error(cli(["eval", str(qa)], home=tmp_path), 2)


def test_eval_of_a_non_utf8_file_exits_2(cli: Any, one_line_error: Any, tmp_path: Path) -> None:
    qa = tmp_path / "qa.jsonl"
    qa.write_bytes(b'{"id": "a", "turns": ["Caf\xe9?"]}\n')
    assert "UTF-8" in one_line_error(cli(["eval", str(qa)], home=tmp_path), 2)


def test_a_bad_setting_exits_2(cli: Any, one_line_error: Any, tmp_path: Path) -> None:
    result = cli(["ask", "Why?"], home=tmp_path, ARTICLE_CHAT_MAX_QUESTION_CHARS="lots")
    assert "ARTICLE_CHAT_MAX_QUESTION_CHARS" in one_line_error(result, 2)


def test_conflicting_flags_are_a_usage_error(cli: Any, tmp_path: Path) -> None:
    result = cli(["ask", "--json", "--jsonl", "Why?"], home=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "not allowed with" in result.stderr


def test_ask_with_no_index_builds_it_saying_so_on_stderr(cli: Any, tmp_path: Path, original: str) -> None:
    result = cli(["ask", "--json", "What did Powell say?"], home=tmp_path / "fresh")
    assert result.returncode == 0, result.stderr
    assert (
        "article-chat: building article-chat-" in result.stderr and "for reading 'default'" in result.stderr
    )
    assert "embedding" in result.stderr, "a progress bar, never a silent re-embed"
    assert_answer_contract(json.loads(result.stdout), original)
