"""The CLI in-process, over the fake-embedding service: output formats, exit codes, one-line errors."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import ui.runtime
from index.errors import IndexUnavailable
from ui.cli import EXIT_FAILURE, EXIT_USAGE, format_answer, main

ANSWER_KEYS = {
    "question", "query", "answer", "refused", "citations", "closest", "answerer", "unsupported", "notice",
    "timings_ms",
}  # fmt: skip


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch, tiny_service: Any, tmp_path: Path) -> list[Any]:
    """Every CLI command gets the fake service; records the settings it was opened with."""
    calls: list[Any] = []

    def open_service(settings: Any, *, progress: bool = False, rebuild: bool = False, **named: Any) -> Any:
        calls.append(settings)
        return tiny_service

    monkeypatch.setattr(ui.runtime, "open_from_settings", open_service)
    monkeypatch.setattr(
        ui.runtime, "rebuild_from_settings", lambda settings, **named: open_service(settings, rebuild=True)
    )
    monkeypatch.setenv("ARTICLE_CHAT_HOME", str(tmp_path / "home"))
    return calls


@pytest.fixture
def never_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails the test if the CLI gets as far as loading the model and the index."""

    def open_service(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("bad input must be rejected before the model and index are loaded")

    monkeypatch.setattr(ui.runtime, "open_from_settings", open_service)


def one_line_error(captured: Any) -> str:
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("article-chat: ")
    assert "Traceback" not in captured.err
    return lines[0]


def stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 2001, "over the limit of 2,000"),
        ("What\x07 did he say?", "control character"),
    ],
)
def test_bad_questions_exit_2_before_loading_anything(
    never_opened: None, capsys: pytest.CaptureFixture[str], question: str, message: str
) -> None:
    assert main(["ask", question]) == EXIT_USAGE
    assert message in one_line_error(capsys.readouterr())


