"""Whole-process measurements: the CLI in a fresh process, the server's start, memory and throughput."""

from __future__ import annotations

import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 300
TIME = "/usr/bin/time"


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "arch": platform.machine(),
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
        "date": time.strftime("%Y-%m-%d"),
    }


def percentile(values: Sequence[float], pct: int) -> float:
    values = list(values)
    if not values:
        return float("nan")  # every request failed: the report's "errors" says so
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLE_CHAT_")}
    env.update(
        ARTICLE_CHAT_HOME=str(home),
        HF_HUB_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def median_cli(args: Sequence[str], *, home: Path, runs: int) -> dict[str, Any]:
    results = [cli(args, home=home) for _ in range(runs)]
    return {
        "runs": runs,
        "seconds_median": round(statistics.median(r["seconds"] for r in results), 3),
        "peak_rss_mb_median": statistics.median(r["peak_rss_mb"] or 0.0 for r in results),
    }


def cli(args: Sequence[str], *, home: Path, **extra: str) -> dict[str, Any]:
    """Run ``article-chat ARGS`` from this checkout: wall seconds and that process's peak RSS.

    The peak comes from ``/usr/bin/time``: a child forked from this (large) process would report
    this process's memory as its own high-water mark.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        timer = [TIME, "-f", "%M", "-o", rss.name] if Path(TIME).exists() else []
        started = time.perf_counter()
        result = subprocess.run(
            [*timer, sys.executable, "-m", "ui.cli", *args],
            cwd=ROOT,
            env=env_for(home, **extra),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"article-chat {' '.join(args)} failed: {result.stderr.decode()[-2000:]}")
        kilobytes = rss.read().strip().splitlines()
    peak = round(int(kilobytes[-1]) / 1024, 1) if kilobytes and kilobytes[-1].isdigit() else None
    return {"seconds": round(seconds, 3), "peak_rss_mb": peak}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def ask(port: int, question: str) -> float:
    """One POST /api/ask; its latency in ms."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        body = json.dumps({"question": question, "history": []})
        connection.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"/api/ask answered {response.status}")
    finally:
        connection.close()
    return (time.perf_counter() - started) * 1000


def throughput(port: int, questions: Sequence[str], *, clients: int, per_client: int) -> dict[str, Any]:
    """``clients`` threads each asking ``per_client`` questions back to back."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(offset: int) -> None:
        for i in range(per_client):
            try:
                ms = ask(port, questions[(offset + i) % len(questions)])
            except (OSError, RuntimeError) as exc:
                with lock:
                    errors.append(str(exc))
                continue
            with lock:
                latencies.append(ms)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return {
        "clients": clients,
        "answers": len(latencies),
        "errors": len(errors),
        "answers_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
    }


def server(home: Path, questions: Sequence[str], *, levels: Sequence[int], per_client: int) -> dict[str, Any]:
    """Start ``article-chat serve`` (index built), time it to ready, then load it."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        # Capacity, not the per-client limit: every load client comes from 127.0.0.1.
        env=env_for(home, ARTICLE_CHAT_RATE_LIMIT="off"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ready = wait_ready(process, port, started)
        report: dict[str, Any] = {"ready_s": round(ready, 2), "rss_ready_mb": rss_mb(process.pid)}
        report["throughput"] = [throughput(port, questions, clients=n, per_client=per_client) for n in levels]
        report["answers_served"] = sum(t["answers"] for t in report["throughput"])
        report["rss_after_mb"] = rss_mb(process.pid)
        return report
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_ready(process: subprocess.Popen[bytes], port: int, started: float) -> float:
    while time.perf_counter() - started < READY_TIMEOUT_S:
        if process.poll() is not None:
            raise RuntimeError(f"article-chat serve exited {process.returncode} before it was ready")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"article-chat serve was not ready after {READY_TIMEOUT_S} s")
