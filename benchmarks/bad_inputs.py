"""Every bad input we know of, sent to a real server on 127.0.0.1 and to the CLI: what the user sees.

Starts `article-chat serve` on a free loopback port with a fresh data dir (the packaged article),
sends each input, runs the CLI cases, stops the server with SIGTERM while a browser-like event
stream is open, and writes the table to docs/bad_inputs.md. Network: 127.0.0.1 only.

Usage: python benchmarks/bad_inputs.py [--out docs/bad_inputs.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ui.server import BODY_TIMEOUT_S, MAX_BODY_BYTES, MAX_REQUEST_BYTES  # noqa: E402

ENV = {
    **os.environ,
    "HF_HUB_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "PYTHONPATH": str(ROOT),
}
CLI = [sys.executable, "-m", "ui.cli"]
POWELL = {"question": "What did Powell say?", "history": []}
Row = tuple[str, str, str, str]  # entry point, input, status, what the user sees


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seen(response: httpx.Response) -> str:
    """The message a client gets: the JSON error, or a summary of a good answer."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:120]
    if isinstance(body, dict) and "error" in body:
        return str(body["error"])
    if isinstance(body, dict) and "answer" in body:
        return f'answered (question read as "{body["question"]}")'
    return json.dumps(body)[:120]


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:220]


def http_cases(url: str) -> Iterator[Row]:
    def post(label: str, body: bytes | Iterator[bytes], path: str = "api/ask", **kw: Any) -> Row:
        headers = {"content-type": "application/json", **kw.pop("headers", {})}
        r = httpx.post(url + path, content=body, headers=headers, timeout=60, **kw)
        return f"POST /{path}", label, str(r.status_code), seen(r)

    deep = b"[" * 100_000 + b"]" * 100_000
    yield post("empty question", b'{"question": ""}')
    yield post("whitespace only", b'{"question": "  \\n\\t "}')
    yield post("2,001-character question", json.dumps({"question": "x" * 2001}).encode())
    yield post("control character U+0007", b'{"question": "hi\\u0007"}')
    yield post('lone surrogate "\\ud800" in the question', b'{"question": "What did \\ud800 say?"}')
    yield post("noncharacter U+FFFF in the question", b'{"question": "Powell\\uffff"}')
    yield post('zero-width space: "Pow\\u200bell"', b'{"question": "What did Pow\\u200bell say?"}')
    yield post(
        "lone surrogates in history",
        b'{"question": "Why?", "history": [{"role": "user", "content": "\\udfff"}]}',
    )
    yield post("not JSON", b"not json")
    yield post("invalid UTF-8 body", b'{"question": "caf\xe9?"}')
    yield post("a JSON array", b"[1, 2]")
    yield post('no "question"', b'{"history": []}')
    yield post("question is a number", b'{"question": 42}')
    yield post("history is a string", b'{"question": "hi", "history": "oops"}')
    yield post("role is a list", b'{"question": "hi", "history": [{"role": ["user"], "content": "x"}]}')
    yield post("role is an object", b'{"question": "hi", "history": [{"role": {"a": 1}, "content": "x"}]}')
    yield post('role "robot"', b'{"question": "hi", "history": [{"role": "robot", "content": "x"}]}')
    yield post("array nested 100,000 deep", b'{"question": "hi", "history": ' + deep + b"}")
    yield post("5,000-digit number", b'{"question": ' + b"9" * 5000 + b"}")
    yield post("NaN", b'{"question": NaN}')
    yield post(f"body of {MAX_BODY_BYTES + 1:,} bytes", b" " * (MAX_BODY_BYTES + 1))

    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_REQUEST_BYTES // 65_536 + 2):
            yield b" " * 65_536

    yield post("chunked body past 2 MB, no Content-Length", chunks())
    yield post("chunked body past 2 MB, no Content-Length", chunks(), path="gradio_api/queue/join")
    yield raw_request(
        url, "POST /api/ask", "declares Content-Length 500,000,000, sends nothing", 500_000_000, 0
    )
    r = httpx.get(url + "api/ask", timeout=30)
    yield "GET /api/ask", "wrong method", str(r.status_code), seen(r)
    netloc = url.split("//", 1)[1].rstrip("/")
    yield post(
        "Origin: https://evil.example",
        json.dumps(POWELL).encode(),
        headers={"Origin": "https://evil.example"},
    )
    yield post(
        f"Origin: https://{netloc} (server is http)",
        json.dumps(POWELL).encode(),
        headers={"Origin": f"https://{netloc}"},
    )
    port = netloc.rsplit(":", 1)[1]
    rebound = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}
    r = httpx.get(url + "instructor/", headers=rebound, timeout=30)
    yield "GET /instructor/", "DNS rebinding: Host and Origin evil.example", str(r.status_code), seen(r)
    files = {"files": ("notes.txt", b"x" * 20_000_000, "text/plain")}
    r = httpx.post(url + "gradio_api/upload", files=files, timeout=60)
    yield "POST /gradio_api/upload", "20 MB anonymous upload", str(r.status_code), seen(r)
    yield gradio_ask(url, "lone surrogate in the question", b'{"data": ["What did \\ud800 say?", []]}')
    yield gradio_ask(url, "role is a list", b'{"data": ["Why?", [{"role": ["user"], "content": "x"}]]}')
    yield gradio_ask(url, "array nested 100,000 deep", b'{"data": ["Why?", ' + deep + b"]}")
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.4"), timeout=30) as student:
        statuses = [student.post(url + "api/ask", json={"question": ""}).status_code for _ in range(31)]
        r = student.post(url + "api/ask", json=POWELL)
    yield (
        "POST /api/ask",
        "32 requests at once from one address",
        f"{statuses.count(400)}× 400, then {r.status_code}",
        f"{seen(r)} (Retry-After: {r.headers.get('retry-after')})",
    )
    yield raw_request(url, "POST /api/ask", "body stalls (10 of 100 bytes sent)", 100, 10)


