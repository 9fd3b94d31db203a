"""The "Outline of the argument" box: the article map's passages as citation links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ui.render import OUTLINE_PER_LABEL, cite_href, render_outline


def test_the_outline_links_each_passage_like_a_citation(tiny_service: Any) -> None:
    items = tiny_service.outline()
    assert items and {"label", "paragraph", "start", "end", "text"} <= set(items[0])
    text = tiny_service.article.text
    assert all(text[i["start"] : i["end"]] == i["text"] for i in items)
    html = render_outline(items)
    assert html.startswith('<details id="ac-outline" open>') and "Outline of the argument" in html
    for label in {i["label"] for i in items}:
        for item in [i for i in items if i["label"] == label][:OUTLINE_PER_LABEL]:
            assert f'href="{cite_href(item)}"' in html
    assert "Opposing view" in html and "Main point" in html
    assert "Riverton Votes to Rebuild" not in html, "the title line is never an outline item"


def test_the_outline_escapes_text_and_caps_each_label() -> None:
    items = [
        {"label": "Evidence", "paragraph": 2, "start": 10 * n, "end": 10 * n + 5, "text": f"<b>x{n}</b>"}
        for n in range(6)
    ]
    html = render_outline(items, per_label=3)
    assert "<b>x" not in html and "&lt;b&gt;x0" in html
    assert html.count("ac-outline-item") == 3
    assert render_outline([]) == ""


def test_the_page_shows_the_outline_beside_the_article(tiny_service: Any, tmp_path: Path) -> None:
    import gradio as gr

    from ui.app import build_app
    from ui.settings import Settings

    app = build_app(tiny_service, Settings(home=tmp_path), stream_delay=0)
    pane = next(b for b in app.blocks.values() if isinstance(b, gr.HTML) and b.elem_id == "ac-outline-html")
    load = next(d for d in app.fns.values() if d.name == "load" and pane in d.outputs)
    request = gr.Request(session_hash="tab", query_params={})
    shown = [load.fn({}, "", request)[load.outputs.index(pane)]]  # the page shows it on load
    assert shown == [render_outline(tiny_service.outline())]
