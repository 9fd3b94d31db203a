"""The web server: chat page at ``/``, instructor page at ``/instructor``, ``POST /api/ask``.

Gradio has no origin allow-list of its own, so the FastAPI app that hosts it enforces
``ARTICLE_CHAT_ALLOWED_ORIGINS``: a ``frame-ancestors`` CSP on every response (who may frame the
page) and a 403 for any request whose ``Origin`` is neither this server nor on the list.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.errors import ArticleChatError, InputError
from ui.feedback import FeedbackStore
from ui.settings import Settings

MAX_BODY_BYTES = 256_000  # a 2,000-character question with 50 turns of history fits easily
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def same_origin(origin: str, host: str | None) -> bool:
    """True when ``origin`` names the host the browser sent this request to."""
    if not host:
        return False
    parts = urlsplit(origin)
    netloc = (parts.netloc or "").lower()
    host = host.lower()
    default = _DEFAULT_PORTS.get(parts.scheme, "")
    return netloc == host or f"{netloc}:{default}" == host or netloc == f"{host}:{default}"


def frame_ancestors(allowed: Sequence[str]) -> str:
    return " ".join(["frame-ancestors", "'self'", *allowed])


class OriginGuard:
    """ASGI middleware: CSP ``frame-ancestors`` on responses, 403 JSON for foreign origins."""

    def __init__(self, app: ASGIApp, *, allowed: Sequence[str]):
        self.app = app
        self.allowed = {o.rstrip("/") for o in allowed}
        self.csp = frame_ancestors(sorted(self.allowed)).encode()

    def allows(self, origin: str, host: str | None) -> bool:
        return origin.rstrip("/") in self.allowed or same_origin(origin, host)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is not None and not self.allows(origin, headers.get("host")):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            message = (
                f"origin {origin} is not allowed; add it to ARTICLE_CHAT_ALLOWED_ORIGINS "
                "(comma-separated) on the server"
            )
            await JSONResponse({"error": message}, status_code=403)(scope, receive, send)
            return

        async def send_with_csp(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *[(k, v) for k, v in message["headers"] if k.lower() != b"content-security-policy"],
                    (b"content-security-policy", self.csp),
                ]
            await send(message)

        await self.app(scope, receive, send_with_csp)


def error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_server(service: Any, settings: Settings, *, stream_delay: float | None = None) -> FastAPI:
    """The FastAPI app with both Gradio pages mounted and the plain-HTTP API (never started here)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before Gradio is first imported
    import gradio as gr

    from ui.app import DEFAULT_STREAM_DELAY, ChatDesk, build_app, page_assets
    from ui.instructor import build_instructor

    store = FeedbackStore(settings.feedback_db)
    desk = ChatDesk(service, store)
    app = FastAPI(title="article-chat", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        CORSMiddleware,  # also tells Gradio not to add its own, looser CORS headers
        allow_origins=list(settings.allowed_origins),
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    app.add_middleware(OriginGuard, allowed=settings.allowed_origins)  # outermost: runs first

    @app.post("/api/ask")
    async def api_ask(request: Request) -> JSONResponse:
        """``{"question", "history"}`` -> the answer JSON; errors are ``{"error"}`` with 4xx."""
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return error(f"request body is {len(body):,} bytes, over the limit of {MAX_BODY_BYTES:,}", 413)
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return error(
                'the body must be JSON like {"question": "What did Powell say?", "history": []}', 400
            )
        if not isinstance(data, dict) or "question" not in data:
            return error('the body must be a JSON object with a "question" (and optional "history")', 400)
        try:
            result, _ = await run_in_threadpool(desk.ask, data["question"], data.get("history"), source="api")
        except InputError as exc:
            return error(str(exc), 400)
        except ArticleChatError as exc:
            return error(f"the chat is unavailable: {exc}", 503)
        return JSONResponse(result)

    @app.api_route("/api/ask", methods=["GET", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def api_ask_wrong_method() -> JSONResponse:
        return error('use POST with a JSON body like {"question": "...", "history": []}', 405)

    @app.get("/api/health")
    async def health() -> dict[str, Any]:
        article = service.article
        return {
            "ok": True,
            "article": article.source,
            "paragraphs": len(article.paragraphs),
            "answerer": getattr(service, "answerer_name", "extractive"),
        }

    @app.get("/gradio.js", include_in_schema=False)
    async def gradio_js() -> FileResponse:
        """Gradio's web-component loader, served here so course pages need no CDN."""
        path = Path(gr.__file__).parent / "templates" / "frontend" / "gradio.js"
        return FileResponse(path, media_type="text/javascript")

    @app.get("/instructor", include_in_schema=False)
    async def instructor_slash() -> RedirectResponse:
        return RedirectResponse("instructor/")  # relative: still right behind a path prefix

    delay = DEFAULT_STREAM_DELAY if stream_delay is None else stream_delay
    chat = build_app(service, settings, desk=desk, stream_delay=delay)
    mount = dict(footer_links=["api"], run_history=False, ssr_mode=False, **page_assets())
    gr.mount_gradio_app(app, build_instructor(store, settings), path="/instructor", **mount)
    gr.mount_gradio_app(app, chat, path="/", **mount)
    return app


def serve(service: Any, settings: Settings) -> None:
    """Run the server until interrupted (the one place that starts uvicorn)."""
    import uvicorn

    print(f"article-chat: serving on http://{settings.host}:{settings.port}/", flush=True)
    uvicorn.run(create_server(service, settings), host=settings.host, port=settings.port, log_level="warning")
