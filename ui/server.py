"""The web server: chat page at ``/``, instructor page at ``/instructor``, ``POST /api/ask``.

Gradio has no origin allow-list of its own, so the FastAPI app that hosts it enforces
``ARTICLE_CHAT_ALLOWED_ORIGINS``: a ``frame-ancestors`` CSP on every response (who may frame the
page) and a 403 for any request whose ``Origin`` is neither this server nor on the list.
Gradio has no request size limit either: ``RequestLimits`` caps every body as it arrives.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import math
import os
import socket
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.errors import ArticleChatError, InputError
from bot.library import Library
from bot.validate import parse_json
from index.catalog import DEFAULT_READING
from index.errors import UnknownReading
from ui.add_reading import add_reading_routes
from ui.feedback import FeedbackStore
from ui.render import render_blocked_embed
from ui.settings import Settings, parse_rate

MAX_BODY_BYTES = 256_000  # POST /api/ask: a 2,000-character question with 50 turns of history fits easily
MAX_REQUEST_BYTES = 2_000_000  # any other request: the chat page sends its whole rendered conversation
BODY_TIMEOUT_S = 30.0  # a body still arriving after this is a stalled or hostile client
MAX_TRACKED_CLIENTS = 10_000  # rate-limit buckets kept before full ones are forgotten
MAX_HELD_PER_CLIENT = 64  # requests held (waiting, no CPU) per address; each is an open connection
MAX_HELD = 1_000  # held in all; past either bound a refusal goes out at once, a turn is refused
TURN_WAIT_S = 30.0  # a question waiting longer than this for its address's turn gets a 429
JOB_TURN_S = 30.0  # a gradio job holds its address's turn until its stream is read, at most this long
MAX_REPORTED_ORIGINS = 1_000  # refused origins logged once each; past this, no more are logged
GRACEFUL_SHUTDOWN_S = 3  # SIGTERM: open browser tabs (event streams) are cut after this
KEEP_ALIVE_S = 5  # idle keep-alive connections are closed after this
_GRADIO_CALL = "/gradio_api/call/"  # POST queues a job and answers its id; GET .../ID streams it
_QUESTION_ROUTES = ("/gradio_api/queue/join", _GRADIO_CALL, "/gradio_api/run/", "/gradio_api/api/")
# The page's unqueued steps (queuing a typed question, saving the conversation, the picker): Gradio
# runs them at /run/predict and refuses queued ones there, so they cost no answer and no token.
_PAGE_STEPS = ("/gradio_api/run/predict", "/gradio_api/run/predict/")
# The page has no upload widget: Gradio's upload routes are closed rather than left open to anyone.
_CLOSED_ROUTES = ("/gradio_api/upload", "/gradio_api/upload_progress", "/gradio_api/process_recording")
log = logging.getLogger("article-chat")
_DEFAULT_PORTS = {"http": "80", "https": "443"}


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
_EXPLANATION_CSP = "frame-ancestors *; default-src 'none'; style-src 'unsafe-inline'"
_SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]


def host_name(host: str) -> str:
    """``Host`` header without its port: ``127.0.0.1:7860`` -> ``127.0.0.1``, ``[::1]:80`` -> ``[::1]``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.partition(":")[0]


def trusted_hosts(settings: Settings) -> frozenset[str]:
    """Loopback names, the bound address (unless it is every address) and ``ARTICLE_CHAT_TRUSTED_HOSTS``."""
    bound = host_name(f"[{settings.host}]" if ":" in settings.host else settings.host)
    names = {*LOOPBACK_HOSTS, *(host_name(h) for h in settings.trusted_hosts)}
    if bound not in ("0.0.0.0", "[::]", ""):
        names.add(bound)
    return frozenset(names)


def same_origin(origin: str, host: str | None, scheme: str) -> bool:
    """True when ``origin`` names the scheme and host the browser sent this request to."""
    if not host:
        return False
    parts = urlsplit(origin)
    if parts.scheme != {"ws": "http", "wss": "https"}.get(scheme, scheme):
        return False
    netloc = (parts.netloc or "").lower()
    host = host.lower()
    default = _DEFAULT_PORTS.get(parts.scheme, "")
    return netloc == host or f"{netloc}:{default}" == host or netloc == f"{host}:{default}"


def frame_ancestors(allowed: Sequence[str]) -> str:
    return " ".join(["frame-ancestors", "'self'", *allowed])


