"""One article, indexed and ready to answer: what the CLI and the web app hold on to."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.runnables import Runnable

from bot.answer import ExtractiveAnswerer
from bot.chain import Answerer, build_chain
from bot.grounding import Grounding
from bot.retrieval import HybridRetriever
from bot.starters import starter_candidates
from bot.summary import gist
from bot.validate import DEFAULT_MAX_CHARS
from index.article import Article
from index.store import DEFAULT_BATCH_SIZE, ArticleIndex, ensure_index

MAX_STARTERS = 8


class ChatService:
    """Answers questions about one indexed article."""

    def __init__(
        self, index: ArticleIndex, *, answerer: Answerer | None = None, max_chars: int = DEFAULT_MAX_CHARS
    ):
        self.index = index
        self.article: Article = index.article
        self.retriever = HybridRetriever(index=index)
        derived = index.derived
        self.answerer = answerer or ExtractiveAnswerer(
            self.article,
            index.chunks,
            grounding=Grounding(
                self.article,
                embeddings=index.embeddings,
                vocabulary_vectors=(
                    partial(derived.vectors, "vocabulary", embed=index.embeddings.embed_documents)
                    if derived
                    else None
                ),
            ),
            gist=gist(self.article, index.chunks, index.vectors()),
        )
        self.max_chars = max_chars
        self._starters: list[str] | None = None
        self.chain: Runnable[dict[str, Any], dict[str, Any]] = build_chain(
            retriever=self.retriever, answerer=self.answerer, max_chars=max_chars
        )

    def ask(self, question: str, history: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
        """Answer ``question`` given earlier ``{"role", "content"}`` turns; raises ``InputError``."""
        return self.chain.invoke({"messages": [*history, {"role": "user", "content": question}]})

    def ask_messages(self, messages: Any) -> dict[str, Any]:
        """Answer the last user message of an OpenAI-style message list."""
        return self.chain.invoke({"messages": messages})

    def warm_up(self) -> None:
        """Load the model and do one-off work now, so the first user does not wait for it."""
        prepare = getattr(self.answerer, "prepare", None)
        if prepare:
            prepare()
        self.starters()
        self.ask("What is the article about?")

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
            if not self.ask(question)["refused"]:
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
) -> ChatService:
    """Index ``article`` if needed (see ``index.store.ensure_index``) and return a ready service."""
    index = ensure_index(
        article,
        client=client,
        embeddings=embeddings,
        batch_size=batch_size,
        progress=progress,
        rebuild=rebuild,
    )
    return ChatService(index, max_chars=max_chars)
