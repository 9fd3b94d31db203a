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
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import gradio as gr
from itsdangerous import BadSignature, TimestampSigner
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ui.feedback import DEFAULT_READING, FeedbackStore, StoreUnavailable, to_csv, to_jsonl
from ui.grouping import Embed, Vectors
from ui.report import build_report, conversation_html
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

    def export_link(self, kind: str, reading: str | None = None) -> str:
        """``export.csv?t=...`` (all readings) or ``export.csv?reading=NAME&t=...``: relative to the
        instructor page, valid ``EXPORT_LINK_TTL_S``; the reading is part of what is signed."""
        token = self.links.sign(_link_subject(kind, reading)).decode()
        return f"export.{kind}?{urlencode({'reading': reading, 't': token} if reading else {'t': token})}"

    def link_ok(self, kind: str, token: str | None, reading: str | None = None) -> bool:
        return _valid(self.links, token, _link_subject(kind, reading), EXPORT_LINK_TTL_S)


def _link_subject(kind: str, reading: str | None) -> str:
    return f"{kind}:{reading}" if reading else kind


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
        reading = request.query_params.get("reading") or None
        if not self.access.link_ok(kind, request.query_params.get("t"), reading):
            message = "this export link has expired; reload the instructor page and export again"
            return JSONResponse({"error": message}, status_code=410)
        try:
            rows = self.store.questions(reading=reading)
        except StoreUnavailable as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        if reading:
            stamp = f"{re.sub(r'[^A-Za-z0-9._-]+', '_', reading)[:60]}-{stamp}"
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


ALL_READINGS = "All readings"  # the reading filter's first choice: no filter
_HOW_TO_READ = """\
**How to read this page.** *Questions by meaning* counts questions that mean the same together
(most asked first), with the other ways students phrased them and what the bot answered.
Refused answers, and answers a student gave a thumbs-down, are split in three:
*the article doesn't cover it* (refused and left at that: a gap the article leaves, or a question
to take up in class), *the bot couldn't find it* (a thumbs-down, or the student asked the same
thing again right after: the answer is probably in the reading, the bot missed it), and
*off-topic or instructions* (attempts to give the bot orders, requests for other work, chatter)."""


@dataclass
class Filters:
    """The page's filter boxes, checked: a reading (None: all) and a range of days."""

    reading: str | None
    since: str | None
    until: str | None

    @classmethod
    def read(cls, reading: str | None, since: str | None, until: str | None) -> Filters:
        """Raises ``gr.Error`` naming a day not written ``YYYY-MM-DD``."""
        days = []
        for label, day in (("From", since), ("To", until)):
            day = (day or "").strip() or None
            if day:
                try:
                    datetime.strptime(day, "%Y-%m-%d")
                except ValueError:
                    raise gr.Error(
                        f'{label} "{day}" is not a day: write it as YYYY-MM-DD, e.g. 2026-09-01'
                    ) from None
            days.append(day)
        return cls(None if reading in (None, "", ALL_READINGS) else reading, days[0], days[1])