class OriginGuard:
    """ASGI middleware: trusted ``Host`` first (DNS rebinding), then origins; security headers on responses.

    A page on ``evil.example`` that re-points its name at 127.0.0.1 sends ``Host: evil.example``
    and looks same-origin, so the host is checked against a list before any origin is.
    """

    def __init__(self, app: ASGIApp, *, allowed: Sequence[str], hosts: frozenset[str]):
        self.app = app
        self.allowed = {o.rstrip("/") for o in allowed}
        self.hosts = hosts
        self.headers = [(b"content-security-policy", frame_ancestors(sorted(self.allowed)).encode())]
        self.headers += _SECURITY_HEADERS
        self.replaced = {name for name, _ in self.headers}
        self.reported: set[str] = set()  # refused origins already logged

    def allows(self, origin: str, host: str | None, scheme: str) -> bool:
        return origin.rstrip("/") in self.allowed or same_origin(origin, host, scheme)

    def refusal(self, headers: Headers, scheme: str) -> tuple[int, str] | None:
        host, origin = headers.get("host"), headers.get("origin")
        if host is not None and host_name(host) not in self.hosts:
            return 400, (
                f"host {host_name(host)[:100]} is not served here; add it to ARTICLE_CHAT_TRUSTED_HOSTS "
                "(comma-separated) on the server"
            )
        if origin is not None and not self.allows(origin, host, scheme):
            self.report(origin)
            return 403, (
                f"origin {origin[:200]} is not allowed; add it to ARTICLE_CHAT_ALLOWED_ORIGINS "
                "(comma-separated) on the server"
            )
        return None

    def framed_by(self, headers: Headers, scheme: str) -> str | None:
        """The site framing this page when it is not allowed to (from ``Referer``), else None.

        Without this the browser's frame-ancestors refusal is a sad face; with it the frame gets a
        page that says why. A frame whose parent sends no ``Referer`` still gets the plain refusal.
        """
        if headers.get("sec-fetch-dest") not in ("iframe", "frame"):
            return None
        parts = urlsplit(headers.get("referer", ""))
        if not parts.scheme or not parts.netloc:
            return None
        parent = f"{parts.scheme}://{parts.netloc}"
        return None if self.allows(parent, headers.get("host"), scheme) else parent

    def report(self, origin: str) -> None:
        """Log a refused origin the first time it is seen, not on each of its requests."""
        if origin in self.reported or len(self.reported) >= MAX_REPORTED_ORIGINS:
            return
        self.reported.add(origin)
        log.warning(
            "refused requests from %s: not in ARTICLE_CHAT_ALLOWED_ORIGINS (add it there to embed the chat)",
            origin[:200],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in self.replaced]
                message["headers"] = [*kept, *self.headers]
            await send(message)

        headers = Headers(scope=scope)
        scheme = scope.get("scheme", "http")
        refused = self.refusal(headers, scheme)
        parent = self.framed_by(headers, scheme) if refused is None and scope["type"] == "http" else None
        if parent is not None:
            self.report(parent)
            # Only an explanation, no chat and no script: it may show in any frame.
            page = HTMLResponse(render_blocked_embed(parent), status_code=403)
            page.headers["content-security-policy"] = _EXPLANATION_CSP
            await page(scope, receive, send)
        elif refused is None:
            await self.app(scope, receive, send_with_headers)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            await error(refused[1], refused[0])(scope, receive, send_with_headers)


