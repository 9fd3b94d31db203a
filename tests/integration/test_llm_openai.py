"""The LLM answerer through the real langchain-openai client against a scripted server on loopback."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

import bot.verify
from bot.chain import StreamDelta
from bot.chat_models import chat_model
from bot.llm_answer import UNAVAILABLE, LLMAnswerer
from bot.service import ChatService, extractive_answerer
from bot.verify import Verifier
from index.article import read_article
from index.chunks import chunk_article
from index.store import ensure_index, open_client
from tests.integration.openai_stub import Step, StubServer

pytestmark = pytest.mark.integration
POWELL = "What did Powell say?"
TIMEOUT_S = 3.0
HORNETS = "America sticking its hand into a thousand year-old hornet’s"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, real_embeddings: Any) -> Any:
    client = open_client(path=tmp_path_factory.mktemp("llm-chroma"))
    return ensure_index(read_article(), client=client, embeddings=real_embeddings)


@pytest.fixture(scope="module")
def fallback(index: Any) -> Any:
    return extractive_answerer(index)


@pytest.fixture
def stub() -> Iterator[StubServer]:
    with StubServer() as server:
        yield server


@pytest.fixture
def service(index: Any, fallback: Any, stub: StubServer) -> Any:
    """``service(**options)``: the whole pipeline answering through the stub server."""

    def build(**options: Any) -> ChatService:
        model = chat_model("openai:stub-model", timeout=TIMEOUT_S, env={"OPENAI_BASE_URL": stub.url})
        answerer = LLMAnswerer(
            index.article,
            index.chunks,
            model=model,
            name="openai:stub-model",
            fallback=fallback,
            verifier=Verifier(index.article.text, embeddings=index.embeddings),
            timeout=TIMEOUT_S,
            **options,
        )
        return ChatService(index, answerer=answerer)

    return build


def passage(index: Any, words: str) -> int:
    """The prompt's number for the sentence containing ``words`` (the whole article is numbered)."""
    return next(n for n, chunk in enumerate(index.chunks, start=1) if words in chunk.text)


def powell_reply(index: Any) -> str:
    n = passage(index, "Colin Powell recalled")
    return f"Colin Powell recalled opposing “{HORNETS} nest.” [{n}]"


def test_a_cited_answer_arrives_checked_with_exact_citations(
    index: Any, service: Any, stub: StubServer
) -> None:
    stub.script.then(powell_reply(index))
    result = service().ask(POWELL)
    assert result["answerer"] == "openai:stub-model" and result["notice"] is None
    assert result["unsupported"] == [] and not result["refused"]
    citation = result["citations"][0]
    assert citation["n"] == 1 and index.article.text[citation["start"] : citation["end"]] == citation["text"]
    assert "Colin Powell recalled" in citation["text"] and result["answer"].endswith("[1]")
    request = stub.script.requests[0]
    assert request["stream"] is True and request["model"] == "stub-model"
    system, user = request["messages"][0], request["messages"][-1]
    assert system["role"] == "system" and "[n]" not in system["content"]
    assert f"<<<QUESTION\n{POWELL}\nQUESTION>>>" in user["content"]
    powell = next(c.text for c in index.chunks if "Colin Powell recalled" in c.text)
    assert f"\n{powell} [{passage(index, 'Colin Powell recalled')}]\n" in user["content"]


def test_streamed_chunks_arrive_as_deltas(index: Any, service: Any, stub: StubServer) -> None:
    stub.script.then(powell_reply(index))
    events = list(service().stream(POWELL))
    deltas = [e for e in events if isinstance(e, StreamDelta)]
    assert len(deltas) >= 10 and isinstance(events[-1], dict)
    assert "".join(d.text for d in deltas).rstrip().endswith("[1]")
    assert deltas[-1].citations == events[-1]["citations"]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        # a wrong marker: Rumsfeld's numbers cited to Powell's sentence
        ("Insurgencies go on for 12 years [{powell}].", "12"),
        # a dangling marker
        ("Powell opposed the war [999].", "does not exist"),
        # a misquote
        ("Powell called it “a hornet’s nest of a thousand years.” [{powell}]", "quot"),
        # a changed number
        ("Rumsfeld said insurgencies go on five, six, eight, ten, 15 years [{rumsfeld}].", "15"),
    ],
)
def test_corrupted_sentences_are_listed_and_marked(
    index: Any, service: Any, stub: StubServer, reply: str, reason: str
) -> None:
    numbers = {
        "powell": passage(index, "Colin Powell recalled"),
        "rumsfeld": passage(index, "Rumsfeld implied"),
    }
    stub.script.then(f"{powell_reply(index)} {reply.format(**numbers)}")
    result = service().ask(POWELL)
    assert len(result["unsupported"]) == 1, result
    flagged = result["unsupported"][0]
    assert flagged["reason"] and flagged["sentence"] in result["answer"]
    if reason == "does not exist":  # ours; the other reasons are the checker's own words
        assert reason in flagged["reason"]
    assert "[999]" not in result["answer"]