class InstructorPage:
    """The instructor page's handlers, callable from tests: report, conversation, clear, starters."""

    def __init__(self, store: FeedbackStore, access: InstructorAccess, *, embed: Embed):
        self.store = store
        self.access = access
        self.vectors = Vectors(embed)

    def show(self, reading: str | None, since: str | None, until: str | None) -> tuple[Any, ...]:
        """Everything for one filter: summary, tables, export links, reading and conversation choices,
        the reading's pinned starters."""
        filters = Filters.read(reading, since, until)
        try:
            report = build_report(
                self.store, self.vectors, reading=filters.reading, since=filters.since, until=filters.until
            )
            readings = self.store.readings()
            pinned = self.store.pinned_starters(filters.reading or DEFAULT_READING)
        except (StoreUnavailable, ValueError) as exc:
            raise gr.Error(str(exc)) from exc
        shown = filters.reading or ALL_READINGS
        return (
            report.summary,
            report.groups,
            report.not_covered,
            report.not_found,
            report.off_topic,
            report.questions,
            self.links(filters.reading),
            gr.Dropdown(choices=[ALL_READINGS, *readings], value=shown),
            gr.Dropdown(choices=report.conversations, value=None),
            "\n".join(pinned),
        )

    def links(self, reading: str | None) -> str:
        """Export links (fresh, signed) for the reading shown, and the sign-out link."""
        what = f" ({reading})" if reading else ""
        links = " ".join(
            f'<a id="ac-export-{kind}" class="ac-export" download'
            f' href="{html.escape(self.access.export_link(kind, reading))}">'
            f"Export {kind.upper()}{html.escape(what)}</a>"
            for kind in ("csv", "jsonl")
        )
        links += ' <a id="ac-add-reading" href="readings">Add a reading</a>'  # ui/add_reading.py
        if self.access.password:
            links += ' <a id="ac-logout" href="logout">Sign out</a>'
        return links

    def conversation(self, conversation: str | None) -> str:
        try:
            return conversation_html(self.store, conversation)
        except StoreUnavailable as exc:
            raise gr.Error(str(exc)) from exc

    def ask_to_clear(self, reading: str | None, before: str | None) -> tuple[Any, ...]:
        """The confirmation step: what would go, and the button that does it (the request kept in state)."""
        filters = Filters.read(reading, None, before)
        try:
            count = len(self.store.questions(reading=filters.reading, until=_day_before(filters.until)))
        except StoreUnavailable as exc:
            raise gr.Error(str(exc)) from exc
        what = f"the reading “{filters.reading}”" if filters.reading else "all readings"
        when = f"asked before {filters.until}" if filters.until else "of every date"
        message = (
            f"This deletes **{count}** questions of {what} {when}, with their votes. It cannot be undone."
        )
        pending = {"reading": filters.reading, "before": filters.until}
        return message, gr.Button(visible=count > 0), gr.Button(visible=True), pending

    def clear(self, pending: dict[str, Any] | None) -> tuple[Any, ...]:
        """Delete what the confirmation step showed; logged by the store."""
        if not pending:
            return "", gr.Button(visible=False), gr.Button(visible=False), None
        try:
            done = self.store.clear(reading=pending["reading"], before=pending["before"])
        except StoreUnavailable as exc:
            raise gr.Error(str(exc)) from exc
        message = f"Deleted {done['questions']} questions and {done['votes']} votes."
        return message, gr.Button(visible=False), gr.Button(visible=False), None

    def cancel_clear(self) -> tuple[Any, ...]:
        return "", gr.Button(visible=False), gr.Button(visible=False), None

    def pin(self, reading: str | None, text: str) -> str:
        """Save the reading's starters, one per line; empty unpins them (the derived ones come back)."""
        name = Filters.read(reading, None, None).reading or DEFAULT_READING
        try:
            pinned = self.store.pin_starters(name, (text or "").splitlines())
        except StoreUnavailable as exc:
            raise gr.Error(str(exc)) from exc
        gr.Info(
            f"{len(pinned)} starter questions pinned for “{name}”."
            if pinned
            else f"No starters pinned for “{name}”: the chat suggests its own."
        )
        return "\n".join(pinned)


def _day_before(day: str | None) -> str | None:
    """``until`` is inclusive; "before D" is up to the day before D."""
    if not day:
        return None
    return (datetime.strptime(day, "%Y-%m-%d") - timedelta(days=1)).date().isoformat()


