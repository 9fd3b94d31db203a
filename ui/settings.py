"""Settings read from the environment once, at the edges (CLI and server start-up)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.errors import InputError


def default_home(env: Mapping[str, str] | None = None) -> Path:
    """Per-user data dir: $XDG_DATA_HOME/article-chat or ~/.local/share/article-chat."""
    env = os.environ if env is None else env
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "article-chat"


@dataclass(frozen=True)
class Settings:
    """Every knob, with its default; README's configuration table lists the same ones."""

    article: Path | None = None  # ARTICLE_CHAT_ARTICLE; None means the packaged default article
    home: Path = field(default_factory=default_home)  # ARTICLE_CHAT_HOME
    embedding_model: str = "all-MiniLM-L6-v2"  # ARTICLE_CHAT_EMBEDDING_MODEL
    chroma_url: str | None = None  # ARTICLE_CHAT_CHROMA_URL, e.g. http://127.0.0.1:8000
    max_question_chars: int = 2000  # ARTICLE_CHAT_MAX_QUESTION_CHARS
    max_article_bytes: int = 2_000_000  # ARTICLE_CHAT_MAX_ARTICLE_BYTES
    index_batch_size: int = 16  # ARTICLE_CHAT_INDEX_BATCH_SIZE: passages embedded per Chroma write
    host: str = "127.0.0.1"  # ARTICLE_CHAT_HOST
    port: int = 7860  # ARTICLE_CHAT_PORT
    allowed_origins: tuple[str, ...] = ()  # ARTICLE_CHAT_ALLOWED_ORIGINS, comma-separated
    instructor_password: str | None = None  # ARTICLE_CHAT_INSTRUCTOR_PASSWORD
    database_url: str | None = None  # ARTICLE_CHAT_DATABASE_URL, e.g. postgresql://chat@db/chat
    root_path: str = (
        ""  # ARTICLE_CHAT_ROOT_PATH: the prefix a reverse proxy serves the chat under, e.g. /chat
    )
    secret: str | None = None  # ARTICLE_CHAT_SECRET: signs instructor sessions; None: kept in the database
    trusted_hosts: tuple[str, ...] = ()  # ARTICLE_CHAT_TRUSTED_HOSTS, added to loopback and --host
    rate_limit: str = "30/minute"  # ARTICLE_CHAT_RATE_LIMIT: questions per client address, or "off"
    rate_limit_hold: float = 2.0  # ARTICLE_CHAT_RATE_LIMIT_HOLD: seconds a 429 is held back (0: sent at once)
    # ARTICLE_CHAT_RATE_LIMIT_BURST: questions at once before the rate applies. The page's own steps
    # (opening it, switching reading, a vote) count too, so a smaller one refuses ordinary use.
    rate_limit_burst: int = 30
    llm: str = "extractive"  # ARTICLE_CHAT_LLM: "extractive", "provider:model" or "llamacpp:PATH.gguf"
    llm_timeout: float = 30.0  # ARTICLE_CHAT_LLM_TIMEOUT: seconds for one model reply
    unsupported: str = "mark"  # ARTICLE_CHAT_UNSUPPORTED: "mark" or "drop" unchecked sentences

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def feedback_db(self) -> Path:
        return self.home / "feedback.sqlite3"

    @property
    def database(self) -> str | Path:
        """Where questions and feedback go: ``ARTICLE_CHAT_DATABASE_URL``, else SQLite in the data dir."""
        return self.database_url or self.feedback_db

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        get = lambda name: (env.get(f"ARTICLE_CHAT_{name}") or "").strip() or None  # noqa: E731
        defaults = cls()
        return cls(
            article=Path(v).expanduser() if (v := get("ARTICLE")) else None,
            home=Path(v).expanduser() if (v := get("HOME")) else default_home(env),
            embedding_model=get("EMBEDDING_MODEL") or defaults.embedding_model,
            chroma_url=get("CHROMA_URL"),
            max_question_chars=_int(
                get("MAX_QUESTION_CHARS"), defaults.max_question_chars, "MAX_QUESTION_CHARS"
            ),
            max_article_bytes=_int(get("MAX_ARTICLE_BYTES"), defaults.max_article_bytes, "MAX_ARTICLE_BYTES"),
            index_batch_size=_int(get("INDEX_BATCH_SIZE"), defaults.index_batch_size, "INDEX_BATCH_SIZE"),
            host=get("HOST") or defaults.host,
            port=_int(get("PORT"), defaults.port, "PORT"),
            allowed_origins=tuple(
                _origin(o.strip()) for o in (get("ALLOWED_ORIGINS") or "").split(",") if o.strip()
            ),
            instructor_password=get("INSTRUCTOR_PASSWORD"),
            database_url=get("DATABASE_URL"),
            secret=get("SECRET"),
            root_path=(get("ROOT_PATH") or "").rstrip("/"),
            trusted_hosts=tuple(
                h.strip().lower() for h in (get("TRUSTED_HOSTS") or "").split(",") if h.strip()
            ),
            rate_limit=_rate(get("RATE_LIMIT") or defaults.rate_limit),
            rate_limit_hold=_hold(get("RATE_LIMIT_HOLD"), defaults.rate_limit_hold),
            rate_limit_burst=_int(get("RATE_LIMIT_BURST"), defaults.rate_limit_burst, "RATE_LIMIT_BURST"),
            llm=get("LLM") or defaults.llm,
            llm_timeout=_seconds(get("LLM_TIMEOUT"), defaults.llm_timeout, "LLM_TIMEOUT"),
            unsupported=_choice(get("UNSUPPORTED"), defaults.unsupported, "UNSUPPORTED", ("mark", "drop")),
        )

    def with_overrides(self, **changes: Any) -> Settings:
        """Apply CLI flags that were given (``None`` means "not given")."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _int(value: str | None, default: int, name: str) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise InputError(f"ARTICLE_CHAT_{name} must be a whole number, not {value!r}") from None
    if number <= 0:
        raise InputError(f"ARTICLE_CHAT_{name} must be positive, not {number}")
    return number


_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}


def parse_rate(value: str) -> tuple[int, float] | None:
    """``"30/minute"`` -> (30, 60.0); ``"off"`` -> None; raises ``InputError`` otherwise."""
    if value.strip().lower() == "off":
        return None
    count, _, period = value.partition("/")
    if not count.strip().isdigit() or int(count) <= 0 or period.strip().lower() not in _PERIODS:
        raise InputError(f'ARTICLE_CHAT_RATE_LIMIT must look like "30/minute" (or "off"), not {value!r}')
    return int(count), _PERIODS[period.strip().lower()]


def _rate(value: str) -> str:
    parse_rate(value)  # a bad value stops the server at start, not at the first question
    return value


def _hold(value: str | None, default: float) -> float:
    """Seconds, where 0 is allowed: it turns the hold off."""
    if value is not None and value.strip() in ("0", "0.0"):
        return 0.0
    return _seconds(value, default, "RATE_LIMIT_HOLD")


def _origin(value: str) -> str:
    """An allowed origin exactly as a browser sends it: ``scheme://host[:port]``, nothing after."""
    parts = urlsplit(value)
    right = f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None
    if right == value:
        return value
    hint = f"write {right!r}" if right else "write it like 'https://lms.example.edu'"
    raise InputError(
        f"ARTICLE_CHAT_ALLOWED_ORIGINS entry {value!r} is not an origin (scheme://host[:port], "
        f"no path or trailing slash): {hint}"
    )


def _seconds(value: str | None, default: float, name: str) -> float:
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise InputError(f"ARTICLE_CHAT_{name} must be a number of seconds, not {value!r}") from None
    if not number > 0:
        raise InputError(f"ARTICLE_CHAT_{name} must be positive, not {value}")
    return number


def _choice(value: str | None, default: str, name: str, choices: tuple[str, ...]) -> str:
    if value is None:
        return default
    if value.lower() not in choices:
        raise InputError(f"ARTICLE_CHAT_{name} must be one of {', '.join(choices)}, not {value!r}")
    return value.lower()