class TokenBuckets:
    """Per-client token buckets in memory: ``count`` questions per ``period`` seconds.

    At most ``burst`` at once (all ``count`` when not given), then one every ``period / count``:
    a small burst keeps one client from spending a minute's questions in its first second, when
    everyone else's first questions arrive too.
    """

    def __init__(
        self,
        count: int,
        period: float,
        *,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.capacity = float(min(count, burst or count))
        self.rate = count / period  # tokens regained per second
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)

    def take(self, client: str) -> float:
        """Takes a token: 0 if the client may go ahead, else the seconds until it may."""
        now = self.clock()
        if len(self.buckets) > MAX_TRACKED_CLIENTS:
            self._forget_full(now)
        tokens, when = self.buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - when) * self.rate)
        if tokens >= 1:
            self.buckets[client] = (tokens - 1, now)
            return 0.0
        self.buckets[client] = (tokens, now)
        return (1 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        """Drop clients whose bucket has refilled: they are back to where a new client starts."""
        self.buckets = {
            c: (t, w) for c, (t, w) in self.buckets.items() if t + (now - w) * self.rate < self.capacity
        }


def is_question(scope: Scope) -> bool:
    """Requests that ask the bot something: the HTTP API, Gradio's API and the page's events."""
    path = scope["path"]
    if path.endswith(_PAGE_STEPS):
        return False
    return scope["method"] == "POST" and (path == "/api/ask" or any(p in path for p in _QUESTION_ROUTES))


class Tarpit:
    """Holds a refused client's 429 back for a short, bounded time before it is sent.

    A client firing back to back then waits on each refusal instead of sending hundreds a second
    that each cost the server a request's work; a held response costs no CPU, only an open
    connection, so at most ``per_client`` are held for one address and ``total`` for all (past
    that, the 429 goes out at once). Other clients are never delayed, and ``release`` (on
    shutdown) sends every held response at once.
    """

    def __init__(self, hold_s: float, *, per_client: int = MAX_HELD_PER_CLIENT, total: int = MAX_HELD):
        self.hold_s = hold_s
        self.per_client = per_client
        self.total = total
        self.held: Counter[str] = Counter()
        self.released = False
        self.waiting: set[asyncio.Future[None]] = set()

    async def hold(self, client: str, seconds: float) -> float:
        """Waits up to ``seconds`` (at most ``hold_s``); returns how long it held the response."""
        seconds = min(seconds, self.hold_s)
        if (
            seconds <= 0
            or self.released
            or self.held[client] >= self.per_client
            or self.held.total() >= self.total
        ):
            return 0.0
        loop = asyncio.get_running_loop()
        started, waiter = loop.time(), loop.create_future()
        self.held[client] += 1
        self.waiting.add(waiter)
        try:
            await asyncio.wait_for(waiter, seconds)
        except TimeoutError:
            pass
        finally:
            self.waiting.discard(waiter)
            self.held[client] -= 1
            if not self.held[client]:
                del self.held[client]
        return loop.time() - started

    def release(self) -> None:
        """Sends every held response now and holds no more (the server is stopping)."""
        self.released = True
        for waiter in list(self.waiting):
            if not waiter.done():
                waiter.set_result(None)


class ClientTurns:
    """One question at a time per client address, the others waiting their turn in order.

    A burst from one address (30 connections at once) is then answered one by one, interleaved
    with everyone else's questions, instead of taking the whole server for its length. Waiting
    costs no CPU; at most ``per_client`` wait per address and ``total`` in all, each at most
    ``timeout_s``: past that the question is refused.
    """

    def __init__(
        self, *, per_client: int = MAX_HELD_PER_CLIENT, total: int = MAX_HELD, timeout_s: float = TURN_WAIT_S
    ):
        self.per_client = per_client
        self.total = total
        self.timeout_s = timeout_s
        self.busy: set[str] = set()
        self.waiting: dict[str, deque[asyncio.Future[None]]] = {}

    async def enter(self, client: str) -> bool:
        """Waits for the client's turn: True once it has it, False when refused."""
        if client not in self.busy:
            self.busy.add(client)
            return True
        queue = self.waiting.setdefault(client, deque())
        if len(queue) >= self.per_client or sum(map(len, self.waiting.values())) >= self.total:
            return False
        turn = asyncio.get_running_loop().create_future()
        queue.append(turn)
        try:
            await asyncio.wait_for(turn, self.timeout_s)  # ``leave`` hands the turn over
            return True
        except TimeoutError:
            return False
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.leave(client)  # handed the turn just as it was cancelled: pass it on
            raise
        finally:
            if turn in queue:
                queue.remove(turn)
            if not queue:
                self.waiting.pop(client, None)

    def leave(self, client: str) -> None:
        """The client's question is done: the next one waiting takes the turn."""
        for turn in self.waiting.get(client, ()):
            if not turn.done():
                turn.set_result(None)
                return
        self.busy.discard(client)


class JobTurns:
    """A gradio job keeps its address's turn until the job's stream is read to its end.

    ``POST /gradio_api/call/NAME`` answers at once with an event id and Gradio runs the job later:
    releasing the turn then would let one address fill Gradio's queue ahead of everyone else. The
    turn passes on when ``GET /gradio_api/call/NAME/ID`` ends, or after ``timeout_s`` for a client
    that never reads it. Each address holds one turn at a time, so this holds at most one job each.
    """

    def __init__(self, turns: ClientTurns, *, timeout_s: float = JOB_TURN_S):
        self.turns = turns
        self.timeout_s = timeout_s
        self.jobs: dict[str, tuple[str, asyncio.TimerHandle]] = {}  # event id -> (client, timeout)

    def hold(self, event_id: str, client: str) -> None:
        """The client's turn stays taken by this job."""
        timer = asyncio.get_running_loop().call_later(self.timeout_s, self.done, event_id)
        self.jobs[event_id] = (client, timer)

    def done(self, event_id: str) -> None:
        """The job's stream ended (or it timed out): the client's next question takes the turn."""
        if (job := self.jobs.pop(event_id, None)) is not None:
            client, timer = job
            timer.cancel()
            self.turns.leave(client)

    async def stream(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """``GET .../ID``: the job's stream, then its turn is handed on."""
        event_id = scope["path"].rstrip("/").rpartition("/")[2]
        try:
            await app(scope, receive, send)
        finally:
            self.done(event_id)


def job_stream(scope: Scope) -> bool:
    """``GET /gradio_api/call/NAME/ID``: the stream of a job queued through Gradio's HTTP API."""
    path = scope["path"]
    return (
        scope["method"] == "GET"
        and _GRADIO_CALL in path
        and path.split(_GRADIO_CALL)[1].strip("/").count("/") >= 1
    )


class RateLimit:
    """ASGI middleware: a 429 JSON with ``Retry-After`` once a client address has used its questions.

    Outermost, so a refused request costs no origin check, body read or Gradio work; the 429 is
    held back by the ``tarpit`` first.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        buckets: TokenBuckets,
        limit: str,
        tarpit: Tarpit,
        turns: ClientTurns | None = None,
    ):
        self.app = app
        self.buckets = buckets
        self.limit = limit
        self.tarpit = tarpit
        self.turns = turns or ClientTurns()
        self.jobs = JobTurns(self.turns)
        # Clients refused since their last accepted question: logged once per streak, so an
        # abuser firing thousands of requests writes one line, not thousands.
        self.refusing: set[str] = set()
        self.refusing_turns: set[str] = set()  # the same for questions refused a turn

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and job_stream(scope):
            await self.jobs.stream(self.app, scope, receive, send)
            return
        if scope["type"] != "http" or not is_question(scope):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown",))[0]
        wait = self.buckets.take(client)
        if wait:
            if client not in self.refusing and len(self.refusing) < MAX_TRACKED_CLIENTS:
                self.refusing.add(client)
                log.warning("rate limit: %s refused (the limit is %s)", client, self.limit)
            seconds = max(1, math.ceil(wait - await self.tarpit.hold(client, wait)))
            message = f"too many questions from your address (the limit is {self.limit})"
            await self.refuse(scope, receive, send, message, seconds)
            return
        self.refusing.discard(client)
        if not await self.turns.enter(client):
            # Logged like a rate refusal: otherwise only the refused page or client knows of it.
            if client not in self.refusing_turns and len(self.refusing_turns) < MAX_TRACKED_CLIENTS:
                self.refusing_turns.add(client)
                log.warning("rate limit: %s refused a turn (too many questions at once)", client)
            message = "too many questions at once from your address; wait for your answers"
            await self.refuse(scope, receive, send, message, 1)
            return
        self.refusing_turns.discard(client)
        event_id = None
        try:
            if _GRADIO_CALL in scope["path"]:
                event_id = await self.queue_job(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        finally:
            if event_id:
                self.jobs.hold(event_id, client)
            else:
                self.turns.leave(client)

    async def queue_job(self, scope: Scope, receive: Receive, send: Send) -> str | None:
        """``POST /gradio_api/call/NAME`` passed on; returns the queued job's event id, if one was."""
        status, body = 0, bytearray()

        async def send_reading(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status == 200 and len(body) < 1_000:
                body.extend(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, send_reading)
        try:
            event_id = json.loads(body)["event_id"] if status == 200 else None
        except (ValueError, KeyError, TypeError):
            return None
        return event_id if isinstance(event_id, str) else None

    async def refuse(self, scope: Scope, receive: Receive, send: Send, message: str, seconds: int) -> None:
        message = f"{message}; try again in {seconds} s"
        response = JSONResponse(
            {"error": message, "detail": message}, status_code=429, headers={"Retry-After": str(seconds)}
        )
        response.raw_headers += _SECURITY_HEADERS
        await response(scope, receive, send)


def error(message: str, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


class _Refused(Exception):
    """Raised from ``receive`` to stop the app reading a body; ``RequestLimits`` answers instead."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class RequestLimits:
    """ASGI middleware: every request body is capped and timed as it arrives, uploads are closed.

    The limit is checked on ``Content-Length`` first and then counted chunk by chunk, so a chunked
    body with no length stops at the limit instead of being read whole. A client that goes away
    mid-body gets one log line, not a traceback.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int = MAX_REQUEST_BYTES, timeout_s: float = BODY_TIMEOUT_S
    ):
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    def too_large(self) -> str:
        return f"the request body is over the limit of {self.max_bytes:,} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].rstrip("/").endswith(_CLOSED_ROUTES):
            await error("uploads are off: this chat takes text questions only", 403)(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            status, message = (413, self.too_large()) if length.isdigit() else (400, "bad Content-Length")
            await error(message, status)(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        received, body_done, disconnected, started = 0, False, False, False
        refused: _Refused | None = None

        async def limited_receive() -> Message:
            nonlocal received, body_done, disconnected, refused
            if body_done:
                return await receive()  # after the body: only waits for a disconnect
            try:
                message = await asyncio.wait_for(receive(), deadline - asyncio.get_running_loop().time())
            except TimeoutError:
                refused = _Refused(408, f"the request body took over {self.timeout_s:.0f} s to arrive")
                raise refused from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = _Refused(413, self.too_large())
                    raise refused
                body_done = not message.get("more_body", False)
            elif message["type"] == "http.disconnect":
                body_done = disconnected = True
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused is not None:
                return  # the app's own error page for our exception: ours goes out instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:  # ours from receive, or the app's reaction to a body that ended early
            if refused is None and not disconnected:
                raise
        if disconnected and refused is None:
            log.warning(
                "%s %s: the client went away before sending its whole request", scope["method"], scope["path"]
            )
        elif refused is not None and not started:
            await error(str(refused), refused.status)(scope, receive, send)


def create_server(
    service: Any, settings: Settings, *, library: Library | None = None, stream_delay: float | None = None
) -> FastAPI:
    """The FastAPI app with both Gradio pages mounted and the plain-HTTP API (never started here).

    ``library`` offers every indexed reading (``"article"`` in ``POST /api/ask``, ``/?article=NAME``
    on the page). Without one, ``service`` is the only reading.
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before Gradio is first imported
    import gradio as gr

    from ui.app import DEFAULT_STREAM_DELAY, ChatDesk, build_app, page_assets
    from ui.instructor import InstructorAccess, InstructorGate, build_instructor

    store = FeedbackStore(settings.database)
    library = library or Library.of({getattr(service, "reading", None) or DEFAULT_READING: service})
    service = library.follow()  # the page and its API follow the default reading's current build
    desk = ChatDesk(service, store, reading=library.default)
    desks: dict[str, ChatDesk] = {library.default: desk}
    access = InstructorAccess(settings, store)
    app = FastAPI(title="article-chat", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(InstructorGate, access=access, store=store)  # innermost: after the checks below
    app.add_middleware(
        CORSMiddleware,  # also tells Gradio not to add its own, looser CORS headers
        allow_origins=list(settings.allowed_origins),
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    app.add_middleware(RequestLimits)
    app.add_middleware(OriginGuard, allowed=settings.allowed_origins, hosts=trusted_hosts(settings))
    app.state.tarpit = Tarpit(settings.rate_limit_hold)
    if (rate := parse_rate(settings.rate_limit)) is not None:  # outermost: refusing costs least
        limit = settings.rate_limit
        buckets = TokenBuckets(*rate, burst=settings.rate_limit_burst)
        app.add_middleware(RateLimit, buckets=buckets, limit=limit, tarpit=app.state.tarpit)

    @app.post("/api/ask")
    async def api_ask(request: Request) -> Response:
        """``{"question", "history"}`` -> the answer JSON; errors are ``{"error"}`` with 4xx."""
        too_large = f"the request body is over the limit of {MAX_BODY_BYTES:,} bytes; shorten the history"
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            return error(too_large, 413)
        body = bytearray()
        try:
            async for chunk in request.stream():  # stop at the limit, never read a huge body whole
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    return error(too_large, 413)
        except ClientDisconnect:
            log.warning("POST /api/ask: the client went away before sending its whole request")
            return Response(status_code=400)
        try:
            # Off the event loop: a large body takes milliseconds to parse, and every client would wait.
            data = await run_in_threadpool(parse_json, bytes(body))
        except InputError as exc:
            return error(f'the body is {exc}; it must be JSON like {{"question": "...", "history": []}}', 400)
        if not isinstance(data, dict) or "question" not in data:
            return error('the body must be a JSON object with a "question" (and optional "history")', 400)
        name = data.get("article") or library.default
        if not isinstance(name, str):
            return error('"article" must be the name of a reading (GET /api/readings lists them)', 400)
        try:
            await run_in_threadpool(library.service, name)  # opens it on first use; unknown: 404
            reading = desks.setdefault(name, ChatDesk(library.follow(name), store, reading=name))
            result, _ = await run_in_threadpool(
                reading.ask, data["question"], data.get("history"), source="api"
            )
        except UnknownReading as exc:
            return error(str(exc), 404)
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
        current = await run_in_threadpool(library.service)  # notices a new build, as a question would
        article = current.article
        served = current.served() if hasattr(current, "served") else {}
        return {
            "ok": True,
            "article": article.source,
            "paragraphs": len(article.paragraphs),
            "answerer": getattr(current, "answerer_name", "extractive"),
            **served,  # reading, build, fingerprint, chunks: what is really being served
        }

    @app.get("/api/readings")
    async def readings() -> dict[str, Any]:
        return {"default": library.default, "readings": await run_in_threadpool(library.readings)}

    @app.get("/gradio.js", include_in_schema=False)
    async def gradio_js() -> FileResponse:
        """Gradio's web-component loader, served here so course pages need no CDN."""
        path = Path(gr.__file__).parent / "templates" / "frontend" / "gradio.js"
        return FileResponse(path, media_type="text/javascript")

    @app.get("/instructor", include_in_schema=False)
    async def instructor_slash() -> RedirectResponse:
        return RedirectResponse("instructor/")  # relative: still right behind a path prefix

    def build_reading(name: str, path: Path) -> str:
        from ui.runtime import index_reading

        return index_reading(settings, name, path, like=library.service())

    # Before the instructor page's mount, which would take the path; behind InstructorGate.
    add_reading_routes(
        app, folder=settings.home / "readings", max_bytes=settings.max_article_bytes, build=build_reading
    )
    delay = DEFAULT_STREAM_DELAY if stream_delay is None else stream_delay
    chat = build_app(service, settings, desk=desk, library=library, stream_delay=delay)
    mount = dict(footer_links=["api"], run_history=False, ssr_mode=False, **page_assets())
    # Questions are grouped by meaning with the embedding the article was indexed with (looked up
    # when the page is first shown).
    instructor = build_instructor(
        store, access, embed=lambda texts: service.index.embeddings.embed_documents(texts)
    )
    gr.mount_gradio_app(app, instructor, path="/instructor", **mount)
    gr.mount_gradio_app(app, chat, path="/", **mount)
    return app


def serve(service: Any, settings: Settings, *, library: Library | None = None) -> None:
    """Run the server until interrupted (the one place that starts uvicorn)."""
    import uvicorn
    from uvicorn.main import STARTUP_FAILURE

    app = create_server(service, settings, library=library)  # a database that is down stops here

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            app.state.tarpit.release()  # held 429s go out now: they must not hold up the exit
            await super().shutdown(sockets)

    print(f"article-chat: serving on http://{settings.host}:{settings.port}/", flush=True)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        root_path=settings.root_path,  # behind a proxy that strips the prefix
    )
    server = Server(config)
    # Everything built so far (model, index, Gradio) lives as long as the server: moved out of the
    # collector's reach, a full collection no longer walks ~300,000 objects (~0.2 s idle, up to a
    # second under load) and stalls every client at once.
    gc.collect()
    gc.freeze()
    server.run()
    if not server.started:  # e.g. the port is taken: uvicorn has said why; exit as uvicorn.run does
        raise SystemExit(STARTUP_FAILURE)