def build_instructor(store: FeedbackStore, access: InstructorAccess, *, embed: Embed) -> gr.Blocks:
    """The instructor page (behind ``InstructorGate``); ``embed`` is the service's sentence embedding."""
    handlers = InstructorPage(store, access, embed=embed)
    with gr.Blocks(title="Instructor view · article chat", analytics_enabled=False) as page:
        gr.Markdown("## Instructor view\nWhat students asked, what the bot answered, and how they rated it.")
        if not access.password:
            gr.Markdown(
                "_This page is open on loopback: set `ARTICLE_CHAT_INSTRUCTOR_PASSWORD` to protect it._"
            )
        with gr.Row():
            reading = gr.Dropdown([ALL_READINGS], value=ALL_READINGS, label="Reading", elem_id="ac-reading")
            since = gr.Textbox(label="From (YYYY-MM-DD, UTC)", elem_id="ac-since", max_lines=1)
            until = gr.Textbox(label="To (YYYY-MM-DD, included)", elem_id="ac-until", max_lines=1)
            refresh = gr.Button("Show", size="sm", scale=0, min_width=80, elem_id="ac-refresh")
        summary = gr.Markdown(elem_id="ac-summary")
        exports = gr.HTML(elem_id="ac-exports")
        gr.Markdown(_HOW_TO_READ)
        gr.Markdown("### Questions by meaning")
        groups = _table(
            [
                "asked",
                "question (most asked phrasing)",
                "also asked as",
                "answers given",
                "refused",
                "up",
                "down",
            ],
            "ac-groups-table",
            widths=["7%", "22%", "23%", "31%", "7%", "5%", "5%"],
        )
        gr.Markdown("### Refused: the article doesn't cover it")
        not_covered = _table(["asked at (UTC)", "question", "searched for", "reading"], "ac-refused-table")
        gr.Markdown("### The bot couldn't find it (thumbs-down, or asked again right after)")
        not_found = _table(["asked at (UTC)", "question", "answer", "why", "reading"], "ac-notfound-table")
        gr.Markdown("### Off-topic or instructions")
        off_topic = _table(["asked at (UTC)", "question", "reading"], "ac-offtopic-table")
        with gr.Accordion("A conversation", open=False, elem_id="ac-conversation-box"):
            conversation = gr.Dropdown([], label="Conversation", elem_id="ac-conversation")
            turns = gr.HTML(conversation_html(store, None), elem_id="ac-conversation-view")
        with gr.Accordion("All questions, newest first", open=True):
            table = _table(
                ["asked at (UTC)", "question", "answer", "refused", "up", "down", "reading", "source"],
                "ac-questions-table",
            )
        with gr.Accordion("Starter questions for this reading", open=False):
            gr.Markdown(
                "One question per line, shown in this order in the empty chat of the reading picked above "
                "(“All readings”: the default reading). Empty: the chat suggests questions of its own."
            )
            starters = gr.Textbox(lines=4, show_label=False, elem_id="ac-starters")
            pin = gr.Button("Save starters", size="sm", elem_id="ac-pin")
        with gr.Accordion("Clear a term's data", open=False):
            before = gr.Textbox(
                label="Delete questions asked before (YYYY-MM-DD; empty: all) of the reading picked above",
                max_lines=1,
                elem_id="ac-clear-before",
            )
            ask_clear = gr.Button("Delete…", size="sm", elem_id="ac-clear-ask")
            confirm_text = gr.Markdown(elem_id="ac-clear-message")
            with gr.Row():
                confirm = gr.Button("Yes, delete", variant="stop", visible=False, elem_id="ac-clear-confirm")
                cancel = gr.Button("Cancel", visible=False, elem_id="ac-clear-cancel")
            pending = gr.State(None)

        filters = [reading, since, until]
        report = [
            summary,
            groups,
            not_covered,
            not_found,
            off_topic,
            table,
            exports,
            reading,
            conversation,
            starters,
        ]
        private: dict[str, Any] = {"api_visibility": "private"}
        page.load(handlers.show, filters, report, **private)
        refresh.click(handlers.show, filters, report, **private)
        reading.input(handlers.show, filters, report, **private)
        conversation.change(handlers.conversation, [conversation], [turns], **private)
        pin.click(handlers.pin, [reading, starters], [starters], **private)
        step = [confirm_text, confirm, cancel, pending]
        ask_clear.click(handlers.ask_to_clear, [reading, before], step, **private)
        confirm.click(handlers.clear, [pending], step, **private).then(
            handlers.show, filters, report, **private
        )
        cancel.click(handlers.cancel_clear, None, step, **private)
    return page


def _table(headers: list[str], elem_id: str, *, widths: list[str | int] | None = None) -> gr.Dataframe:
    return gr.Dataframe(headers=headers, interactive=False, wrap=True, elem_id=elem_id, column_widths=widths)