def test_ask_without_a_question_says_how(never_opened: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask"]) == EXIT_USAGE
    assert "--jsonl" in one_line_error(capsys.readouterr())


def test_question_limit_follows_the_setting(
    never_opened: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ARTICLE_CHAT_MAX_QUESTION_CHARS", "10")
    assert main(["ask", "What did Finch warn?"]) == EXIT_USAGE
    assert "over the limit of 10" in one_line_error(capsys.readouterr())


def test_a_bad_setting_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ARTICLE_CHAT_PORT", "eighty")
    assert main(["ask", "What did Finch warn?"]) == EXIT_USAGE
    assert "ARTICLE_CHAT_PORT" in one_line_error(capsys.readouterr())


def test_a_missing_article_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.md"
    assert main(["--home", str(tmp_path), "--article", str(missing), "ask", "Why?"]) == EXIT_USAGE
    assert str(missing) in one_line_error(capsys.readouterr())


def test_a_binary_article_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    assert main(["--home", str(tmp_path), "--article", str(binary), "index"]) == EXIT_USAGE
    assert "binary" in one_line_error(capsys.readouterr())


def test_an_unusable_index_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise IndexUnavailable(
            "index at /x cannot be opened (file is not a database); run `article-chat index --rebuild`"
        )

    monkeypatch.setattr(ui.runtime, "open_from_settings", broken)
    assert main(["ask", "What did Finch warn?"]) == EXIT_FAILURE
    assert "--rebuild" in one_line_error(capsys.readouterr())


def test_ask_prints_the_answer_and_numbered_citations_with_paragraphs(
    opened: list[Any], tiny_service: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "What did Finch warn?"]) == 0
    out = capsys.readouterr().out
    answer, _, passages = out.partition("\n\n")
    assert "[1]" in answer
    paragraphs = {p.number: p.text for p in tiny_service.article.paragraphs}
    cited = re.findall(r"^\[(\d+)\] ¶(\d+): (.+)$", passages, re.MULTILINE)
    assert cited and [int(n) for n, _, _ in cited] == list(range(1, len(cited) + 1))
    for _, paragraph, text in cited:
        assert text in paragraphs[int(paragraph)]
    assert any("every month of delay" in text for _, _, text in cited)


def test_ask_json_is_the_answer_contract(
    opened: list[Any], tiny_service: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--json", "What did Finch warn?"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == ANSWER_KEYS
    assert result["question"] == "What did Finch warn?"
    for citation in result["citations"]:
        assert set(citation) == {"n", "paragraph", "start", "end", "text"}
        assert tiny_service.article.text[citation["start"] : citation["end"]] == citation["text"]


def test_flags_reach_the_settings(
    opened: list[Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "a.md"
    assert (
        main(
            [
                "--article",
                str(article),
                "--home",
                str(tmp_path / "h"),
                "--chroma-url",
                "http://127.0.0.1:9",
                "ask",
                "Why?",
            ]
        )
        == 0
    )
    settings = opened[-1]
    assert settings.article == article
    assert settings.home == tmp_path / "h"
    assert settings.chroma_url == "http://127.0.0.1:9"
    assert main(["--article", str(article), "index", str(tmp_path / "b.md")]) == 0
    assert opened[-1].article == tmp_path / "b.md", "index PATH wins over --article"
    capsys.readouterr()


def test_index_reports_the_collection(
    opened: list[Any], tiny_service: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index"]) == 0
    out = capsys.readouterr().out
    assert tiny_service.index.name in out
    assert f"{len(tiny_service.index.chunks)} passages" in out


def test_jsonl_answers_each_line_and_reports_bad_lines(
    opened: list[Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        json.dumps({"messages": [{"role": "user", "content": "What did Finch warn?"}]}),
        "{not json",
        "",
        json.dumps(["a list"]),
        json.dumps({"messages": []}),
        json.dumps({"messages": [{"role": "user", "content": "   "}]}),
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "Who is Councillor Finch?"},
                    {"role": "assistant", "content": "Councillor Abel Finch voted against the plan. [1]"},
                    {"role": "user", "content": "What did he warn?"},
                ]
            }
        ),
    ]
    stdin(monkeypatch, ("\n".join(lines) + "\n").encode())
    status = main(["ask", "--jsonl"])
    captured = capsys.readouterr()
    outputs = [json.loads(line) for line in captured.out.splitlines()]
    assert len(opened) == 1, "the service (model) is opened once for all lines"
    assert len(outputs) == 6, "one object per non-blank line"
    assert set(outputs[0]) == ANSWER_KEYS
    errors = outputs[1:5]
    assert [e["line"] for e in errors] == [2, 4, 5, 6]
    assert all(set(e) == {"line", "error"} for e in errors)
    assert "not valid JSON" in errors[0]["error"]
    assert "empty" in errors[3]["error"]
    assert set(outputs[5]) == ANSWER_KEYS
    assert "Finch" in outputs[5]["query"], "the follow-up is answered with its history"
    assert status == EXIT_USAGE
    assert "Traceback" not in captured.err


def test_jsonl_with_only_good_lines_exits_0(
    opened: list[Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    line = json.dumps({"messages": [{"role": "user", "content": "How much will the work cost?"}]})
    stdin(monkeypatch, f"{line}\n{line}\n".encode())
    assert main(["ask", "--jsonl"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_jsonl_line_of_invalid_utf8_is_an_error_object(
    opened: list[Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good = json.dumps({"messages": [{"role": "user", "content": "How much will the work cost?"}]}).encode()
    stdin(monkeypatch, b"\xff\xfe\n" + good + b"\n")
    status = main(["ask", "--jsonl"])
    outputs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == EXIT_USAGE
    assert outputs[0]["line"] == 1 and "error" in outputs[0]
    assert set(outputs[1]) == ANSWER_KEYS


def write_qa(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


QA = [
    {
        "id": "cost",
        "turns": ["How much will the work cost?"],
        "gold": ["$48 million"],
        "expect": ["48 million"],
    },
    {"id": "obama", "turns": ["What did Obama say about the bridge?"], "answerable": False},
    {
        "id": "miss",
        "turns": ["How much will the work cost?"],
        "gold": ["a passage that is not there"],
        "expect": [],
    },
]


def test_eval_prints_every_metric_and_lists_misses(
    opened: list[Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(write_qa(tmp_path / "qa.jsonl", QA))]) == 0
    out = capsys.readouterr().out
    for metric in (
        "cited_at_1",
        "expected_phrase",
        "refusal_accuracy",
        "followup_accuracy",
        "invalid_citations",
        "latency_p50_ms",
        "latency_p95_ms",
    ):
        assert re.search(rf"^{metric}\s+\S+", out, re.MULTILINE), metric
    assert "MISS miss:" in out
    assert "MISS cost" not in out


def test_eval_json(opened: list[Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--json", str(write_qa(tmp_path / "qa.jsonl", QA))]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 3
    assert report["refusal_accuracy"] == 1.0
    assert report["cited_at_1"] == 0.5
    assert [m["id"] for m in report["misses"]] == ["miss"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "not found"), ("{oops\n", "not JSON")],
)
def test_eval_bad_question_set_exits_2(
    never_opened: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "qa.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["eval", str(path)]) == EXIT_USAGE
    assert message in one_line_error(capsys.readouterr())


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["ask", "--json", "--jsonl", "Why?"])
    assert exit_info.value.code == EXIT_USAGE
    assert "not allowed with" in capsys.readouterr().err


def test_format_answer_shows_the_rewritten_query_and_closest_passages() -> None:
    closest = {"n": 1, "paragraph": 7, "start": 0, "end": 5, "text": "The ferry will keep running."}
    refused = {
        "question": "Why?",
        "query": "Why? (Why was the bridge closed?)",
        "answer": "The article doesn't say.",
        "refused": True,
        "citations": [],
        "closest": [closest],
        "timings_ms": {},
    }
    text = format_answer(refused)
    assert text.splitlines()[0] == "(searched for: Why? (Why was the bridge closed?))"
    assert "The article doesn't say." in text
    assert "Closest passages (not an answer):" in text
    assert "¶7: The ferry will keep running." in text
    assert "[1]" not in text, "closest passages are not numbered citations"


# ---------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", "What did \udcff say?"],  # the bytes b"\xff" arrive like this (surrogateescape)
        ["--article", "/tmp/caf\udce9.md", "ask", "Why?"],
        ["ask", "--json", "Pow\udcc3ell"],
    ],
)
def test_invalid_utf8_in_an_argument_exits_2_in_one_line(
    never_opened: None, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main(argv) == EXIT_USAGE
    assert "is not valid UTF-8 (byte 0x" in one_line_error(capsys.readouterr())


def test_a_zero_width_space_inside_a_name_is_stripped(
    opened: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--json", "What did Fin\u200bch warn?"]) == 0
    assert json.loads(capsys.readouterr().out)["question"] == "What did Finch warn?"


def test_jsonl_answers_every_good_line_among_30_mixed_ones(
    opened: list[Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def line(messages: Any) -> bytes:
        return json.dumps({"messages": messages}).encode()

    good = line([{"role": "user", "content": "How much will the work cost?"}])
    bad = [
        b"\xff\xfe not utf-8",
        b"{not json",
        b'{"messages": [{"role": "user", "content": "\\ud800"}]}',  # a lone surrogate
        line([{"role": ["user"], "content": "x"}, {"role": "user", "content": "Why?"}]),
        line([{"role": {"a": 1}, "content": "x"}, {"role": "user", "content": "Why?"}]),
        b'{"messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"messages": ' + b"9" * 5000 + b"}",
        b'{"messages": NaN}',
        b"[1, 2, 3]",
        line([{"role": "user", "content": "   "}]),
        line([{"role": "user", "content": "x" * 5000}]),
        line([{"role": "user", "content": "a\x00b"}]),
        line([]),
        b'{"messages": "What did Finch warn?"}',
        b'"just a string"',
    ]
    lines = [b for pair in zip([good] * len(bad), bad, strict=True) for b in pair]
    stdin(monkeypatch, b"\n".join(lines) + b"\n")
    status = main(["ask", "--jsonl"])
    captured = capsys.readouterr()
    outputs = [json.loads(out) for out in captured.out.splitlines()]
    assert len(lines) == 30 and len(outputs) == 30, "every line gets exactly one answer or error"
    assert all(set(out) == ANSWER_KEYS for out in outputs[0::2]), "good lines are all answered"
    errors = outputs[1::2]
    assert [e["line"] for e in errors] == list(range(2, 31, 2))
    assert all(set(e) == {"line", "error"} and e["error"].startswith(f"line {e['line']}") for e in errors)
    assert "not UTF-8" in errors[0]["error"] and "nested" in errors[5]["error"]
    assert "invalid character" in errors[2]["error"] and "role that is list" in errors[3]["error"]
    assert status == EXIT_USAGE and captured.err == ""


def run_bounded(target: Any, seconds: float = 20) -> Any:
    """Calls ``target`` in a thread and fails the test if it has not returned in time."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(target()), daemon=True)
    thread.start()
    thread.join(seconds)
    return result[0] if result else None


def test_index_refuses_a_fifo_without_opening_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "article.md"
    os.mkfifo(fifo)
    try:
        status = run_bounded(lambda: main(["--home", str(tmp_path), "index", str(fifo)]))
    finally:  # a reader blocked in open() (today's code) gets EOF and its thread ends
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert status == EXIT_USAGE, "index on a FIFO must not block"
    assert "is a FIFO, not a regular file" in one_line_error(capsys.readouterr())


@pytest.mark.parametrize(("path", "kind"), [("{tmp}", "a directory"), ("/dev/null", "a device")])
def test_index_refuses_what_is_not_a_regular_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str, kind: str
) -> None:
    path = path.format(tmp=tmp_path)
    assert main(["--home", str(tmp_path / "home"), "index", path]) == EXIT_USAGE
    assert f"{path} is {kind}, not a regular file" in one_line_error(capsys.readouterr())


def test_a_huge_article_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "huge.md"
    with huge.open("wb") as file:
        file.truncate(50_000_000_000)  # sparse: 50 GB on paper, nothing on disk

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a file over the limit must not be read")

    monkeypatch.setattr(Path, "read_bytes", never)
    monkeypatch.setattr(Path, "open", never)
    assert main(["--home", str(tmp_path / "home"), "index", str(huge)]) == EXIT_USAGE
    assert "50,000,000,000 bytes, over the limit of 2,000,000 bytes" in one_line_error(capsys.readouterr())


def test_an_article_that_grows_past_the_limit_while_read_is_cut_off(tmp_path: Path) -> None:
    from index.article import read_article
    from index.errors import ArticleError

    status = Path("/proc/self/status")  # a regular file that stats as 0 bytes but has text
    if not status.is_file() or status.stat().st_size:
        pytest.skip("needs Linux /proc")
    with pytest.raises(ArticleError, match="is over the limit of 10 bytes"):
        read_article(status, max_bytes=10)


@pytest.mark.parametrize(
    "argv",
    [
        ["--article", "reading.md", "--home", "/data", "serve"],
        ["serve", "--article", "reading.md", "--home", "/data"],
        ["--home", "/data", "serve", "--article", "reading.md"],
    ],
)
def test_global_options_work_before_or_after_the_command(argv: list[str]) -> None:
    from ui.cli import build_parser

    args = build_parser().parse_args(argv)
    assert args.command == "serve"
    assert str(args.article) == "reading.md" and str(args.home) == "/data"


def test_an_option_after_the_command_wins_over_one_before() -> None:
    from ui.cli import build_parser

    args = build_parser().parse_args(["--article", "old.md", "ask", "Why?", "--article", "new.md"])
    assert str(args.article) == "new.md" and args.question == "Why?"


@pytest.mark.parametrize(
    "argv",
    [
        ["index", "x.md", "--name", "Week 3"],
        ["ask", "--reading", "WEEK", "Why?"],
        ["eval", "set.jsonl", "--reading=-x"],
        ["remove", "a_b"],
    ],
)
def test_a_bad_reading_name_exits_2_before_loading(
    argv: list[str], never_opened: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == EXIT_USAGE
    assert "is not a short slug" in one_line_error(capsys.readouterr())


def test_index_name_and_ask_reading_reach_the_runtime(
    monkeypatch: pytest.MonkeyPatch, tiny_service: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[dict[str, Any]] = []

    def open_service(settings: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return tiny_service

    monkeypatch.setattr(ui.runtime, "open_from_settings", open_service)
    monkeypatch.setattr(
        ui.runtime, "rebuild_from_settings", lambda s, **kw: open_service(s, rebuild=True, **kw)
    )
    monkeypatch.setenv("ARTICLE_CHAT_HOME", str(tmp_path))
    assert main(["index", "week3.md", "--name", "week-3"]) == 0
    assert calls[-1] == {"progress": True, "reading": "week-3", "path": Path("week3.md")}
    assert main(["index", "--rebuild", "--name", "week-3"]) == 0
    assert calls[-1] == {"rebuild": True, "reading": "week-3", "path": None}
    assert main(["ask", "--reading", "week-3", "--json", "What did Powell say?"]) == 0
    assert calls[-1] == {"progress": False, "reading": "week-3"}
    capsys.readouterr()


def test_list_and_remove(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from index.catalog import Reading

    readings = [
        Reading("default", build="b1", title="", source="article.txt", chunks=36, built_at=0.0),
        Reading("tram", build="b2", title="Port Ardley backs the tram", source="tram.md", chunks=34,
                built_at=86_400.0, building="b3"),
    ]  # fmt: skip
    monkeypatch.setattr(ui.runtime, "list_readings", lambda settings: readings)
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "TITLE", "SOURCE", "CHUNKS", "BUILT", "AT", "(UTC)"]
    assert lines[1].split()[:4] == ["default", "-", "article.txt", "36"]
    assert "tram" in lines[2] and "1970-01-02 00:00 (a build is unfinished)" in lines[2]
    monkeypatch.setattr(ui.runtime, "list_readings", lambda settings: [])
    assert main(["list"]) == 0
    assert "index FILE --name NAME" in capsys.readouterr().out
    monkeypatch.setattr(ui.runtime, "remove_from_settings", lambda settings, name: readings[1])
    assert main(["remove", "tram"]) == 0
    assert capsys.readouterr().out == "removed reading tram (tram.md, 34 passages)\n"


def test_removing_an_unknown_reading_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from index.errors import UnknownReading

    def remove(settings: Any, name: str) -> Any:
        raise UnknownReading("no reading named 'x' is indexed (indexed: default)")

    monkeypatch.setattr(ui.runtime, "remove_from_settings", remove)
    assert main(["remove", "x"]) == EXIT_USAGE
    assert "(indexed: default)" in one_line_error(capsys.readouterr())
