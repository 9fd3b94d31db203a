"""The instructor view: a login with a signed session cookie, the Gradio report page, and exports.

Everything under ``/instructor/`` sits behind ``InstructorGate`` (an ASGI middleware): the Gradio
page, its API and its files need the session cookie, so nothing reaches the report without the
password. The password is typed once on ``/instructor/login``; the cookie is signed (itsdangerous)
with ``ARTICLE_CHAT_SECRET`` or a secret kept in the database, so every replica accepts it.
Exports are plain routes (``/instructor/export.csv``, ``.jsonl``) that need the cookie and a
signed link that expires; nothing is written to disk.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import gradio as gr
from itsdangerous import BadSignature, TimestampSigner
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ui.feedback import FeedbackStore, StoreUnavailable, to_csv, to_jsonl
from ui.settings import Settings

SESSION_COOKIE = "article_chat_instructor"
SESSION_TTL_S = 8 * 3600  # one teaching day; then the password is asked again
EXPORT_LINK_TTL_S = 600  # an export link copied out of the page stops working after this
FREE_ATTEMPTS = 5  # wrong passwords from one client before each further try waits
FIRST_WAIT_S = 2.0  # the wait after the free attempts, doubled by each further wrong password
MAX_WAIT_S = 900.0
MAX_TRACKED_CLIENTS = 10_000
PREFIX = "/instructor"
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
log = logging.getLogger("article-chat")


def password_ok(given: str | None, expected: str | None) -> bool:
    """No password configured means open; otherwise a constant-time comparison."""
    if not expected:
        return True
    return hmac.compare_digest((given or "").encode(), expected.encode())


def is_loopback(host: str) -> bool:
    return host.strip().lower() in _LOOPBACK or host.startswith("127.")


class LoginThrottle:
    """Wrong passwords per client: ``FREE_ATTEMPTS`` free, then a wait that doubles each time."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.failures: dict[str, tuple[int, float]] = {}  # client -> (wrong in a row, when the last was)
        self.lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds before ``client`` may try again (0: now)."""
        with self.lock:
            count, when = self.failures.get(client, (0, 0.0))
        if count < FREE_ATTEMPTS:
            return 0.0
        delay = min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (count - FREE_ATTEMPTS))
        return max(0.0, when + delay - self.clock())

    def failed(self, client: str) -> int:
        """Count one wrong password; returns how many in a row."""
        now = self.clock()
        with self.lock:
            if len(self.failures) > MAX_TRACKED_CLIENTS:  # forget clients quiet for the longest wait
                self.failures = {c: f for c, f in self.failures.items() if now - f[1] < MAX_WAIT_S}
            count = self.failures.get(client, (0, 0.0))[0] + 1
            self.failures[client] = (count, now)
        return count

    def succeeded(self, client: str) -> None:
        with self.lock:
            self.failures.pop(client, None)


class InstructorAccess:
    """Who may see the instructor view: the password, the session cookie and signed export links."""

    def __init__(self, settings: Settings, store: FeedbackStore, *, clock: Callable[[], float] = time.time):
        self.password = settings.instructor_password
        # Open without a password only on a loopback address: nobody else can reach it there.
        self.refused = not self.password and not is_loopback(settings.host)
        secret = settings.secret or store.shared_secret("instructor-session")
        # The password is part of the salt: changing it signs everyone out.
        salt = hashlib.sha256((self.password or "").encode()).hexdigest()
        self.sessions = TimestampSigner(secret, salt=f"session:{salt}")
        self.links = TimestampSigner(secret, salt=f"export:{salt}")
        self.throttle = LoginThrottle()
        self.clock = clock
        if self.refused:
            log.warning(
                "the instructor view is off: the server listens on %s and ARTICLE_CHAT_INSTRUCTOR_PASSWORD "
                "is not set",
                settings.host,
            )

    def session_ok(self, cookie: str | None) -> bool:
        if self.refused:
            return False
        if not self.password:
            return True
        return _valid(self.sessions, cookie, "instructor", SESSION_TTL_S)

    def new_session(self) -> str:
        return self.sessions.sign("instructor").decode()

    def export_link(self, kind: str) -> str:
        """``export.csv?t=...``: relative to the instructor page, valid ``EXPORT_LINK_TTL_S``."""
        return f"export.{kind}?t={self.links.sign(kind).decode()}"

    def link_ok(self, kind: str, token: str | None) -> bool:
        return _valid(self.links, token, kind, EXPORT_LINK_TTL_S)


def _valid(signer: TimestampSigner, token: str | None, expected: str, max_age: int) -> bool:
    if not token:
        return False
    try:
        return signer.unsign(token, max_age=max_age).decode() == expected
    except (BadSignature, UnicodeDecodeError):
        return False


class InstructorGate:
    """ASGI middleware: ``/instructor/login``, ``logout`` and ``export.*`` here; the rest needs a session."""

    def __init__(self, app: ASGIApp, *, access: InstructorAccess, store: FeedbackStore):
        self.app = app
        self.access = access
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = _route(scope) if scope["type"] in ("http", "websocket") else ""
        if not path.startswith(PREFIX + "/"):  # "/instructor" alone is the server's redirect to the page
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            if not self.access.session_ok(_cookie(scope)):
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        response = await self.respond(request, path[len(PREFIX) :])
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    async def respond(self, request: Request, path: str) -> Response | None:
        """The gate's own answer, or None to pass the request on to the Gradio page."""
        access = self.access
        if access.refused:
            return _refused_page()
        if path == "/login":
            return await self.login(request)
        if path == "/logout":
            response = RedirectResponse("login", status_code=303)
            response.delete_cookie(SESSION_COOKIE, path=_cookie_path(request))
            return response
        if not access.session_ok(request.cookies.get(SESSION_COOKIE)):
            if request.method == "GET" and path in ("", "/"):
                return RedirectResponse(
                    f"{request.scope.get('root_path', '')}{PREFIX}/login", status_code=303
                )
            return JSONResponse({"error": "sign in to the instructor view first"}, status_code=401)
        if path in ("/export.csv", "/export.jsonl"):
            return self.export(request, path.rpartition(".")[2])
        return None

    async def login(self, request: Request) -> Response:
        access = self.access
        if not access.password:
            return RedirectResponse("./", status_code=303)
        if request.method != "POST":
            return _login_page()
        client = (request.client.host if request.client else None) or "unknown"
        wait = access.throttle.wait(client)
        if wait:
            seconds = int(wait) + 1
            return _login_page(
                f"Too many wrong passwords. Try again in {seconds} s.", 429, {"Retry-After": str(seconds)}
            )
        form = await request.form()
        given = form.get("password")
        if not password_ok(given if isinstance(given, str) else None, access.password):
            count = access.throttle.failed(client)
            log.warning(
                "instructor login failed from %s at %s (%d wrong in a row)",
                client,
                datetime.now(UTC).isoformat(timespec="seconds"),
                count,
            )
            return _login_page("Wrong password. It is the value of ARTICLE_CHAT_INSTRUCTOR_PASSWORD.", 401)
        access.throttle.succeeded(client)
        response = RedirectResponse("./", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            access.new_session(),
            max_age=SESSION_TTL_S,
            path=_cookie_path(request),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    def export(self, request: Request, kind: str) -> Response:
        if not self.access.link_ok(kind, request.query_params.get("t")):
            message = "this export link has expired; reload the instructor page and export again"
            return JSONResponse({"error": message}, status_code=410)
        try:
            rows = self.store.questions()
        except StoreUnavailable as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        body, media = (
            (to_csv(rows), "text/csv") if kind == "csv" else (to_jsonl(rows), "application/x-ndjson")
        )
        return PlainTextResponse(
            body,
            media_type=f"{media}; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="questions-{stamp}.{kind}"',
                "Cache-Control": "no-store",
            },
        )


