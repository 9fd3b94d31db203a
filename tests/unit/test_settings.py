"""Settings: every knob read from ARTICLE_CHAT_* variables, with defaults and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import InputError
from ui.settings import Settings, default_home, parse_rate


def test_defaults_with_an_empty_environment(tmp_path: Path) -> None:
    settings = Settings.from_env({"XDG_DATA_HOME": str(tmp_path)})
    assert settings.article is None, "None means the packaged article"
    assert settings.home == tmp_path / "article-chat"
    assert settings.chroma_path == settings.home / "chroma"
    assert settings.chroma_url is None
    assert settings.max_question_chars == 2000
    assert settings.index_batch_size > 0
    assert (settings.host, settings.port) == ("127.0.0.1", 7860)
    assert settings.allowed_origins == ()


def test_default_home_is_per_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", "/home/someone")
    assert default_home() == Path("/home/someone/.local/share/article-chat")


def test_every_variable_is_read(tmp_path: Path) -> None:
    env = {
        "ARTICLE_CHAT_ARTICLE": str(tmp_path / "a.md"),
        "ARTICLE_CHAT_HOME": str(tmp_path / "home"),
        "ARTICLE_CHAT_EMBEDDING_MODEL": "/models/mini",
        "ARTICLE_CHAT_CHROMA_URL": "http://127.0.0.1:8000",
        "ARTICLE_CHAT_MAX_QUESTION_CHARS": "500",
        "ARTICLE_CHAT_MAX_ARTICLE_BYTES": "1000",
        "ARTICLE_CHAT_INDEX_BATCH_SIZE": "1",
        "ARTICLE_CHAT_HOST": "0.0.0.0",
        "ARTICLE_CHAT_PORT": "9000",
        "ARTICLE_CHAT_ALLOWED_ORIGINS": "https://a.example, https://b.example:8443 ,",
    }
    settings = Settings.from_env(env)
    assert settings.article == tmp_path / "a.md"
    assert settings.home == tmp_path / "home"
    assert settings.embedding_model == "/models/mini"
    assert settings.chroma_url == "http://127.0.0.1:8000"
    assert settings.max_question_chars == 500
    assert settings.max_article_bytes == 1000
    assert settings.index_batch_size == 1
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)
    assert settings.allowed_origins == ("https://a.example", "https://b.example:8443")


def test_blank_values_mean_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    settings = Settings.from_env(
        {"ARTICLE_CHAT_ARTICLE": "  ", "ARTICLE_CHAT_CHROMA_URL": "", "ARTICLE_CHAT_PORT": " "}
    )
    assert settings.article is None and settings.chroma_url is None and settings.port == 7860


def test_home_and_article_expand_the_user_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    settings = Settings.from_env({"ARTICLE_CHAT_HOME": "~/chat", "ARTICLE_CHAT_ARTICLE": "~/a.md"})
    assert settings.home == Path("/home/someone/chat")
    assert settings.article == Path("/home/someone/a.md")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORT", "eighty", "ARTICLE_CHAT_PORT must be a whole number, not 'eighty'"),
        ("MAX_QUESTION_CHARS", "2.5", "ARTICLE_CHAT_MAX_QUESTION_CHARS must be a whole number"),
        ("INDEX_BATCH_SIZE", "0", "ARTICLE_CHAT_INDEX_BATCH_SIZE must be positive, not 0"),
        ("MAX_ARTICLE_BYTES", "-5", "ARTICLE_CHAT_MAX_ARTICLE_BYTES must be positive"),
    ],
)
def test_bad_numbers_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        Settings.from_env({f"ARTICLE_CHAT_{name}": value})
    assert message in str(error.value)


def test_flags_override_only_when_given(tmp_path: Path) -> None:
    base = Settings.from_env({"ARTICLE_CHAT_HOME": str(tmp_path), "ARTICLE_CHAT_PORT": "9000"})
    changed = base.with_overrides(port=None, home=tmp_path / "other", chroma_url=None)
    assert changed.port == 9000
    assert changed.home == tmp_path / "other"
    assert base.home == tmp_path, "settings are immutable"


def test_trusted_hosts_and_rate_limit_from_env() -> None:
    settings = Settings.from_env(
        {
            "ARTICLE_CHAT_TRUSTED_HOSTS": " Chat.Example.edu , 10.0.0.5 ,",
            "ARTICLE_CHAT_RATE_LIMIT": "5/second",
        }
    )
    assert settings.trusted_hosts == ("chat.example.edu", "10.0.0.5")
    assert settings.rate_limit == "5/second"
    assert Settings.from_env({}).rate_limit == "30/minute" and Settings.from_env({}).trusted_hosts == ()


def test_rate_limits_parse_or_name_the_variable() -> None:
    assert parse_rate("30/minute") == (30, 60.0) and parse_rate("2/hour") == (2, 3600.0)
    assert parse_rate("off") is None
    for bad in ("30", "x/minute", "0/minute", "30/fortnight"):
        with pytest.raises(InputError, match="ARTICLE_CHAT_RATE_LIMIT must look like"):
            Settings.from_env({"ARTICLE_CHAT_RATE_LIMIT": bad})


@pytest.mark.parametrize(
    ("value", "right"),
    [
        ("https://lms.example.edu/courses/1", "'https://lms.example.edu'"),
        ("https://lms.example.edu/", "'https://lms.example.edu'"),
        ("http://127.0.0.1:8000/?x=1", "'http://127.0.0.1:8000'"),
        ("lms.example.edu", "'https://lms.example.edu'"),
    ],
)
def test_an_allowed_origin_with_a_path_is_refused_with_the_right_form(value: str, right: str) -> None:
    with pytest.raises(InputError) as error:
        Settings.from_env({"ARTICLE_CHAT_ALLOWED_ORIGINS": f"https://ok.example, {value}"})
    assert f"ARTICLE_CHAT_ALLOWED_ORIGINS entry {value!r}" in str(error.value)
    assert right in str(error.value)
