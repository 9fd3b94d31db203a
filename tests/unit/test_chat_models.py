"""Chat model specs and the LLM settings: clear errors for bad values, the right class for good ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.chat_models import chat_format_for, chat_model, model_name, system_into_first_turn
from bot.errors import AnswererUnavailable, InputError
from ui.settings import Settings


@pytest.mark.parametrize("spec", ["gpt-4o-mini", "openai:", ":model", "nosuchprovider:model", ""])
def test_a_bad_spec_names_the_right_forms(spec: str) -> None:
    with pytest.raises(InputError, match="provider:model.*llamacpp:"):
        chat_model(spec)


def test_llamacpp_needs_an_existing_gguf(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.gguf"):
        chat_model(f"llamacpp:{tmp_path / 'model.bin'}")
    with pytest.raises(InputError, match="not found"):
        chat_model(f"llamacpp:{tmp_path / 'missing.gguf'}")


def test_openai_spec_reads_the_base_url_and_needs_no_key_for_a_local_server() -> None:
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    model = chat_model("openai:local-model", timeout=7, env=env)
    assert type(model).__name__ == "ChatOpenAI"
    assert model.model_name == "local-model" and model.request_timeout == 7 and model.max_retries == 0


def test_a_provider_whose_package_is_missing_says_what_to_install() -> None:
    pytest.importorskip("langchain")
    try:
        import langchain_ollama  # noqa: F401

        pytest.skip("langchain-ollama is installed here")
    except ImportError:
        pass
    with pytest.raises(AnswererUnavailable, match="langchain-ollama"):
        chat_model("ollama:llama3.2", env={"OLLAMA_HOST": "127.0.0.1:11434"})


def test_model_name_hides_a_local_path() -> None:
    assert model_name("llamacpp:/srv/models/gemma.gguf") == "llamacpp:gemma.gguf"
    assert model_name("OpenAI:gpt-4o-mini") == "openai:gpt-4o-mini"


def test_llm_settings_defaults_and_errors() -> None:
    settings = Settings.from_env({})
    assert (settings.llm, settings.llm_timeout, settings.unsupported) == ("extractive", 30.0, "mark")
    env = {"ARTICLE_CHAT_LLM": "openai:gpt-4o-mini", "ARTICLE_CHAT_LLM_TIMEOUT": "2.5"}
    settings = Settings.from_env(env | {"ARTICLE_CHAT_UNSUPPORTED": "DROP"})
    assert (settings.llm, settings.llm_timeout, settings.unsupported) == ("openai:gpt-4o-mini", 2.5, "drop")
    with pytest.raises(InputError, match="LLM_TIMEOUT"):
        Settings.from_env({"ARTICLE_CHAT_LLM_TIMEOUT": "soon"})
    with pytest.raises(InputError, match="mark, drop"):
        Settings.from_env({"ARTICLE_CHAT_UNSUPPORTED": "hide"})


def test_cli_rejects_a_bad_llm_spec_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ui.cli import EXIT_USAGE, main

    assert main(["--home", str(tmp_path), "--llm", "gpt4", "ask", "What did Finch say?"]) == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert err.startswith("article-chat: unknown language model 'gpt4'") and "\n" not in err
    assert not (tmp_path / "chroma").exists()  # it failed before opening the index


def test_a_gguf_without_a_chat_template_gets_its_architectures_format() -> None:
    assert chat_format_for({"general.architecture": "gemma3"}, "llama-2") == "gemma"
    assert chat_format_for({"general.architecture": "unknown"}, "llama-2") == "llama-2"
    with_template = {"general.architecture": "gemma3", "tokenizer.chat_template": "{{ messages }}"}
    assert chat_format_for(with_template, "chat_template.default") == "chat_template.default"


def test_the_system_message_joins_the_first_user_turn_for_formats_without_one() -> None:
    messages = [
        {"role": "system", "content": "Rules."},
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2"},
    ]
    assert system_into_first_turn(messages) == [
        {"role": "user", "content": "Q1\n\nRules."},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2"},
    ]
    assert messages[1]["content"] == "Q1", "the caller's messages are left alone"
    assert system_into_first_turn([{"role": "system", "content": "Rules."}]) == [
        {"role": "user", "content": "Rules."}
    ]
