"""A real HTTP server on 127.0.0.1 for feed tests: routes with validators, redirects,
scripted failures, gzip, slow and oversize answers. It records every request."""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import brotli
import pytest

from tests.servers import QuietHTTPServer


class MemoryState:
    """A feed source's state store kept in memory (what the daemon keeps in SQLite)."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}

    def get_state(self, key: str) -> dict[str, Any]:
        return dict(self.data.get(key, {}))

    def set_state(self, key: str, state: dict[str, Any]) -> None:
        self.data[key] = dict(state)


@dataclass
class Route:
    """What one path answers. `script` statuses are answered first, one per request."""

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
class FeedServer:
    port: int
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    inflight: int = 0
    max_inflight: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        with self.lock:
            return sum(1 for p, _ in self.requests if p == path)

    def last_headers(self, path: str) -> dict[str, str]:
        with self.lock:
            return [h for p, h in self.requests if p == path][-1]


class _Handler(BaseHTTPRequestHandler):
    server_version = "feedtest"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        feeds: FeedServer = self.server.feeds  # type: ignore[attr-defined]
        headers = {k.lower(): v for k, v in self.headers.items()}
        with feeds.lock:
            feeds.requests.append((self.path, headers))
            route = feeds.routes.get(self.path)
            scripted = route.script.pop(0) if route and route.script else None
        if route is None:
            return self._send(404, {}, b"not found")
        if scripted is not None:
            return self._send(scripted[0], scripted[1], b"scripted answer")
        if route.delay:
            with feeds.lock:
                feeds.inflight += 1
                feeds.max_inflight = max(feeds.max_inflight, feeds.inflight)
            time.sleep(route.delay)
            with feeds.lock:
                feeds.inflight -= 1
        out = dict(route.headers)
        if route.etag:
            out["ETag"] = route.etag
        if route.last_modified:
            out["Last-Modified"] = route.last_modified
        if (route.etag and headers.get("if-none-match") == route.etag) or (
            route.last_modified and headers.get("if-modified-since") == route.last_modified
        ):
            return self._send(304, out, b"")
        body = route.body
        if route.gzip:
            body = gzip.compress(body)
            out["Content-Encoding"] = "gzip"
        elif route.encoding == "deflate":
            body = zlib.compress(body)
            out["Content-Encoding"] = "deflate"
        elif route.encoding == "br":
            body = brotli.compress(body)
            out["Content-Encoding"] = "br"
        return self._send(route.status, out, body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A threaded HTTP server on a free port of 127.0.0.1."""
    httpd = QuietHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    feeds = FeedServer(port=httpd.server_address[1])
    httpd.feeds = feeds  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield feeds
    finally:
        httpd.shutdown()
        httpd.server_close()


def rss(entries: list[dict[str, str]], *, title: str = "Test feed", encoding: str = "utf-8",
        declared: str | None = None) -> bytes:
    """An RSS 2.0 document; each entry dict may have guid, link, title, description, pubDate."""
    items = []
    for e in entries:
        parts = [f"<{k}>{v}</{k}>" for k, v in e.items()]
        items.append("<item>" + "".join(parts) + "</item>")
    xml = (f'<?xml version="1.0" encoding="{declared or encoding}"?>\n'
           f"<rss version=\"2.0\"><channel><title>{title}</title><link>http://example.org/</link>"
           f"<description>d</description>{''.join(items)}</channel></rss>")
    return xml.encode(encoding)
