"""``/instructor/readings``: a form that adds a reading (an uploaded or pasted text) to the course.

Behind the instructor's login (``ui.instructor.InstructorGate`` guards every ``/instructor/``
path). The text gets the CLI's checks (``index.article.read_article``: size, NUL bytes, UTF-8,
empty) and its name the catalog's (``check_name``), then is built by ``build`` (the CLI's code
in ``ui.runtime``, under the build lock). The library reads the catalog again within seconds, so
the reading is in the page's picker at the next load.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from index.article import read_article
from index.catalog import check_name
from index.errors import ArticleChatError
from ui.render import esc

ROUTE = "/instructor/readings"
FORM_OVERHEAD_BYTES = 64_000  # multipart boundaries and the other fields, beside the text itself
SUFFIXES = (".md", ".txt")

# (name, path of the checked file) -> a description of the built reading (e.g. its chunks)
Build = Callable[[str, Path], str]


def add_reading_routes(app: FastAPI, *, folder: Path, max_bytes: int, build: Build) -> None:
    """Add ``GET`` (the form) and ``POST`` (add the reading) at ``ROUTE``; kept texts go in ``folder``."""

    @app.get(ROUTE, include_in_schema=False)
    async def form() -> HTMLResponse:
        return HTMLResponse(render_form())

    @app.post(ROUTE, include_in_schema=False)
    async def add(request: Request) -> HTMLResponse:
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > max_bytes + FORM_OVERHEAD_BYTES:
            return HTMLResponse(
                render_form(f"The file is over the limit of {max_bytes:,} bytes; split it."), status_code=413
            )
        fields = await request.form(max_files=1, max_fields=4, max_part_size=max_bytes + FORM_OVERHEAD_BYTES)
        try:
            name, filename, raw = await _fields(fields)
            name = check_name(name)
            kept = await run_in_threadpool(_checked_copy, raw, filename, name, folder, max_bytes)
            built = await run_in_threadpool(build, name, kept)
        except (ArticleChatError, ValueError) as exc:
            return HTMLResponse(render_form(str(exc), name=str(fields.get("name") or "")), status_code=400)
        finally:
            await fields.close()
        return HTMLResponse(render_form(done=(name, built)))


async def _fields(fields: Any) -> tuple[str, str, bytes]:
    """(name, file name shown in messages, the text's bytes) from the form: a file, else pasted text."""
    name = str(fields.get("name") or "").strip()
    upload = fields.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        if not upload.filename.lower().endswith(SUFFIXES):
            raise ValueError(f"{upload.filename[:80]} is not a .txt or .md file; give the reading as text")
        return name, upload.filename, await upload.read()
    pasted = str(fields.get("text") or "")
    if not pasted.strip():
        raise ValueError("give the reading: upload a .txt or .md file, or paste its text")
    return name, "the pasted text", pasted.encode("utf-8")


def _checked_copy(raw: bytes, filename: str, name: str, folder: Path, max_bytes: int) -> Path:
    """The text checked as the CLI checks a file, then kept as ``folder/NAME.md`` (rebuilds read it)."""
    suffix = ".txt" if filename.lower().endswith(".txt") else ".md"
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / f"{name}{suffix}"
        trial.write_bytes(raw)
        try:
            read_article(trial, max_bytes=max_bytes)
        except ArticleChatError as exc:
            raise ValueError(str(exc).replace(f"article {trial}", filename)) from None
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / f"{name}{suffix}"
    kept.write_bytes(raw)
    return kept


def render_form(error: str = "", *, name: str = "", done: tuple[str, str] | None = None) -> str:
    """The form page, with the last attempt's error or result; every value escaped."""
    notice = ""
    if error:
        notice = f'<p class="err" role="alert">{esc(error)}</p>'
    elif done:
        added, built = done
        notice = (
            f'<p class="ok" role="status">Added the reading <code>{esc(added)}</code> ({esc(built)}). '
            f'Students open it at <a href="../?article={esc(added)}">/?article={esc(added)}</a>; '
            "it is in the page's reading picker within a few seconds.</p>"
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Add a reading</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>body{font:15px/1.5 system-ui,sans-serif;color:#374151;margin:24px;max-width:720px}"
        "label{display:block;margin:12px 0 4px;font-weight:600}textarea{width:100%;height:12em}"
        ".err{color:#b91c1c}.ok{color:#166534}code{background:#f3f4f6;padding:1px 4px}</style></head>"
        '<body><h1 style="font-size:1.3rem">Add a reading</h1>'
        f"{notice}"
        '<form method="post" enctype="multipart/form-data">'
        '<label for="name">Name (lower-case letters, digits and hyphens, e.g. week-3)</label>'
        f'<input id="name" name="name" required maxlength="40" value="{esc(name)}">'
        '<label for="file">A .txt or .md file</label>'
        '<input id="file" name="file" type="file" accept=".txt,.md,text/plain,text/markdown">'
        '<label for="text">or paste the text</label><textarea id="text" name="text"></textarea>'
        '<p><button type="submit">Add the reading</button> (indexing takes up to a minute)</p></form>'
        '<p><a href="./">Back to the instructor view</a></p></body></html>'
    )
