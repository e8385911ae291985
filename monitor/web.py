"""The optional HTTP server (`http: {enabled: true}` in config.yaml).

It serves the Atom feeds at `/feeds/<rule>.atom` and `/feeds/all.atom`, with ETag and
Last-Modified so feed readers poll cheaply (304 Not Modified). Other endpoints are added
to the route table: `WebServer.route("/healthz", handler)`; a handler takes a `Request`
and returns a `Response`, and runs in the server's worker thread (keep it quick and
thread-safe: read a snapshot, do not touch the event loop).

Built on the standard library's threading HTTP server, bound to `http.bind`
(127.0.0.1:8080 by default: put a reverse proxy in front to publish it). Only GET and
HEAD are answered (any other method gets 405, an HTTP version other than 1.x 400); at most
MAX_CONNECTIONS connections are served at once (more get 503 at once); file names are
matched against a strict pattern, so no request can reach outside the feeds folder.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import socket
import stat
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from monitor import metrics
from monitor.config import AtomNotifierConfig, Config, HttpConfig
from monitor.errors import ConfigError

log = logging.getLogger(__name__)

FEED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,150}\.atom$")
ATOM_TYPE = "application/atom+xml; charset=utf-8"
MAX_URL = 2048
MAX_CONNECTIONS = 64  # open connections served at once; more are answered 503 at once
BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
        b"Connection: close\r\n\r\n")


@dataclass(frozen=True, kw_only=True)
class Request:
    """What a handler sees: the method, the decoded path, the query string, the headers."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class Response:
    """What a handler returns. `body` is not sent for HEAD or 304."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def text(status: int, message: str) -> Response:
        return Response(
            status=status,
            body=message.encode() + b"\n",
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )

    @staticmethod
    def json(status: int, data: Any) -> Response:
        return Response(
            status=status,
            body=json.dumps(data, default=str).encode() + b"\n",
            headers={"Content-Type": "application/json"},
        )


Handler = Callable[[Request], Response]


def parse_bind(bind: str) -> tuple[str, int]:
    """`host:port` or `[v6]:port` -> (host, port); ConfigError when malformed."""
    m = re.match(r"^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$", bind) or re.match(
        r"^([^:\s]+):(\d{1,5})$", bind
    )
    if not m or int(m.group(2)) > 65535:
        raise ConfigError(f"http.bind: {bind!r} is not host:port (e.g. 127.0.0.1:8080)")
    return m.group(1), int(m.group(2))


def feeds_folder(config: Config) -> Path | None:
    """The folder of the first Atom notifier, which /feeds/ serves (None without one)."""
    for n in config.notifiers:
        if isinstance(n, AtomNotifierConfig):
            return n.path
    return None


def etag_of(st: os.stat_result) -> str:
    # Files are replaced by rename, so inode + mtime + size change with every write.
    key = f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}".encode()
    return '"' + hashlib.sha256(key).hexdigest()[:24] + '"'


def not_modified(headers: Mapping[str, str], etag: str, mtime: float) -> bool:
    """Whether a conditional GET may be answered 304 (If-None-Match wins over the date)."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag in tags
    ims = headers.get("If-Modified-Since")
    if ims:
        try:
            return int(mtime) <= parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def serve_feed(folder: Path, request: Request) -> Response:
    """Answer `/feeds/<name>.atom` from `folder` (404 for anything else)."""
    name = request.path.removeprefix("/feeds/")
    if not FEED_NAME.match(name) or ".." in name:
        return Response.text(404, "no such feed")
    try:
        # O_NOFOLLOW: a symlink planted in the folder cannot expose another file
        fd = os.open(folder / name, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                return Response.text(404, "no such feed")
            etag = etag_of(st)
            headers = {
                "ETag": etag,
                "Last-Modified": formatdate(st.st_mtime, usegmt=True),
                "Cache-Control": "no-cache",
                "Content-Type": ATOM_TYPE,
            }
            if not_modified(request.headers, etag, st.st_mtime):
                return Response(status=304, headers=headers)
            return Response(status=200, body=f.read(), headers=headers)
    except OSError:  # missing, a directory, a symlink (ELOOP), unreadable
        return Response.text(404, "no such feed")


def add_health_routes(server: WebServer, health: Callable[[], tuple[int, Any]]) -> None:
    """Add `/healthz` (`health()` -> (200 or 503, a JSON body with the reason)) and
    `/metrics` (the process's Prometheus registry in the text format)."""
    server.route("/healthz", lambda request: Response.json(*health()))
    server.route("/metrics", _serve_metrics)


def _serve_metrics(request: Request) -> Response:
    body, content_type = metrics.exposition()
    return Response(body=body, headers={"Content-Type": content_type})


class WebServer:
    """The HTTP server as an async context manager; `address` is where it listens."""

    def __init__(self, config: HttpConfig, *, feeds: Path | None = None) -> None:
        self.host, self.port = parse_bind(config.bind)
        self.routes: dict[str, Handler] = {}  # exact paths
        self.prefixes: dict[str, Handler] = {}  # path prefixes ending in "/"
        if feeds is not None:
            self.route("/feeds/", lambda request: serve_feed(feeds, request))
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def route(self, path: str, handler: Handler) -> None:
        """Answer `path` (or, when it ends in "/", every path under it) with `handler`."""
        (self.prefixes if path.endswith("/") else self.routes)[path] = handler

    def resolve(self, path: str) -> Handler | None:
        if path in self.routes:
            return self.routes[path]
        for prefix, handler in self.prefixes.items():
            if path.startswith(prefix):
                return handler
        return None

    @property
    def address(self) -> tuple[str, int]:
        assert self._httpd is not None, "the server is not started"
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    async def __aenter__(self) -> WebServer:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        server_class = type("_Server", (_Server,), {"address_family": family})
        try:
            self._httpd = server_class((self.host, self.port), _handler_class(self))
        except OSError as exc:
            raise ConfigError(
                f"http.bind: cannot listen on {self.host}:{self.port}: {exc.strerror or exc}"
            ) from exc
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.1,), name="monitor-http", daemon=True
        )
        self._thread.start()
        log.info("serving HTTP on %s:%d", *self.address)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._httpd is not None:
            await asyncio.to_thread(self._httpd.shutdown)
            self._httpd.server_close()
            self._httpd = None


