"""A scripted OpenAI-compatible chat server on 127.0.0.1, for driving the real langchain-openai client.

Each request to ``/v1/chat/completions`` takes the next step of the script: a reply (sent as SSE
chunks when the client asks to stream), an HTTP status, a delay, or a garbage body. When the
script runs out, ``Script.default`` answers (HTTP 500 unless set).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Step:
    reply: str | Callable[[dict[str, Any]], str] = ""  # a function writes the reply from the request
    status: int = 200
    delay: float = 0.0  # seconds before the first byte
    garbage: bytes | None = None  # sent as the whole body instead of JSON


@dataclass
class Script:
    steps: deque[Step] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    default: Step = field(default_factory=lambda: Step(status=500))

    def then(self, *steps: Step | str) -> Script:
        self.steps.extend(Step(reply=s) if isinstance(s, str) else s for s in steps)
        return self


class StubServer:
    """``with StubServer() as stub: stub.script.then("answer [1]."); stub.url``"""

    def __init__(self) -> None:
        self.script = Script()
        script = self.script

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                script.requests.append(body)
                step = script.steps.popleft() if script.steps else script.default
                time.sleep(step.delay)
                reply = step.reply(body) if callable(step.reply) else step.reply
                if step.status != 200:
                    self._send(step.status, json.dumps({"error": {"message": "scripted failure"}}).encode())
                elif step.garbage is not None:
                    self._send(200, step.garbage)
                elif body.get("stream"):
                    self._stream(reply, body.get("model", "stub"))
                else:
                    self._send(200, json.dumps(_completion(reply, body.get("model", "stub"))).encode())

            def _send(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, reply: str, model: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for piece in re.findall(r"\S+\s*|\s+", reply):
                    self.wfile.write(f"data: {json.dumps(_chunk(piece, model))}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(f"data: {json.dumps(_chunk('', model, done=True))}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()


def _completion(text: str, model: str) -> dict[str, Any]:
    return {
        "id": "stub",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(text: str, model: str, *, done: bool = False) -> dict[str, Any]:
    delta = {} if done else {"role": "assistant", "content": text}
    return {
        "id": "stub",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": "stop" if done else None}],
    }
