"""The instructor page as Gradio Blocks: what students asked, refused questions, feedback, exports."""

from __future__ import annotations

import hmac
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr

from ui.app import DOWNLOAD_TTL_S, prune
from ui.feedback import FeedbackStore, to_csv, to_jsonl
from ui.settings import Settings


def instructor_report(
    store: FeedbackStore, folder: Path
) -> tuple[str, list[list[Any]], list[list[Any]], str, str]:
    """Summary, all questions, refused questions, and paths of fresh CSV and JSONL exports."""
    rows = store.questions()
    s = store.summary()
    summary = (
        f"Questions asked: **{s['asked']}** · refused (the article doesn't cover them): **{s['refused']}**"
        f" · thumbs up: **{s['up']}** · thumbs down: **{s['down']}**"
    )
    table = [
        [_when(r), r["question"], "yes" if r["refused"] else "", r["up"], r["down"], r["source"]]
        for r in rows
    ]
    refused = [[_when(r), r["question"], r["query"]] for r in rows if r["refused"]]
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = folder / uuid.uuid4().hex
    out.mkdir(parents=True)
    csv_path, jsonl_path = out / f"questions-{stamp}.csv", out / f"questions-{stamp}.jsonl"
    csv_path.write_text(to_csv(rows), encoding="utf-8")
    jsonl_path.write_text(to_jsonl(rows), encoding="utf-8")
    return summary, table, refused, str(csv_path), str(jsonl_path)


def _when(row: dict[str, Any]) -> str:
    """``asked_at`` to the second, as ``YYYY-MM-DD HH:MM:SS``."""
    return row["asked_at"][:19].replace("T", " ")


def password_ok(given: str | None, expected: str | None) -> bool:
    """No password configured means open; otherwise a constant-time comparison."""
    if not expected:
        return True
    return hmac.compare_digest((given or "").encode(), expected.encode())


def build_instructor(store: FeedbackStore, settings: Settings) -> gr.Blocks:
    """The instructor page: questions asked, refused ones, feedback counts, CSV/JSONL export."""
    folder = Path(tempfile.mkdtemp(prefix="article-chat-exports-"))
    protected = bool(settings.instructor_password)

    def load(given: str | None) -> tuple[Any, ...]:
        if not password_ok(given, settings.instructor_password):
            raise gr.Error("Wrong password. It is the value of ARTICLE_CHAT_INSTRUCTOR_PASSWORD.")
        prune(folder, older_than=DOWNLOAD_TTL_S)
        summary, table, refused, csv_path, jsonl_path = instructor_report(store, folder)
        return (
            gr.Column(visible=True),
            summary,
            table,
            refused,
            gr.DownloadButton(value=csv_path, interactive=True),
            gr.DownloadButton(value=jsonl_path, interactive=True),
        )

    with gr.Blocks(title="Instructor view · article chat", analytics_enabled=False) as page:
        gr.Markdown(
            "## Instructor view\n"
            "What students asked, which questions the article doesn't cover, and their feedback."
        )
        with gr.Row(visible=protected):
            password = gr.Textbox(
                label="Instructor password", type="password", scale=4, elem_id="ac-password"
            )
            unlock = gr.Button("Open", variant="primary", scale=1, elem_id="ac-unlock")
        if not protected:
            gr.Markdown("_This page is open: set `ARTICLE_CHAT_INSTRUCTOR_PASSWORD` to protect it._")
        with gr.Column(visible=not protected) as report:
            summary = gr.Markdown(elem_id="ac-summary")
            with gr.Row():
                csv_button = gr.DownloadButton(
                    "Export CSV", interactive=False, size="sm", elem_id="ac-export-csv"
                )
                jsonl_button = gr.DownloadButton(
                    "Export JSONL", interactive=False, size="sm", elem_id="ac-export-jsonl"
                )
                refresh = gr.Button("Refresh", size="sm")
            gr.Markdown("### Refused questions (the article doesn't cover them)")
            refused = gr.Dataframe(
                headers=["asked at (UTC)", "question", "searched for"],
                interactive=False,
                wrap=True,
                elem_id="ac-refused-table",
            )
            gr.Markdown("### All questions, newest first")
            table = gr.Dataframe(
                headers=["asked at (UTC)", "question", "refused", "thumbs up", "thumbs down", "source"],
                interactive=False,
                wrap=True,
                elem_id="ac-questions-table",
            )
        outputs = [report, summary, table, refused, csv_button, jsonl_button]
        opened = dict(fn=load, inputs=[password], outputs=outputs, api_visibility="private")
        unlock.click(**opened)  # type: ignore[arg-type]
        password.submit(**opened)  # type: ignore[arg-type]
        refresh.click(**opened)  # type: ignore[arg-type]
        if not protected:
            page.load(**opened)  # type: ignore[arg-type]
    return page
