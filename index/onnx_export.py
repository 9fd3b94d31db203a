"""A sentence-transformers model exported once to ONNX, cached under the data dir by fingerprint.

The export needs torch (it traces the model); reading it back needs only onnxruntime and
tokenizers, which is what keeps torch off the query path. Files are written under a temporary
name and renamed, and ``export.json`` is written last, so a reader never sees half an export.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from pathlib import Path
from typing import Any

from index.errors import EmbeddingError

# Bump when the exported graph or its files change: old exports are then ignored.
EXPORT_VERSION = "1"
EXPORT_MANIFEST = "export.json"
ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
OPSET = 17
# Poolings the ONNX path reproduces; any other model keeps sentence-transformers.
_POOLING_MODES = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}
_MODULE_TYPES = {
    "sentence_transformers.models.Transformer": "transformer",
    "sentence_transformers.models.Pooling": "pooling",
    "sentence_transformers.models.Normalize": "normalize",
}
_export_lock = threading.Lock()


def model_fingerprint(model_path: str | Path) -> str:
    """Changes when any file of the model changes (name, size, mtime), or the export method does.

    File metadata, not content: hashing the 90 MB of weights would cost every start 0.2 s.
    """
    root = Path(model_path)
    digest = hashlib.sha256(f"v{EXPORT_VERSION}\0".encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:24]


def export_dir(cache_root: str | Path, model_path: str | Path) -> Path:
    """Where the export of ``model_path`` lives: ``<cache_root>/<fingerprint>/``."""
    return Path(cache_root) / model_fingerprint(model_path)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The finished export's settings, or None while it is missing or unfinished."""
    try:
        manifest: dict[str, Any] = json.loads((folder / EXPORT_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = (folder / ONNX_FILE, folder / TOKENIZER_FILE)
    return manifest if all(f.is_file() for f in files) else None


def exportable(model_path: str | Path) -> bool:
    """Whether the model is a plain transformer + mean/CLS pooling the ONNX path reproduces."""
    try:
        modules = json.loads((Path(model_path) / "modules.json").read_text(encoding="utf-8"))
        kinds = [_MODULE_TYPES.get(m["type"]) for m in modules]
        pooling = json.loads((Path(model_path) / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return (
        kinds[:2] == ["transformer", "pooling"]
        and set(kinds[2:]) <= {"normalize"}
        and bool(_pooling_mode(pooling))
    )


def ensure_export(model_path: str | Path, cache_root: str | Path) -> Path:
    """The folder holding the ONNX export of ``model_path``, exporting it first if missing."""
    folder = export_dir(cache_root, model_path)
    if read_manifest(folder) is not None:
        return folder
    with _export_lock:  # one export per process; other processes race harmlessly (atomic renames)
        if read_manifest(folder) is None:
            _export(Path(model_path), folder)
    return folder


def _export(model_path: Path, folder: Path) -> None:
    if not exportable(model_path):
        raise EmbeddingError(f"the model at {model_path} is not a transformer + mean/CLS pooling model")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()

        # Eager attention: the fused kernel drops an all-ones mask while tracing, and the graph
        # would then ignore padding.
        model = SentenceTransformer(
            str(model_path), device="cpu", model_kwargs={"attn_implementation": "eager"}
        )
    except Exception as exc:  # noqa: BLE001 - any loader failure means the same to a user
        raise EmbeddingError(f"cannot load {model_path} to export it to ONNX: {exc}") from None
    transformer: Any = model[0]
    pooling_module: Any = model[1]
    pooling = pooling_module.get_config_dict()
    folder.mkdir(parents=True, exist_ok=True)

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = transformer.auto_model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    ids = torch.ones(2, 8, dtype=torch.long)
    mask = torch.ones(2, 8, dtype=torch.long)
    mask[1, 5:] = 0  # trace with padding, so the mask is part of the graph
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
    onnx_tmp = _tmp(folder / ONNX_FILE)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about Python ints; the graph is checked by tests
            torch.onnx.export(
                Encoder().eval(),
                (ids, mask, torch.zeros_like(ids)),
                str(onnx_tmp),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,
            )
    except Exception as exc:  # noqa: BLE001
        onnx_tmp.unlink(missing_ok=True)
        raise EmbeddingError(f"exporting {model_path} to ONNX failed: {exc}") from None
    os.replace(onnx_tmp, folder / ONNX_FILE)
    _write_atomic(folder / TOKENIZER_FILE, transformer.tokenizer.backend_tokenizer.to_str())
    manifest = {
        "version": EXPORT_VERSION,
        "source": str(model_path),
        "max_seq_length": int(model.max_seq_length or 512),
        "pooling": _pooling_mode(pooling),
        "do_lower_case": bool(getattr(transformer, "do_lower_case", False)),
        "inputs": names,
    }
    _write_atomic(folder / EXPORT_MANIFEST, json.dumps(manifest, indent=2))


def _pooling_mode(config: dict[str, Any]) -> str | None:
    """ "mean" or "cls" when that is the model's only pooling, else None."""
    on = [key for key, value in config.items() if key.startswith("pooling_mode_") and value]
    return _POOLING_MODES.get(on[0]) if len(on) == 1 else None


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def _write_atomic(path: Path, text: str) -> None:
    tmp = _tmp(path)
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
