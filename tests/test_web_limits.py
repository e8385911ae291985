"""The HTTP server's answers to methods and versions it does not speak (4xx, never 5xx),
and its cap on open connections (slow clients cannot take a thread each)."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator
from contextlib import ExitStack

import pytest

from monitor.config import HttpConfig
from monitor.web import MAX_CONNECTIONS, Response, WebServer


@pytest.fixture
async def server() -> AsyncIterator[WebServer]:
    async with WebServer(HttpConfig(enabled=True, bind="127.0.0.1:0")) as web:
        web.route("/healthz", lambda request: Response.json(200, {"ok": True}))
        yield web


def _raw(server: WebServer, request: bytes) -> bytes:
    with socket.create_connection(server.address, timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "BREW", "PROPFIND"])
async def test_unknown_methods_get_405_with_allow(server: WebServer, method: str) -> None:
    answer = _raw(server, f"{method} /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                  .encode())
    assert answer.split(b" ", 2)[1] == b"405", answer[:200]
    assert b"Allow: GET, HEAD" in answer


@pytest.mark.parametrize("version", ["HTTP/2.0", "HTTP/3.0", "HTTP/9.9"])
async def test_unknown_http_versions_get_400(server: WebServer, version: str) -> None:
    answer = _raw(server, f"GET /healthz {version}\r\nHost: x\r\n\r\n".encode())
    assert answer.split(b" ", 2)[1] == b"400", answer[:200]


async def test_connections_are_capped_and_the_server_keeps_serving(server: WebServer) -> None:
    before = threading.active_count()
    with ExitStack() as stack:
        idle = []  # clients that connect and say nothing, each would hold a thread
        for _ in range(MAX_CONNECTIONS + 40):
            sock = stack.enter_context(socket.create_connection(server.address, timeout=10))
            idle.append(sock)
        # one more: answered at once with 503, not left waiting for a thread
        answer = _raw(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert answer.split(b" ", 2)[1] == b"503", answer[:200]
        assert b"Retry-After" in answer
        assert threading.active_count() - before <= MAX_CONNECTIONS
    # the idle clients have gone: served again
    for _ in range(100):
        answer = _raw(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        if answer.startswith(b"HTTP/1.0 200"):
            break
    assert answer.startswith(b"HTTP/1.0 200"), answer[:200]