def gradio_ask(url: str, label: str, body: bytes) -> Row:
    """Gradio's HTTP API in two steps; what the caller sees is the event stream's error."""
    started = httpx.post(
        url + "gradio_api/call/ask", content=body, headers={"content-type": "application/json"}
    )
    if started.status_code != 200:
        return "gradio /ask", label, str(started.status_code), seen(started)
    stream = httpx.get(f"{url}gradio_api/call/ask/{started.json()['event_id']}", timeout=60).text
    event = next((line for line in stream.splitlines() if line.startswith("event:")), "")
    data = next((line[5:].strip() for line in stream.splitlines() if line.startswith("data:")), "")
    return "gradio /ask", label, event.removeprefix("event: "), data


def raw_request(url: str, where: str, label: str, length: int, send: int) -> Row:
    """A request whose declared length and real body differ, over a plain socket."""
    host, port = url.split("//", 1)[1].rstrip("/").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=BODY_TIMEOUT_S + 15) as s:
        head = f"POST /api/ask HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        s.sendall(f"{head}Content-Length: {length}\r\n\r\n".encode() + b" " * send)
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = s.recv(65_536)
            if not chunk:
                break
            reply += chunk
    status = reply.split(b" ", 2)[1].decode() if reply else "closed"
    body = reply.partition(b"\r\n\r\n")[2]
    try:
        message = json.loads(body)["error"]
    except (ValueError, KeyError):
        message = body.decode(errors="replace")[:120]
    return where, label, status, f"{message} (after {time.monotonic() - started:.1f} s)"