def _route(scope: Scope) -> str:
    """The path without the reverse proxy's prefix (``root_path``)."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _cookie(scope: Scope) -> str | None:
    return Request(scope).cookies.get(SESSION_COOKIE)


def _cookie_path(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}{PREFIX}"


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Instructor view · article chat</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#111827}}
input{{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box;margin:.5rem 0}}
button{{font-size:1rem;padding:.5rem 1.25rem}} .error{{color:#b91c1c}}</style></head>
<body><h1>Instructor view</h1>{body}</body></html>
"""


def _login_page(error: str = "", status: int = 200, headers: dict[str, str] | None = None) -> Response:
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    body = (
        "<p>What students asked, which questions the article doesn't cover, and their feedback.</p>"
        f'{message}<form method="post" action="login"><label id="ac-password">Instructor password'
        '<input type="password" name="password" autocomplete="current-password" autofocus required>'
        '</label><button id="ac-unlock" type="submit">Open</button></form>'
    )
    return Response(_PAGE.format(body=body), status, headers, media_type="text/html")


def _refused_page() -> Response:
    body = (
        "<p>The instructor view is off: this server listens on a non-loopback address and "
        "<code>ARTICLE_CHAT_INSTRUCTOR_PASSWORD</code> is not set. Set it and restart the server.</p>"
    )
    return Response(_PAGE.format(body=body), 403, media_type="text/html")


def instructor_report(
    store: FeedbackStore, access: InstructorAccess
) -> tuple[str, list[list[Any]], list[list[Any]], str]:
    """Summary, all questions, refused questions, and export links (fresh, signed) as HTML."""
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
    links = " ".join(
        f'<a id="ac-export-{kind}" class="ac-export" href="{html.escape(access.export_link(kind))}" download>'
        f"Export {kind.upper()}</a>"
        for kind in ("csv", "jsonl")
    )
    links += ' <a id="ac-add-reading" href="readings">Add a reading</a>'  # ui/add_reading.py
    if access.password:
        links += ' <a id="ac-logout" href="logout">Sign out</a>'
    return summary, table, refused, links


def _when(row: dict[str, Any]) -> str:
    """``asked_at`` to the second, as ``YYYY-MM-DD HH:MM:SS``."""
    return row["asked_at"][:19].replace("T", " ")


def build_instructor(store: FeedbackStore, access: InstructorAccess) -> gr.Blocks:
    """The instructor page (behind ``InstructorGate``): questions, refused ones, votes, export links."""

    def load() -> tuple[Any, ...]:
        try:
            return instructor_report(store, access)
        except StoreUnavailable as exc:
            raise gr.Error(str(exc)) from exc

    with gr.Blocks(title="Instructor view · article chat", analytics_enabled=False) as page:
        gr.Markdown(
            "## Instructor view\n"
            "What students asked, which questions the article doesn't cover, and their feedback."
        )
        if not access.password:
            gr.Markdown(
                "_This page is open on loopback: set `ARTICLE_CHAT_INSTRUCTOR_PASSWORD` to protect it._"
            )
        summary = gr.Markdown(elem_id="ac-summary")
        with gr.Row():
            exports = gr.HTML(elem_id="ac-exports")
            refresh = gr.Button("Refresh", size="sm", scale=0)
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
        shown = dict(
            fn=load, inputs=None, outputs=[summary, table, refused, exports], api_visibility="private"
        )
        refresh.click(**shown)  # type: ignore[arg-type]
        page.load(**shown)  # type: ignore[arg-type]
    return page
