"""The ONNX query path gives the sentence-transformers vectors, so answers do not change."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.evaluate import evaluate, load_rows
from bot.service import ChatService
from index.article import read_article
from index.embeddings import resolve_model
from index.onnx_embeddings import OnnxEmbeddings
from index.onnx_export import EXPORT_MANIFEST, ONNX_FILE, ensure_export
from index.store import ensure_index, open_client

pytestmark = pytest.mark.integration

EVAL = Path(__file__).resolve().parents[2] / "data" / "eval"
MIN_COSINE = 0.999


@pytest.fixture(scope="module")
def onnx_embeddings(tmp_path_factory: pytest.TempPathFactory) -> OnnxEmbeddings:
    embeddings = OnnxEmbeddings(cache_dir=tmp_path_factory.mktemp("models"))
    embeddings.embed_query("export and load it once")
    return embeddings


def questions(shared_dir: Path) -> list[str]:
    found: list[str] = []
    for path in [*sorted(EVAL.glob("*.jsonl")), shared_dir / "dev_qa.jsonl"]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found += json.loads(line).get("turns", [])
    return found


def test_query_vectors_match_sentence_transformers(
    shared_dir: Path, onnx_embeddings: OnnxEmbeddings, real_embeddings: Any
) -> None:
    texts = questions(shared_dir)
    assert len(texts) > 100
    ours = np.asarray([onnx_embeddings.embed_query(t) for t in texts])
    theirs = np.asarray(real_embeddings.embed_documents(texts))
    assert float((ours * theirs).sum(axis=1).min()) >= MIN_COSINE


def test_batched_and_long_texts_match_too(onnx_embeddings: OnnxEmbeddings, real_embeddings: Any) -> None:
    article = read_article()
    # Padding within a batch and truncation past max_seq_length must not change a vector.
    texts = [s.text for s in article.sentences] + [article.text]
    ours = np.asarray(onnx_embeddings.embed_documents(texts))
    theirs = np.asarray(real_embeddings.embed_documents(texts))
    assert float((ours * theirs).sum(axis=1).min()) >= MIN_COSINE


def test_the_export_is_reused_and_queries_never_import_torch(onnx_embeddings: OnnxEmbeddings) -> None:
    exports = [p.parent for p in onnx_embeddings.cache_dir.glob(f"*/{EXPORT_MANIFEST}")]
    assert len(exports) == 1 and (exports[0] / ONNX_FILE).stat().st_size > 1_000_000
    written = (exports[0] / ONNX_FILE).stat().st_mtime_ns
    assert ensure_export(resolve_model(None), onnx_embeddings.cache_dir) == exports[0]
    assert (exports[0] / ONNX_FILE).stat().st_mtime_ns == written
    code = (
        "import sys; from index.onnx_embeddings import OnnxEmbeddings;"
        f"e = OnnxEmbeddings(cache_dir={str(onnx_embeddings.cache_dir)!r}); e.embed_query('hi');"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_cited_at_1_on_the_dev_set_does_not_change(
    shared_dir: Path, tmp_path: Path, onnx_embeddings: OnnxEmbeddings, real_embeddings: Any
) -> None:
    rows = load_rows(shared_dir / "dev_qa.jsonl")
    article = read_article()
    scores = []
    for name, embeddings in (("st", real_embeddings), ("onnx", onnx_embeddings)):
        client = open_client(path=tmp_path / name)
        service = ChatService(ensure_index(article, client=client, embeddings=embeddings))
        scores.append(evaluate(rows, service.ask, article.text).summary()["cited_at_1"])
    assert scores[0] == scores[1]
