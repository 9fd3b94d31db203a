"""Chat models from a spec string: ``provider:model`` through LangChain, or ``llamacpp:PATH.gguf``.

Imports of LangChain's integrations and of llama.cpp happen inside the functions, so importing
this module stays cheap.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from bot.errors import AnswererUnavailable, InputError

EXTRACTIVE = "extractive"
DEFAULT_TIMEOUT_S = 30.0
# A small window keeps a CPU model quick: retrieval's best passages fit, a long article does not.
LLAMACPP_CONTEXT = 2048  # tokens
LLAMACPP_MAX_TOKENS = 200  # an answer of a few cited sentences
CHARS_PER_TOKEN = 3  # a cautious average for English text
SPEC_FORMS = (
    "use 'extractive' (no model), 'provider:model' for LangChain's init_chat_model "
    "(e.g. 'openai:gpt-4o-mini', 'ollama:llama3.2'), or 'llamacpp:/path/to/model.gguf'"
)
_ROLES = {"human": "user", "ai": "assistant", "system": "system"}
# llama.cpp's chat format for a GGUF file that carries no chat template, by its architecture
# (without one llama-cpp-python falls back to Llama 2's "<<SYS>>" layout, which Gemma copies).
CHAT_FORMATS = {"gemma": "gemma", "gemma2": "gemma", "gemma3": "gemma", "qwen2": "chatml", "qwen3": "chatml"}
NO_SYSTEM_ROLE = frozenset({"gemma"})  # formats that drop a system message: it joins the first turn


def chat_model(spec: str, *, timeout: float = DEFAULT_TIMEOUT_S, env: Mapping[str, str] | None = None) -> Any:
    """The chat model named by ``spec``; raises ``InputError`` for a malformed spec.

    ``openai:MODEL`` reads ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` (any OpenAI-compatible
    server), ``ollama:MODEL`` reads ``OLLAMA_HOST``; other providers take their own variables.
    Retries are off: a failing server is the answerer's cue to fall back, not to wait.
    """
    env = os.environ if env is None else env
    provider, _, model = spec.strip().partition(":")
    provider = provider.strip().lower()
    model = model.strip()
    if not provider or not model:
        raise InputError(f"unknown language model {spec!r}: {SPEC_FORMS}")
    if provider == "llamacpp":
        return _llamacpp(model)
    kwargs: dict[str, Any] = {"timeout": timeout, "max_retries": 0}
    if provider == "openai" and env.get("OPENAI_BASE_URL"):
        kwargs["base_url"] = env["OPENAI_BASE_URL"]
        kwargs["api_key"] = env.get("OPENAI_API_KEY") or "unused"  # local servers take any key
    if provider == "ollama":
        kwargs = {"client_kwargs": {"timeout": timeout}}
        if env.get("OLLAMA_HOST"):
            host = env["OLLAMA_HOST"]
            kwargs["base_url"] = host if "://" in host else f"http://{host}"
    from langchain.chat_models import init_chat_model

    try:
        return init_chat_model(model, model_provider=provider, **kwargs)
    except ImportError as exc:
        raise AnswererUnavailable(f"{spec}: {exc}") from None
    except ValueError as exc:
        raise InputError(f"unknown language model {spec!r} ({_first_line(exc)}): {SPEC_FORMS}") from None
    except Exception as exc:  # the provider's own check (a missing key, a bad URL)
        raise AnswererUnavailable(f"{spec}: {_first_line(exc)}") from None


def model_name(spec: str) -> str:
    """The spec as the answer and the page show it: a local model by its file name, not its path."""
    provider, _, model = spec.strip().partition(":")
    if provider.strip().lower() == "llamacpp":
        return f"llamacpp:{Path(model.strip()).name}"
    return f"{provider.strip().lower()}:{model.strip()}"


def _llamacpp(path: str) -> LlamaCppChat:
    file = Path(path).expanduser()
    if file.suffix.lower() != ".gguf":
        raise InputError(f"llamacpp needs a .gguf file, not {path!r}: {SPEC_FORMS}")
    if not file.is_file():
        raise InputError(f"llamacpp model file not found: {file}")
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        raise AnswererUnavailable(
            "llamacpp needs llama-cpp-python: pip install 'article-chat[llamacpp]'"
        ) from None
    return LlamaCppChat(model_path=str(file))


class LlamaCppChat(BaseChatModel):
    """A GGUF model run in this process by llama.cpp, streamed token by token.

    The model loads on first use; one generation runs at a time (llama.cpp is not re-entrant).
    """

    model_path: str
    n_ctx: int = LLAMACPP_CONTEXT
    max_tokens: int = LLAMACPP_MAX_TOKENS
    temperature: float = 0.0
    _llama: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    @property
    def prompt_chars(self) -> int:
        """How much prompt text fits beside the answer (``LLMAnswerer`` reads it)."""
        return (self.n_ctx - self.max_tokens) * CHARS_PER_TOKEN

    def _model(self) -> Any:
        if self._llama is None:
            from llama_cpp import Llama

            threads = os.cpu_count() or 2
            llama = Llama(model_path=self.model_path, n_ctx=self.n_ctx, n_threads=threads, verbose=False)
            llama.chat_format = chat_format_for(llama.metadata or {}, llama.chat_format)
            self._llama = llama
        return self._llama

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(str(chunk.message.content) for chunk in self._stream(messages, stop, run_manager))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        payload = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        with self._lock:
            model = self._model()
            if model.chat_format in NO_SYSTEM_ROLE:
                payload = system_into_first_turn(payload)
            completion = model.create_chat_completion(
                messages=payload,
                max_tokens=self.max_tokens,
                temperature=self.temperature,
                stop=stop,
                stream=True,
            )
            for part in completion:
                text = part["choices"][0]["delta"].get("content") or ""
                if not text:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk


def chat_format_for(metadata: Mapping[str, str], current: str | None) -> str | None:
    """The file's own chat template when it has one, else the format its architecture uses."""
    if "tokenizer.chat_template" in metadata:
        return current
    return CHAT_FORMATS.get(metadata.get("general.architecture", ""), current)


def system_into_first_turn(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """The system message's text put after the first user message, for formats with no system role.

    After, not before: a small base model continues by copying what its turn begins with, and the
    numbered passages are what it should copy, not the rules.
    """
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    first = next((m for m in rest if m["role"] == "user"), None)
    if system and first is not None:
        first["content"] = f"{first['content']}\n\n{system}"
    elif system:
        rest.insert(0, {"role": "user", "content": system})
    return rest


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