@pytest.mark.skipif(
    getattr(bot.verify, "STAND_IN", False), reason="names and negations need the real bot/verify.py"
)
@pytest.mark.parametrize(
    "reply",
    [
        "Colin Rumsfeld recalled opposing “" + HORNETS + " nest.” [{powell}]",
        "Colin Powell never opposed the war [{powell}].",
    ],
)
def test_changed_names_and_negations_are_marked(
    index: Any, service: Any, stub: StubServer, reply: str
) -> None:
    stub.script.then(reply.format(powell=passage(index, "Colin Powell recalled")))
    result = service().ask(POWELL)
    assert len(result["unsupported"]) == 1, result


def test_drop_mode_removes_the_corrupted_sentence(index: Any, service: Any, stub: StubServer) -> None:
    rumsfeld = passage(index, "Rumsfeld implied")
    stub.script.then(f"{powell_reply(index)} Insurgencies go on for 99 years [{rumsfeld}].")
    result = service(unsupported="drop").ask(POWELL)
    assert "99" not in result["answer"] and len(result["citations"]) == 1
    assert result["unsupported"][0]["sentence"] == "Insurgencies go on for 99 years."


@pytest.mark.parametrize(
    "step",
    [
        Step(status=500),
        Step(status=503),
        Step(status=429),
        Step(garbage=b"<html>bad gateway</html>"),
        Step(reply="lorem ipsum dolor sit amet"),  # no usable sentence
        Step(reply=""),
    ],
)
def test_faults_fall_back_to_the_articles_own_words(
    service: Any, stub: StubServer, step: Step, caplog: pytest.LogCaptureFixture
) -> None:
    stub.script.then(step)
    with caplog.at_level(logging.WARNING, logger="bot.llm_answer"):
        result = service().ask(POWELL)
    assert result["notice"] == UNAVAILABLE and result["answerer"] == "extractive"
    assert "Powell" in result["answer"] and result["citations"]
    assert len([r for r in caplog.records if r.name == "bot.llm_answer"]) == 1
    assert all(r.exc_info is None for r in caplog.records)  # no traceback in the log


def test_a_slow_server_is_cut_off_at_the_timeout(service: Any, stub: StubServer) -> None:
    stub.script.then(Step(reply="Too late [1].", delay=TIMEOUT_S + 3))
    started = time.perf_counter()
    result = service().ask(POWELL)
    assert time.perf_counter() - started < TIMEOUT_S + 2
    assert result["notice"] == UNAVAILABLE


def test_an_unreachable_server_falls_back_at_once(index: Any, fallback: Any, port: Any) -> None:
    model = chat_model(
        "openai:x", timeout=TIMEOUT_S, env={"OPENAI_BASE_URL": f"http://127.0.0.1:{port()}/v1"}
    )
    answerer = LLMAnswerer(
        index.article, index.chunks, model=model, name="openai:x", fallback=fallback, verifier=Verifier("")
    )
    started = time.perf_counter()
    result = ChatService(index, answerer=answerer).ask(POWELL)
    assert time.perf_counter() - started < TIMEOUT_S
    assert result["notice"] == UNAVAILABLE


def test_a_follow_up_is_rewritten_by_the_model(index: Any, service: Any, stub: StubServer) -> None:
    stub.script.then("What did Colin Powell oppose?", powell_reply(index))
    history = [{"role": "user", "content": POWELL}, {"role": "assistant", "content": "Powell said no."}]
    result = service().ask("What did he oppose?", history)
    assert result["query"] == "What did Colin Powell oppose?"
    assert "What did he oppose?" in stub.script.requests[0]["messages"][0]["content"]
    assert result["citations"]


def test_cli_streams_the_models_answer(cli: Any, cli_home: Any, stub: StubServer) -> None:
    sentences = [c.text for c in chunk_article(read_article())]
    n = next(i for i, text in enumerate(sentences, start=1) if "Colin Powell recalled" in text)
    stub.script.then(
        f"Powell opposed “America sticking its hand into a thousand year-old hornet’s nest.” [{n}]"
    )
    result = cli(
        ["--llm", "openai:stub-model", "ask", POWELL],
        home=cli_home.path,
        OPENAI_BASE_URL=stub.url,
        ARTICLE_CHAT_LLM_TIMEOUT="20",
    )
    assert result.returncode == 0, result.stderr
    answer, _, passages = result.stdout.partition("\n\n")
    assert "hornet’s nest" in answer and "[1]" in answer
    assert passages.startswith("[1] ¶8: Colin Powell recalled")
    json_run = cli(
        ["--llm", "openai:stub-model", "ask", "--json", POWELL],
        home=cli_home.path,
        OPENAI_BASE_URL=stub.url,
    )
    assert json.loads(json_run.stdout)["notice"] == UNAVAILABLE  # the script is used up: a 500
