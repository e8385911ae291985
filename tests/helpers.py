"""What tests share: one configurable HTTP server, one way to wait for a condition (in a
thread, `wait_for`, or in the event loop a daemon runs in, `until`) and one way to run the
command line in a process of its own (`run_cli`, `start_cli`)."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import brotli
import httpx

# ---------------------------------------------------------------- waiting


def wait_for(predicate: Callable[[], object], timeout: float, step: float = 0.1, *,
             ignore: tuple[type[Exception], ...] = ()) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds have passed (blocking); an
    exception of the `ignore` kinds (e.g. OSError while a server starts) counts as false."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(*ignore):
            if predicate():
                return True
        time.sleep(step)
    with contextlib.suppress(*ignore):
        return bool(predicate())
    return False


async def until(predicate: Callable[[], object], timeout: float, step: float = 0.1) -> bool:
    """`wait_for` without blocking the event loop (a daemon running in this process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(step)
    return bool(predicate())


# ---------------------------------------------------------------- the command line


def cli_args(command: str, config: Path | None, *args: str) -> list[str]:
    """`python -m monitor COMMAND [--config CONFIG] ARGS` for this interpreter."""
    found = ["--config", str(config)] if config is not None else []
    return [sys.executable, "-m", "monitor", command, *found, *args]


def run_cli(command: str, config: Path | None, *args: str, cwd: Path | None = None,
            env: dict[str, str] | None = None, timeout: float = 120
            ) -> subprocess.CompletedProcess[str]:
    """Run a monitor command to completion in its own process; output captured as text."""
    return subprocess.run(
        cli_args(command, config, *args), cwd=cwd or (config.parent if config else None),
        capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )


def start_cli(command: str, config: Path, *args: str, log: Path | None = None,
              env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start a monitor command (e.g. `run`) in the config's folder, output to `log`
    (`daemon.log` beside the config by default)."""
    out = (log or config.parent / "daemon.log").open("ab")
    return subprocess.Popen(
        cli_args(command, config, *args), cwd=config.parent, stdout=out,
        stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


# ---------------------------------------------------------------- HTTP


@dataclass
class Route:
    """What a GET of one path answers. `script` answers come first, one per request."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None  # answer 304 to a matching If-None-Match
    last_modified: str | None = None  # answer 304 to an equal If-Modified-Since
    delay: float = 0.0  # seconds before the body is sent
    gzip: bool = False
    encoding: str | None = None  # "deflate" or "br": compress the body that way
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)


@dataclass
class Request:
    """One request the server received (headers looked up in any case)."""

    method: str
    path: str
    headers: httpx.Headers
    body: bytes


class QuietHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server that says nothing when a client hangs up mid-answer (tests
    of size caps and time-outs do that on purpose); other errors are still printed."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class HttpTestServer:
    """A real HTTP server on 127.0.0.1 for every test that needs one.

    GET answers from `routes` (a Route, or a plain (status, headers, body) tuple); 404
    otherwise. POST answers from `answers` (status, headers, delay), the last repeating,
    or `status` when set (e.g. 500 while an outage lasts); accepted POSTs (< 300) are kept
    in `posts`. Every request is in `requests`. `port=0` picks a free port; a fixed port
    lets a test take the server down and bring it back (`down()`, `up()`).
    """

    def __init__(self, port: int = 0, *, hook_path: str = "/hook") -> None:
        self.port = port
        self.hook_path = hook_path
        self.routes: dict[str, Route | tuple[int, dict[str, str], bytes]] = {}
        self.answers: list[tuple[int, dict[str, str], float]] = [(200, {}, 0.0)]
        self.status: int | None = None
        self.post_status: Callable[[], int] | None = None  # asked at each POST when set
        self.requests: list[Request] = []
        self.posts: list[Request] = []
        self.lock = threading.Lock()
        self.inflight = 0
        self.max_inflight = 0
        self._httpd: QuietHTTPServer | None = None

    # -------- lifecycle

    def up(self) -> HttpTestServer:
        """Start serving (on the same port after a `down()`)."""
        self._httpd = QuietHTTPServer(("127.0.0.1", self.port), _handler(self))
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def down(self) -> None:
        """Stop serving; connections are then refused."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    start, stop = up, down

    # -------- addresses and what was received

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """Where webhooks are POSTed."""
        return self.base + self.hook_path

    def url_of(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        with self.lock:
            return sum(1 for r in self.requests if r.path == path)

    def last_headers(self, path: str) -> httpx.Headers:
        with self.lock:
            return [r.headers for r in self.requests if r.path == path][-1]

    def post_json(self) -> list[Any]:
        """The accepted POSTs' JSON bodies."""
        return [json.loads(r.body) for r in self.posts]

    def titles(self) -> list[str]:
        """The document titles of the alerts POSTed to it (webhook payloads)."""
        return [p["document"]["title"] for p in self.post_json()]

    # -------- answers

    def _route(self, path: str) -> tuple[Route | None, tuple[int, dict[str, str]] | None]:
        with self.lock:
            route = self.routes.get(path)
            if isinstance(route, tuple):
                route = Route(status=route[0], headers=route[1], body=route[2])
            scripted = route.script.pop(0) if route and route.script else None
        return route, scripted

    def _post_answer(self) -> tuple[int, dict[str, str], float]:
        with self.lock:
            if self.post_status is not None:
                return self.post_status(), {}, 0.0
            if self.status is not None:
                return self.status, {}, 0.0
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def _slowly(self, delay: float) -> None:
        with self.lock:
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
        time.sleep(delay)
        with self.lock:
            self.inflight -= 1


def _encoded(route: Route, headers: dict[str, str]) -> bytes:
    body = route.body
    if route.gzip:
        headers["Content-Encoding"] = "gzip"
        return gzip.compress(body)
    if route.encoding == "deflate":
        headers["Content-Encoding"] = "deflate"
        return zlib.compress(body)
    if route.encoding == "br":
        headers["Content-Encoding"] = "br"
        return bytes(brotli.compress(body))
    return body


def _handler(server: HttpTestServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "monitor-test"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _record(self, body: bytes = b"") -> Request:
            request = Request(self.command, self.path, httpx.Headers(dict(self.headers)), body)
            with server.lock:
                server.requests.append(request)
            return request

        def do_GET(self) -> None:
            self._record()
            route, scripted = server._route(self.path)
            if route is None:
                return self._send(404, {}, b"not found")
            if scripted is not None:
                return self._send(scripted[0], scripted[1], b"scripted answer")
            if route.delay:
                server._slowly(route.delay)
            out = dict(route.headers)
            if route.etag:
                out["ETag"] = route.etag
            if route.last_modified:
                out["Last-Modified"] = route.last_modified
            if (route.etag and self.headers.get("if-none-match") == route.etag) or (
                route.last_modified
                and self.headers.get("if-modified-since") == route.last_modified
            ):
                return self._send(304, out, b"")
            return self._send(route.status, out, _encoded(route, out))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            if len(body) < length:  # the sender died mid-request (as a real server, drop it)
                self.close_connection = True
                return
            request = self._record(body)
            status, headers, delay = server._post_answer()
            if status < 300:
                with server.lock:
                    server.posts.append(request)
            time.sleep(delay)
            self._send(status, headers, b"ok")

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # gave up
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

    return Handler


@contextlib.contextmanager
def http_server(port: int = 0, **kw: Any) -> Iterator[HttpTestServer]:
    """An `HttpTestServer`, up for the `with` block."""
    server = HttpTestServer(port, **kw).up()
    try:
        yield server
    finally:
        server.down()
