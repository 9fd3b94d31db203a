"""A class on one server, with one abusive client: does everyone else still get answers in time?

Usage: python benchmarks/load.py [--levels 20 50] [--seconds 30] [--out PATH] [--smoke]
       [--rate-limit 30/minute] [--rate-limit-hold 2]

Starts `article-chat serve` from this checkout (rate limit as shipped unless ``--rate-limit``),
asks every question once on each API to warm it up (unmeasured),
then for each level runs N well-behaved students, each from its own loopback address
(127.0.0.10, .11, ...: the server sees N clients, as it would behind distinct addresses), asking
one question every ``--interval`` seconds, half over `POST /api/ask` and half over the gradio API
(`/gradio_api/call/ask`). Each level runs twice: alone, then beside one abuser on 127.0.0.2 with
``--abuser-threads`` connections firing back to back: questions on both APIs, oversized bodies and
deep JSON. Reported per run: the students' answers, rejections and errors, p50/p95, the abuser's
status counts and request rate, and the server's peak RSS.

What runs where: the server, the students (threads of this process) and the abuser (threads of a
second process) are three processes, so the abuser's threads never take the students' GIL. Where
the machine has the cores, each is pinned to its own (the server to all but two); on two cores the
server gets one and both load generators share the other; the report prints the placement. The
placement is the same with and without the abuser.

An error is a request that got no clear answer: a connection failure, a 5xx other than a 503
"busy" with a JSON message, or a reply that is not JSON. A 429 or 503 with a JSON message is a
clear rejection (counted, not an error).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import processes  # noqa: E402

ROOT = processes.ROOT
QUESTIONS = [
    "What did Powell say?",
    "What is the author's main argument?",
    "Why does the author mention Lebanon?",
    "Who is Sistani?",
    "What does the author want the U.S. to do?",
    "What are the counterarguments?",
    "What happened in Falluja?",
    "What did Rumsfeld say about the troops?",
]
FULL: dict[str, Any] = {"levels": [20, 50], "seconds": 30.0, "interval": 2.5, "abuser_threads": 30}
SMOKE: dict[str, Any] = {"levels": [3], "seconds": 6.0, "interval": 2.0, "abuser_threads": 4}  # 30/minute
STUDENT_BASE = 10  # students ask from 127.0.0.10 upwards; the abuser from 127.0.0.2
ABUSER = "127.0.0.2"
TIMEOUT_S = 60
RSS_BOUND_MB = 500.0  # the server's peak RSS must stay under this (README)


class Tally:
    """Outcomes and latencies of one group of clients, shared between their threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.outcomes: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.answers: list[tuple[float, str, float]] = []  # (ms, API, seconds into the run)
        self.began = time.monotonic()

    def add(self, outcome: str, ms: float | None = None, api: str = "") -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            if ms is not None:
                self.latencies.append(ms)
                self.answers.append((ms, api, time.monotonic() - self.began - ms / 1000))

    def report(self) -> dict[str, Any]:
        errors = sum(n for outcome, n in self.outcomes.items() if outcome.startswith("error"))
        return {
            "outcomes": dict(sorted(self.outcomes.items())),
            "answers": self.outcomes["200"],
            "errors": errors,
            "p50_ms": round(processes.percentile(self.latencies, 50), 1),
            "p95_ms": round(processes.percentile(self.latencies, 95), 1),
            # The answers that decide the p95 (the slowest 5%): which API, when in the run.
            "slowest": [
                f"{ms:.0f} ms {api} at {at:.1f} s"
                for ms, api, at in sorted(self.answers, reverse=True)[: max(1, len(self.answers) // 20)]
            ],
        }


def outcome(status: int, body: bytes) -> str:
    """200, a clear rejection ("413", "429", "503" ... with a JSON message) or "error: ..."."""
    try:
        json.loads(body or b"null")
        is_json = True
    except ValueError:
        is_json = False
    if status == 200 and is_json:
        return "200"
    if 400 <= status < 500 or status == 503:
        return str(status) if is_json else f"error: {status} without a JSON message"
    return f"error: {status}"


def post(port: int, source: str, path: str, body: bytes) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S, source_address=(source, 0))
    try:
        connection.request("POST", path, body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def api_ask(port: int, source: str, question: str) -> tuple[int, bytes]:
    return post(port, source, "/api/ask", json.dumps({"question": question, "history": []}).encode())


def gradio_ask(port: int, source: str, question: str) -> tuple[int, bytes]:
    """Gradio's two-step HTTP API: join the queue, then read the event stream to its end."""
    status, body = post(port, source, "/gradio_api/call/ask", json.dumps({"data": [question, []]}).encode())
    if status != 200:
        return status, body
    event_id = json.loads(body)["event_id"]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S, source_address=(source, 0))
    try:
        connection.request("GET", f"/gradio_api/call/ask/{event_id}")
        response = connection.getresponse()
        stream = response.read().decode("utf-8", "replace")
    finally:
        connection.close()
    # The last event is "complete" with the answer, or "error" with gradio's message.
    events = [
        line.removeprefix("event: ").strip() for line in stream.splitlines() if line.startswith("event:")
    ]
    last = events[-1] if events else "nothing"
    if last == "complete":
        return 200, b"{}"
    if last == "error" and any(busy in stream.lower() for busy in ("queue is full", "too many")):
        return 503, b'{"error": "busy"}'  # gradio's own clear rejection, inside the stream
    return 500, f"gradio stream ended with {last!r}".encode()


def timed(call: Callable[[], tuple[int, bytes]], tally: Tally) -> None:
    started = time.perf_counter()
    try:
        status, body = call()
    except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
        tally.add(f"error: {type(exc).__name__}")
        return
    result = outcome(status, body)
    api = getattr(call, "api", "")
    tally.add(result, (time.perf_counter() - started) * 1000 if result == "200" else None, api)


class Asking:
    """One student question, named by its API for the trace of slow answers."""

    def __init__(
        self, ask: Callable[[int, str, str], tuple[int, bytes]], port: int, source: str, question: str
    ):
        self.ask, self.port, self.source, self.question = ask, port, source, question
        self.api = "gradio" if ask is gradio_ask else "api"

    def __call__(self) -> tuple[int, bytes]:
        return self.ask(self.port, self.source, self.question)


def student(port: int, number: int, stop: float, interval: float, tally: Tally) -> None:
    """Asks one question every ``interval`` seconds until ``stop``, alternating the two APIs."""
    source = f"127.0.0.{STUDENT_BASE + number}"
    asks = (api_ask, gradio_ask)
    turn = 0
    time.sleep(interval * number / 50)  # students don't all press enter in the same millisecond
    while time.monotonic() < stop:
        began = time.monotonic()
        question = QUESTIONS[(number + turn) % len(QUESTIONS)]
        ask = asks[(number + turn) % 2]
        timed(Asking(ask, port, source, question), tally)
        turn += 1
        time.sleep(max(0.0, interval - (time.monotonic() - began)))


def abuser(port: int, thread: int, stop: float, tally: Tally) -> None:
    """Back to back, no pause: questions on both APIs, a 1 MB body, JSON nested 100,000 deep."""
    attacks: list[Callable[[], tuple[int, bytes]]] = [
        lambda: api_ask(port, ABUSER, QUESTIONS[thread % len(QUESTIONS)]),
        lambda: gradio_ask(port, ABUSER, QUESTIONS[thread % len(QUESTIONS)]),
        lambda: post(port, ABUSER, "/api/ask", b'{"question": "' + b"a" * 1_000_000 + b'"}'),
        lambda: post(port, ABUSER, "/api/ask", b"[" * 100_000 + b"]" * 100_000),
    ]
    turn = thread
    while time.monotonic() < stop:
        timed(attacks[turn % len(attacks)], tally)
        turn += 1


def warm_up(port: int) -> None:
    """Every question once on each API, unmeasured: the first run is then not the one paying for
    the server's first answers (lazy loads, thread pools), which made "alone" look slow."""
    for number, question in enumerate(QUESTIONS):
        for ask in (api_ask, gradio_ask):
            ask(port, f"127.0.1.{number + 1}", question)  # addresses of their own: no student's limit


def placement(cpus: list[int]) -> dict[str, list[int]]:
    """The cores for the server, the students and the abuser (see the module docstring)."""
    if len(cpus) >= 3:
        return {"server": cpus[:-2], "students": [cpus[-2]], "abuser": [cpus[-1]]}
    if len(cpus) == 2:
        return {"server": cpus[:1], "students": cpus[1:], "abuser": cpus[1:]}
    return {"server": cpus, "students": cpus, "abuser": cpus}


def pinned(cpus: list[int]) -> Callable[[], None]:
    """A ``preexec_fn``: the child and every thread it starts run on ``cpus``."""
    return lambda: os.sched_setaffinity(0, cpus)


def run_abuser(port: int, threads: int, start: float, stop: float) -> None:
    """The abuser's own process (``--abuse``): waits for ``start`` (epoch s), prints its tally as JSON."""
    time.sleep(max(0.0, start - time.time()))
    tally = Tally()
    until = time.monotonic() + (stop - time.time())
    workers = [threading.Thread(target=abuser, args=(port, t, until, tally)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps(tally.report()), flush=True)


def start_abuser(
    port: int, threads: int, start: float, stop: float, cpus: list[int]
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, "--abuse", str(port), str(threads), str(start), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=pinned(cpus),
    )


def run_level(
    port: int,
    pid: int,
    clients: int,
    settings: dict[str, Any],
    places: dict[str, list[int]],
    *,
    with_abuser: bool,
) -> dict[str, Any]:
    students = Tally()
    start = time.time() + 1.0  # the abuser's process is up and waiting by then
    stop = start + settings["seconds"]
    abuse = (
        start_abuser(port, settings["abuser_threads"], start, stop, places["abuser"]) if with_abuser else None
    )
    threads = [
        threading.Thread(
            target=student,
            args=(port, n, time.monotonic() + stop - time.time(), settings["interval"], students),
        )
        for n in range(clients)
    ]
    peak = [processes.rss_mb(pid)]
    time.sleep(max(0.0, start - time.time()))
    students.began = time.monotonic()
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        peak.append(processes.rss_mb(pid))
        time.sleep(0.25)
    report: dict[str, Any] = {"clients": clients, "abuser": with_abuser, "students": students.report()}
    if abuse is not None:
        out, _ = abuse.communicate(timeout=TIMEOUT_S + 30)
        report["abuser_requests"] = json.loads(out.strip().splitlines()[-1])
        report["abuser_requests"]["per_s"] = round(
            sum(report["abuser_requests"]["outcomes"].values()) / settings["seconds"], 1
        )
    report["rss_peak_mb"] = max(peak)
    return report


def serve(home: Path, extra: dict[str, str], cpus: list[int]) -> tuple[subprocess.Popen[bytes], int, float]:
    """`article-chat index`, then `serve` on a free port, pinned to ``cpus``: (process, port, start s)."""
    processes.cli(["index"], home=home)
    port = processes.free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=processes.env_for(home, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=pinned(cpus),
    )
    return process, port, processes.wait_ready(process, port, started)


def table(report: dict[str, Any]) -> str:
    lines = [
        "| clients | abuser | answers | rejected | errors | p50 / p95 ms"
        " | abuser: answered / rejected / errors (requests/s) | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in report["runs"]:
        s = run["students"]
        rejected = sum(n for o, n in s["outcomes"].items() if o not in ("200",) and not o.startswith("error"))
        a = run.get("abuser_requests")
        abuse = "-"
        if a:
            a_rejected = sum(n for o, n in a["outcomes"].items() if o != "200" and not o.startswith("error"))
            abuse = f"{a['answers']} / {a_rejected} / {a['errors']} ({a['per_s']}/s)"
        lines.append(
            f"| {run['clients']} | {'yes' if run['abuser'] else 'no'} | {s['answers']} | {rejected} | "
            f"{s['errors']} | {s['p50_ms']} / {s['p95_ms']} | {abuse} | {run['rss_peak_mb']} |"
        )
    return "\n".join(lines)


def verdict(report: dict[str, Any], rss_bound_mb: float) -> dict[str, bool]:
    """The issue's bar: no errors, students' p95 beside the abuser at most 2x alone, RSS under the bound."""
    runs = report["runs"]
    return {
        "no_errors": all(
            r["students"]["errors"] == 0 and r.get("abuser_requests", {}).get("errors", 0) == 0 for r in runs
        ),
        "p95_at_most_2x": all(ratio <= 2.0 for ratio in report["p95_with_over_without"].values()),
        f"rss_under_{rss_bound_mb:g}_mb": all(r["rss_peak_mb"] < rss_bound_mb for r in runs),
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--abuse"]:  # the abuser's own process, started by run_level
        target, threads, start, stop = argv[1:5]
        run_abuser(int(target), int(threads), float(start), float(stop))
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--levels", type=int, nargs="+", help="numbers of well-behaved students")
    parser.add_argument("--seconds", type=float, help="length of each run")
    parser.add_argument("--rate-limit", help="ARTICLE_CHAT_RATE_LIMIT for the server (default: as shipped)")
    parser.add_argument("--rate-limit-hold", help="ARTICLE_CHAT_RATE_LIMIT_HOLD (default: as shipped)")
    parser.add_argument("--rss-bound", type=float, default=RSS_BOUND_MB, help="server RSS bound, MB")
    parser.add_argument("--home", type=Path, help="data dir to reuse (default: a fresh temp dir)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "load.json")
    parser.add_argument("--smoke", action="store_true", help="tiny settings: checks that it runs")
    args = parser.parse_args(argv)
    settings = dict(SMOKE if args.smoke else FULL)
    if args.levels:
        settings["levels"] = args.levels
    if args.seconds:
        settings["seconds"] = args.seconds
    extra = {"ARTICLE_CHAT_RATE_LIMIT": args.rate_limit, "ARTICLE_CHAT_RATE_LIMIT_HOLD": args.rate_limit_hold}
    server_env = {k: v for k, v in extra.items() if v}
    places = placement(sorted(os.sched_getaffinity(0)))
    report: dict[str, Any] = {
        "machine": processes.machine(),
        "settings": {**settings, **server_env},
        "placement": places,
        "runs": [],
    }
    print(f"machine: {report['machine']}")
    print(f"placement (cores): {places}")
    with tempfile.TemporaryDirectory(prefix="article-chat-load-") as scratch:
        process, port, ready = serve(args.home or Path(scratch), server_env, places["server"])
        os.sched_setaffinity(0, places["students"])  # after the server started: it keeps its own
        try:
            report["ready_s"] = round(ready, 2)
            warm_up(port)
            for clients in settings["levels"]:
                for with_abuser in (False, True):
                    run = run_level(port, process.pid, clients, settings, places, with_abuser=with_abuser)
                    report["runs"].append(run)
                    print(json.dumps(run), flush=True)
            report["rss_after_mb"] = processes.rss_mb(process.pid)
        finally:
            processes.stop(process)
    alone = {r["clients"]: r["students"]["p95_ms"] for r in report["runs"] if not r["abuser"]}
    report["p95_with_over_without"] = {
        str(r["clients"]): round(r["students"]["p95_ms"] / alone[r["clients"]], 2)
        for r in report["runs"]
        if r["abuser"] and alone.get(r["clients"])
    }
    report["bar"] = verdict(report, args.rss_bound)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print()
    print(table(report))
    print(f"p95 with the abuser / without: {report['p95_with_over_without']}")
    print(f"the issue's bar: {report['bar']}")
    print(f"\nreport: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
