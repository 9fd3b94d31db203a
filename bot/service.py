"""One article, indexed and ready to answer: what the CLI and the web app hold on to."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.runnables import Runnable, RunnableLambda

from bot.answer import ExtractiveAnswerer
from bot.chain import Answerer, ArticleChain, StreamDelta
from bot.chat_models import DEFAULT_TIMEOUT_S, EXTRACTIVE
from bot.grounding import Grounding
from bot.llm_answer import MARK, LLMAnswerer
from bot.retrieval import HybridRetriever
from bot.starters import starter_candidates
from bot.validate import DEFAULT_MAX_CHARS
from bot.verify import Verifier
from bot.whole_article import WholeArticle
from index.article import Article
from index.lock import BuildLock
from index.store import DEFAULT_BATCH_SIZE, ArticleIndex, ensure_index, open_reading

MAX_STARTERS = 8


class ChatService:
    """Answers questions about one indexed article."""

    def __init__(
        self,
        index: ArticleIndex,
        *,
        answerer: Answerer | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        reading: str | None = None,
    ):
        self.index = index
        self.reading = reading  # a named reading (see bot.library): answers carry it as "article"
        self.article: Article = index.article
        self.article_map = index.article_map  # the outline of the article: thesis, evidence, ...
        self.retriever = HybridRetriever(index=index)
        self.answerer = answerer or extractive_answerer(index)
        # Starters and warm-up need no model: they run on the answerer a model falls back to.
        self.extractive: Answerer = getattr(self.answerer, "fallback", self.answerer)
        self.max_chars = max_chars
        self._starters: list[str] | None = None
        self.pipeline = ArticleChain(retriever=self.retriever, answerer=self.answerer, max_chars=max_chars)
        self.chain: Runnable[dict[str, Any], dict[str, Any]] = RunnableLambda(
            self.pipeline.invoke, name="article_chat"
        )
        self._quick = self.pipeline.with_answerer(self.extractive)

    @property
    def answerer_name(self) -> str:
        """What answers: "extractive" or the model's spec."""
        return str(getattr(self.answerer, "name", EXTRACTIVE))

    def outline(self) -> list[dict[str, Any]]:
        """The article map as labelled passages: ``label`` plus the fields of a citation."""
        by_id = {c.id: c for c in self.index.chunks}
        return [
            {"label": label, "paragraph": c.paragraph, "start": c.start, "end": c.end, "text": c.text}
            for label, chunk_id in self.article_map.outline()
            if (c := by_id.get(chunk_id))
        ]

    def ask(self, question: str, history: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
        """Answer ``question`` given earlier ``{"role", "content"}`` turns; raises ``InputError``."""
        return self._named(self.chain.invoke({"messages": [*history, {"role": "user", "content": question}]}))

    def _named(self, result: dict[str, Any]) -> dict[str, Any]:
        """The answer object with the reading that answered it."""
        return {**result, "article": self.reading} if self.reading else result

    def served(self) -> dict[str, Any]:
        """What is really being served: reading, build, fingerprint, chunk count."""
        return {
            "reading": self.reading or self.index.reading,
            "build": self.index.name,
            "fingerprint": self.index.fingerprint,
            "chunks": len(self.index.chunks),
        }

    def stream(
        self, question: str, history: Sequence[dict[str, str]] = ()
    ) -> Iterator[StreamDelta | dict[str, Any]]:
        """``StreamDelta``s as the answer is written, then the answer object; raises ``InputError``."""
        for event in self.pipeline.stream({"messages": [*history, {"role": "user", "content": question}]}):
            yield self._named(event) if isinstance(event, dict) else event

    def ask_messages(self, messages: Any) -> dict[str, Any]:
        """Answer the last user message of an OpenAI-style message list."""
        return self._named(self.chain.invoke({"messages": messages}))

    def warm_up(self) -> None:
        """Load the model and do one-off work now, so the first user does not wait for it."""
        prepare = getattr(self.extractive, "prepare", None)
        if prepare:
            prepare()
        self.starters()
        self._quick.invoke({"messages": [{"role": "user", "content": "What is the article about?"}]})

    def starters(self, n: int = 4) -> list[str]:
        """Up to ``n`` questions derived from the article that the bot does answer (found once per
        index version and stored with it, see ``index.derived``)."""
        if self._starters is None:
            derived = self.index.derived
            self._starters = (
                derived.strings("starters", self._find_starters) if derived else self._find_starters()
            )
        return self._starters[:n]

    def _find_starters(self) -> list[str]:
        found: list[str] = []
        for question in starter_candidates(self.index.chunks, author=self.article.author):
            if len(found) >= MAX_STARTERS:
                break
            if not self._quick.invoke({"messages": [{"role": "user", "content": question}]})["refused"]:
                found.append(question)
        return found


def open_service(
    article: Article,
    *,
    client: Any,
    embeddings: Embeddings,
    max_chars: int = DEFAULT_MAX_CHARS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = False,
    rebuild: bool = False,
    reading: str | None = None,
    lock: BuildLock | None = None,
    on_status: Callable[[str], None] | None = None,
    model: Any = None,
    model_name: str = EXTRACTIVE,
    unsupported: str = MARK,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> ChatService:
    """Index ``article`` if needed (see ``index.store.ensure_index``) and return a ready service.

    With a chat ``model`` (see ``bot.chat_models``) answers come from it, checked sentence by
    sentence, with the extractive answerer as the fallback.
    """
    index = ensure_index(
        article,
        client=client,
        embeddings=embeddings,
        batch_size=batch_size,
        progress=progress,
        rebuild=rebuild,
        reading=reading,
        lock=lock,
        on_status=on_status,
    )
    answerer = build_answerer(index, model=model, name=model_name, unsupported=unsupported, timeout=timeout)
    return ChatService(index, answerer=answerer, max_chars=max_chars, reading=reading)


def open_reading_service(
    reading: str,
    *,
    client: Any,
    embeddings: Embeddings,
    max_chars: int = DEFAULT_MAX_CHARS,
    model: Any = None,
    model_name: str = EXTRACTIVE,
    unsupported: str = MARK,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> ChatService:
    """The service of an indexed reading, opened from the catalog (raises ``UnknownReading``)."""
    index = open_reading(reading, client=client, embeddings=embeddings)
    answerer = build_answerer(index, model=model, name=model_name, unsupported=unsupported, timeout=timeout)
    return ChatService(index, answerer=answerer, max_chars=max_chars, reading=reading)


def extractive_answerer(index: ArticleIndex) -> ExtractiveAnswerer:
    """The model-free answerer over ``index``."""
    return ExtractiveAnswerer(
        index.article,
        index.chunks,
        grounding=Grounding(
            index.article,
            embeddings=index.embeddings,
            vocabulary_vectors=(
                partial(index.derived.vectors, "vocabulary", embed=index.embeddings.embed_documents)
                if index.derived
                else None
            ),
        ),
        whole=WholeArticle(index.article, index.chunks, index.article_map),
    )


def build_answerer(
    index: ArticleIndex,
    *,
    model: Any = None,
    name: str = EXTRACTIVE,
    unsupported: str = MARK,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> Answerer:
    """The extractive answerer, or with a chat ``model`` an ``LLMAnswerer`` falling back to it."""
    extractive = extractive_answerer(index)
    if model is None:
        return extractive
    return LLMAnswerer(
        index.article,
        index.chunks,
        model=model,
        name=name,
        fallback=extractive,
        verifier=Verifier(index.article.text, embeddings=index.embeddings),
        unsupported=unsupported,
        timeout=timeout,
    )