class _Server(ThreadingHTTPServer):
    """One thread per connection, at most MAX_CONNECTIONS at once: a connection over the
    cap is answered 503 by the accepting thread and closed, so slow or idle clients cannot
    take a thread each."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(0.5)
                request.sendall(BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up or sends garbage is not our error; keep stderr quiet.
        log.debug("HTTP connection from %s failed", client_address, exc_info=True)


def _handler_class(server: WebServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(_RequestHandler):
        web = server

    return _Handler


class _RequestHandler(BaseHTTPRequestHandler):
    web: WebServer
    timeout = 15  # seconds a client may take to send its request

    def version_string(self) -> str:
        return "monitor"

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _not_allowed(self) -> None:
        self._send(
            Response.text(405, "only GET and HEAD are supported"),
            head=False,
            extra={"Allow": "GET, HEAD"},
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code == HTTPStatus.NOT_IMPLEMENTED:  # a method without do_*: TRACE, CONNECT, …
            self.close_connection = True
            self._not_allowed()
            return
        if code == HTTPStatus.HTTP_VERSION_NOT_SUPPORTED:  # HTTP/2.0 and up, as text
            code, message = HTTPStatus.BAD_REQUEST, "unsupported HTTP version"
        if len(getattr(self, "requestline", "").split()) >= 3:
            self.request_version = "HTTP/1.0"  # a bad version: answer with a status line
        super().send_error(code, message, explain)

    def _answer(self, *, head: bool) -> None:
        if len(self.path) > MAX_URL:
            self._send(Response.text(414, "URL too long"), head=head)
            return
        parts = urlsplit(self.path)
        path = unquote(parts.path, errors="strict") if _decodable(parts.path) else None
        handler = self.web.resolve(path) if path and "\x00" not in path else None
        if path is None or handler is None:
            self._send(Response.text(404, "not found"), head=head)
            return
        request = Request(
            method=self.command,
            path=path,
            query=parts.query,
            headers={k: v for k, v in self.headers.items()},
        )
        try:
            response = handler(request)
        except Exception:  # a handler bug is a 500, never a dead server
            log.exception("HTTP handler for %s failed", path)
            response = Response.text(500, "internal error")
        self._send(response, head=head)

    def _send(self, response: Response, *, head: bool, extra: dict[str, str] | None = None) -> None:
        self.send_response(response.status)
        headers = {"X-Content-Type-Options": "nosniff", **response.headers, **(extra or {})}
        for key, value in headers.items():
            self.send_header(key, value)
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if not head and response.status != 304:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def _decodable(path: str) -> bool:
    try:
        unquote(path, errors="strict")
    except UnicodeDecodeError:
        return False
    return True


__all__ = ["Handler", "Request", "Response", "WebServer", "add_health_routes", "feeds_folder"]
