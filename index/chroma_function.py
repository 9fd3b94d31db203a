"""Chroma embedding function over our LangChain embeddings (Chroma's default one downloads a model)."""

from __future__ import annotations

from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaEmbeddings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings

from index.embeddings import DEFAULT_MODEL, SentenceEmbeddings


@register_embedding_function
class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
    """Lets Chroma embed documents and queries with the model we pass in."""

    def __init__(self, embeddings: Embeddings):
        self.embeddings = embeddings

    def __call__(self, input: Documents) -> ChromaEmbeddings:
        vectors = self.embeddings.embed_documents(list(input))
        return [np.asarray(v, dtype=np.float32) for v in vectors]

    @staticmethod
    def name() -> str:
        return "article_chat_sentence_transformer"

    def default_space(self) -> Any:
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"model": getattr(self.embeddings, "model_name", DEFAULT_MODEL)}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        return ChromaEmbeddingFunction(SentenceEmbeddings(config.get("model", DEFAULT_MODEL)))
