"""The same vectors as ``SentenceEmbeddings``, computed with ONNX Runtime and ``tokenizers``.

No torch, transformers or sentence-transformers import here: importing onnxruntime and opening
the session takes a fraction of a second, where sentence-transformers takes seconds. The ONNX
file comes from ``index.onnx_export`` (exported once, with torch, when it is missing).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from index.embeddings import DEFAULT_MODEL, model_id, resolve_model
from index.errors import EmbeddingError
from index.onnx_export import ONNX_FILE, TOKENIZER_FILE, ensure_export, read_manifest

DEFAULT_BATCH_SIZE = 32


class OnnxEmbeddings(Embeddings):
    """LangChain ``Embeddings`` over an ONNX export of a sentence-transformers model.

    Args:
        model: the model name or path, as for ``SentenceEmbeddings``.
        cache_dir: where exports live (``<data dir>/models``); one folder per model fingerprint.
        batch_size: texts per ONNX run when embedding many (longest-first, like sentence-transformers).
        threads: ONNX Runtime intra-op threads; None lets it choose (one per core).
    """

    def __init__(
        self,
        model: str | None = DEFAULT_MODEL,
        *,
        cache_dir: str | Path,
        batch_size: int = DEFAULT_BATCH_SIZE,
        threads: int | None = None,
    ):
        self.model_name = model or DEFAULT_MODEL
        self.cache_dir = Path(cache_dir)
        self.batch_size = batch_size
        self.threads = threads
        self._session: Any = None
        self._tokenizer: Any = None
        self._manifest: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """The same id as ``SentenceEmbeddings``: the vectors are interchangeable, so is the index."""
        return model_id(self.model_name)

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                folder = ensure_export(resolve_model(self.model_name), self.cache_dir)
                self._manifest = read_manifest(folder) or {}
                self._session, self._tokenizer = _open(folder, self._manifest, self.threads)
        return self._session, self._tokenizer

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors, one row per text, in the order given."""
        session, tokenizer = self._load()
        if self._manifest.get("do_lower_case"):
            texts = [t.lower() for t in texts]
        # Longest first, so each batch pads to a similar length (as sentence-transformers does).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), 0), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            vectors = self._run(session, tokenizer, [texts[i] for i in rows])
            if not out.shape[1]:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        return out

    def _run(self, session: Any, tokenizer: Any, texts: list[str]) -> np.ndarray:
        encoded = tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._manifest.get("inputs", ["token_type_ids"]):
            feeds["token_type_ids"] = np.asarray([e.type_ids for e in encoded], dtype=np.int64)
        hidden = session.run(None, feeds)[0]
        if self._manifest.get("pooling") == "cls":
            pooled = hidden[:, 0]
        else:  # mean over the real tokens, never the padding
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(list(texts)).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Several queries in one model run (the question, the previous one, unknown words)."""
        return self._encode(list(texts)).tolist() if texts else []


def _open(folder: Path, manifest: dict[str, Any], threads: int | None) -> tuple[Any, Any]:
    """The ONNX Runtime session and the fast tokenizer, set up as sentence-transformers does."""
    try:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3  # warnings about unused initializers are noise here
        session = onnxruntime.InferenceSession(
            str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
    except Exception as exc:  # noqa: BLE001 - a damaged export means the same to a user
        raise EmbeddingError(
            f"cannot open the ONNX export in {folder} ({exc}); delete that folder to export again"
        ) from None
    # The saved tokenizer pads to a fixed length and truncates at 128; the model reads up to
    # max_seq_length tokens, and a batch only needs padding to its longest text.
    tokenizer.enable_truncation(int(manifest.get("max_seq_length", 256)))
    pad = tokenizer.padding or {}
    tokenizer.enable_padding(pad_id=pad.get("pad_id", 0), pad_token=pad.get("pad_token", "[PAD]"))
    return session, tokenizer
