"""Which models the ONNX path takes, where exports live, and that half an export is never used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.embeddings import model_id, resolve_model
from index.onnx_embeddings import OnnxEmbeddings
from index.onnx_export import (
    EXPORT_MANIFEST,
    ONNX_FILE,
    TOKENIZER_FILE,
    export_dir,
    exportable,
    model_fingerprint,
    read_manifest,
)


def fake_model(folder: Path, pooling: dict[str, bool]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    (folder / "model.safetensors").write_bytes(b"weights")
    return folder


def test_the_packaged_minilm_is_exportable() -> None:
    assert exportable(resolve_model(None))


@pytest.mark.parametrize(
    "pooling",
    [
        {"pooling_mode_max_tokens": True},
        {"pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": True},
        {},
    ],
)
def test_other_poolings_keep_sentence_transformers(tmp_path: Path, pooling: dict[str, bool]) -> None:
    assert not exportable(fake_model(tmp_path / "m", pooling))


def test_mean_and_cls_pooling_are_exportable(tmp_path: Path) -> None:
    assert exportable(fake_model(tmp_path / "mean", {"pooling_mode_mean_tokens": True}))
    assert exportable(fake_model(tmp_path / "cls", {"pooling_mode_cls_token": True}))
    assert not exportable(tmp_path / "nothing-here")


def test_the_export_folder_follows_the_model_files(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "m", {"pooling_mode_mean_tokens": True})
    before = model_fingerprint(model)
    assert export_dir(tmp_path / "cache", model) == tmp_path / "cache" / before
    (model / "model.safetensors").write_bytes(b"other weights")
    assert model_fingerprint(model) != before


def test_an_export_without_its_manifest_or_files_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / ONNX_FILE).write_bytes(b"half a file")
    assert read_manifest(folder) is None  # the manifest is written last
    (folder / EXPORT_MANIFEST).write_text(json.dumps({"version": "1"}))
    assert read_manifest(folder) is None  # no tokenizer yet
    (folder / TOKENIZER_FILE).write_text("{}")
    assert read_manifest(folder) == {"version": "1"}


def test_onnx_embeddings_keep_the_sentence_transformers_model_id(tmp_path: Path) -> None:
    embeddings = OnnxEmbeddings(None, cache_dir=tmp_path)
    assert embeddings.model_id == model_id(None) == "all-MiniLM-L6-v2"
    assert embeddings.embed_documents([]) == []
    assert not list(tmp_path.iterdir()), "nothing is exported until something is embedded"