def cli_cases(home: Path, scratch: Path) -> Iterator[Row]:
    def run(label: str, args: list[str | bytes], stdin: bytes | None = None) -> Row:
        result = subprocess.run(
            [*CLI, "--home", str(home), *args], input=stdin, capture_output=True, env=ENV, timeout=300
        )
        err = result.stderr.decode(errors="replace").strip()
        out = result.stdout.decode(errors="replace").strip()
        shown = err.splitlines()[-1] if err else out.splitlines()[0] if out else ""
        if "Traceback" in err:
            shown = "TRACEBACK: " + shown
        return "CLI", label, f"exit {result.returncode}", shown

    yield run("ask ''", ["ask", ""])
    yield run("ask with invalid UTF-8 bytes (b'\\xff')", ["ask", b"What did \xff say?"])
    yield run("ask 'Pow\\u200bell' (zero-width space)", ["ask", "--json", "What did Pow\u200bell say?"])
    yield run("ask with a control character", ["ask", "hi\x07"])
    fifo = scratch / "fifo.md"
    os.mkfifo(fifo)
    huge = scratch / "huge.md"
    with huge.open("wb") as f:
        f.truncate(50_000_000_000)
    binary = scratch / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    for label, path in [
        ("index on a FIFO", fifo),
        ("index on a directory", scratch),
        ("index on /dev/zero", Path("/dev/zero")),
        ("index on a 50 GB (sparse) file", huge),
        ("index on a binary file", binary),
        ("index on a missing file", scratch / "missing.md"),
    ]:
        yield run(label, ["index", str(path)])
    good = json.dumps({"messages": [{"role": "user", "content": "What did Powell say?"}]}).encode()
    bad = [
        b"\xff\xfe",
        b"{not json",
        b'{"messages": [{"role": "user", "content": "\\ud800"}]}',
        b'{"messages": [{"role": ["user"], "content": "x"}, {"role": "user", "content": "Why?"}]}',
        b'{"messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"messages": ' + b"9" * 5000 + b"}",
        b"[1, 2]",
        b'{"messages": []}',
    ]
    lines = [line for b in bad for line in (good, b)]
    result = subprocess.run(
        [*CLI, "--home", str(home), "ask", "--jsonl"],
        input=b"\n".join(lines) + b"\n",
        capture_output=True,
        env=ENV,
        timeout=300,
    )
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    errors = [o["error"] for o in outputs if "error" in o]
    answered = sum("answer" in o for o in outputs)
    yield (
        "CLI",
        f"ask --jsonl: {len(lines)} lines, every other one bad",
        f"exit {result.returncode}",
        f"{answered} answered, {len(errors)} error objects, e.g. {errors[0]!r}, {errors[4]!r}",
    )


def sigterm_case(server: subprocess.Popen[bytes], url: str) -> Row:
    """SIGTERM while a client holds an event stream open, as a browser tab does."""
    with httpx.stream("GET", url + "gradio_api/heartbeat/bad-inputs", timeout=30):  # held open
        begun = time.monotonic()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
            outcome = f"stopped after {time.monotonic() - begun:.1f} s (exit {server.returncode})"
        except subprocess.TimeoutExpired:
            outcome = "still running after 30 s"
    return "server", "SIGTERM with a browser-like event stream open", outcome, ""


def start_server(home: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    port, log = free_port(), home / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*CLI, "--home", str(home), "serve", "--port", str(port)],
            env=ENV,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url + "api/health", timeout=2).status_code == 200:
                return process, url, log
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"the server did not start:\n{log.read_text()[-3000:]}")


def errors_logged(log: str) -> list[str]:
    """The last line of each traceback in the server log: the exception that escaped."""
    found = []
    for block in log.split("Traceback (most recent call last):")[1:]:
        last = [line for line in block.splitlines() if line and not line.startswith((" ", "\t"))]
        found.append(last[0] if last else "?")
    return found


def write_table(rows: list[Row], out: Path, tracebacks: list[str], started: float) -> None:
    lines = [
        "# Bad inputs and what the user sees",
        "",
        f"Generated by `python benchmarks/bad_inputs.py` on {time.strftime('%Y-%m-%d')} "
        f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}), "
        f"in {time.monotonic() - started:.0f} s: a real `article-chat serve` on 127.0.0.1 "
        "with the default settings and the packaged article, and the CLI.",
        "",
        "| # | where | input | status | what the user sees |",
        "|---|---|---|---|---|",
        *(
            f"| {n} | {cell(w)} | {cell(i)} | {cell(s)} | {cell(m)} |"
            for n, (w, i, s, m) in enumerate(rows, 1)
        ),
        "",
        f"Tracebacks in the server log after all of the above: {len(tracebacks)}"
        + "".join(f"\n- `{cell(t)}`" for t in tracebacks),
        "",
    ]
    out.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "bad_inputs.md")
    args = parser.parse_args()
    begun = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="article-chat-bad-") as tmp:
        home, scratch = Path(tmp) / "home", Path(tmp) / "scratch"
        scratch.mkdir()
        home.mkdir()
        process, url, log = start_server(home)
        rows: list[Row] = []
        try:
            for row in http_cases(url):
                print(" | ".join(row)[:200], flush=True)
                rows.append(row)
            rows.append(sigterm_case(process, url))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=15)
        tracebacks = errors_logged(log.read_text(errors="replace"))
        for row in cli_cases(home, scratch):
            print(" | ".join(row)[:200], flush=True)
            rows.append(row)
    write_table(rows, args.out, tracebacks, begun)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
