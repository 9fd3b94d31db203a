"""Two replicas behind a real nginx, under a path: the chat at ``http://127.0.0.1:PORT/chat/``.

The replicas run with ``ARTICLE_CHAT_ROOT_PATH=/chat`` on one `chroma run` and one PostgreSQL;
nginx (Debian's, run as the current user with everything in a tmp dir) strips the prefix with the
very config the README's "Beyond one machine" shows. Through it: the API, the chat page in
Chromium (a cited answer, a highlighted passage), the instructor view, nginx's per-address limit,
and both replicas in nginx's access log.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import REPO, Server, free_port, sign_in, stop, two_replicas, wait_ready

pytestmark = pytest.mark.e2e

NGINX_START_TIMEOUT_S = 30
QUESTION = "What did Powell say?"  # asked in the browser
API_QUESTION = "Who is Colin Powell?"

# The README's config, word for word (test_the_readme_shows_this_config keeps them equal).
SITE = """\
# The page: a browser stays on one replica (its Gradio session and event stream live there).
upstream article_chat {{
    hash $remote_addr consistent;
    server {first};
    server {second};
}}
# POST /api/ask carries the whole conversation: any replica answers it.
upstream article_chat_api {{
    server {first};
    server {second};
}}
map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
# Questions (POSTs) per client address, over every replica; pages and assets (GETs) are not counted.
map $request_method $article_chat_limit {{ POST $binary_remote_addr; default ""; }}
limit_req_zone $article_chat_limit zone=article_chat:10m rate=1r/s;

server {{
    listen {listen};
    proxy_http_version 1.1;                        # keep-alive, websockets
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
    proxy_set_header Host $http_host;              # with the port: the app compares it with Origin
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $http_host;
    proxy_buffering off;                           # answers stream (server-sent events)
    proxy_read_timeout 300s;
    limit_req zone=article_chat burst=20 nodelay;
    limit_req_status 429;

    location /chat/ {{
        proxy_pass http://article_chat/;           # the trailing slash strips /chat
    }}
    location /chat/api/ {{
        proxy_pass http://article_chat_api/api/;
    }}
}}
"""

# What only the test needs: no root, every file in the tmp dir, the access log naming the replica.
MAIN = """\
{user}worker_processes 1;
error_log {tmp}/error.log;
events {{ worker_connections 256; }}
http {{
    log_format upstream '$request_method $uri $status $upstream_addr';
    access_log {tmp}/access.log upstream;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{site}}}
"""


@dataclass(frozen=True)
class Proxy:
    url: str  # "http://127.0.0.1:PORT/chat/"
    access_log: Path


@pytest.fixture(scope="module")
def nginx_bin() -> str:
    """Debian's nginx; skipped when missing, except in CI (``make proxy`` installs it)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found:
        return found
    message = "nginx is not installed (Debian: apt-get install nginx; `make proxy` does it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def nginx(command: str, tmp: Path, first: Server, second: Server) -> Iterator[Proxy]:
    """nginx in front of the two replicas on a free loopback port, run in the foreground; stopped on exit."""
    port = free_port()
    site = SITE.format(first=first.netloc, second=second.netloc, listen=f"127.0.0.1:{port}")
    # As root nginx would hand its workers to "nobody", who cannot write this tmp dir.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    config = tmp / "nginx.conf"
    config.write_text(MAIN.format(user=user, tmp=tmp, site=site), encoding="utf-8")
    log = tmp / "stderr.log"  # what nginx says before its error_log is open
    with log.open("wb") as out:
        process = subprocess.Popen(
            [command, "-p", str(tmp), "-c", str(config), "-g", f"daemon off; pid {tmp}/nginx.pid;"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}/chat/"
    try:
        wait_ready(url, process, log, what="nginx", timeout_s=NGINX_START_TIMEOUT_S)
        yield Proxy(url=url, access_log=tmp / "access.log")
    finally:
        stop(process)


@pytest.fixture(scope="module")
def proxy(
    nginx_bin: str,  # first: skipped before anything starts when nginx is missing
    tmp_path_factory: pytest.TempPathFactory,
    chroma_url: str,
    postgres_server: str,
) -> Iterator[Proxy]:
    env = {"ARTICLE_CHAT_ROOT_PATH": "/chat"}
    with (
        two_replicas(
            tmp_path_factory,
            chroma_url=chroma_url,
            postgres_server=postgres_server,
            database="proxied",
            env=env,
        ) as (first, second),
        nginx(nginx_bin, tmp_path_factory.mktemp("nginx"), first, second) as started,
    ):
        yield started


def upstreams(proxy: Proxy) -> dict[str, int]:
    """How many requests nginx passed to each replica (``$upstream_addr`` in the access log)."""
    counts: dict[str, int] = {}
    for line in proxy.access_log.read_text(encoding="utf-8").splitlines():
        addr = line.rsplit(" ", 1)[-1]
        if addr != "-":
            counts[addr] = counts.get(addr, 0) + 1
    return counts


def test_the_readme_shows_this_config() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert SITE.format(first="127.0.0.1:7861", second="127.0.0.1:7862", listen=80) in readme


def test_health_and_a_cited_answer_through_the_proxy(proxy: Proxy) -> None:
    health = httpx.get(proxy.url + "api/health", timeout=10)
    assert health.status_code == 200 and health.json()["ok"] is True
    for _ in range(4):  # round robin: both replicas answer
        answer = httpx.post(proxy.url + "api/ask", json={"question": API_QUESTION}, timeout=60)
        assert answer.status_code == 200, answer.text
        assert answer.json()["citations"], answer.json()
    assert len(upstreams(proxy)) == 2, upstreams(proxy)


def test_the_page_under_the_path_answers_and_highlights(proxy: Proxy, context: Any, ask: Any) -> None:
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(proxy.url, wait_until="load")
    answer = ask(page, QUESTION)
    answer.locator("a.ac-marker").first.click()
    mark = page.locator("#ac-article mark.ac-hl")
    mark.first.wait_for()
    quoted = answer.locator(".ac-text").inner_text()
    assert "".join(mark.all_inner_texts()) in quoted
    outside = [url for url in requests if url.startswith("http") and not url.startswith(proxy.url)]
    assert not outside, f"the page asked outside /chat/: {outside}"

    instructor = sign_in(context, proxy.url)
    assert QUESTION in (instructor.locator("#ac-questions-table").text_content() or "")


def test_the_proxy_turns_a_flood_away_before_the_app(proxy: Proxy) -> None:
    """Last here: it spends the address's burst (1 question a second refills it)."""
    with httpx.Client(timeout=10) as client:
        codes = [client.post(proxy.url + "api/ask", json={}).status_code for _ in range(30)]
    # 400: the app saw the empty question; 429: nginx answered alone, the burst of 20 spent.
    assert codes[0] == 400 and set(codes) == {400, 429} and codes.count(429) >= 5, codes
    refused = [line for line in proxy.access_log.read_text().splitlines() if " 429 " in line]
    assert refused and all(line.endswith(" -") for line in refused), refused  # no replica saw them
