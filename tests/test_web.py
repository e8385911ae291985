"""The HTTP server: feeds with ETag/304, the route table, and hostile requests."""

from __future__ import annotations

import http.client
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from monitor.config import AtomNotifierConfig, HttpConfig, load_config
from monitor.delivery.atom import AtomNotifier
from monitor.errors import ConfigError
from monitor.models import Alert, Document
from monitor.web import Request, Response, WebServer, feeds_folder, parse_bind


def _alert(title: str, n: int = 0) -> Alert:
    doc = Document(id=f"d{n}", source="seeds", title=title, body="")
    return Alert(
        id=Alert.make_id("defence-china", doc.content_hash),
        rule="defence-china",
        rule_title="Defence cooperation with China",
        document=doc,
        created=datetime(2026, 11, 28, 1, 0, n, tzinfo=UTC),
    )


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[WebServer, AtomNotifier, Path]]:
    feeds = tmp_path / "feeds"
    atom = AtomNotifier(AtomNotifierConfig(type="atom", name="atom", path=feeds))
    async with atom, WebServer(HttpConfig(enabled=True, bind="127.0.0.1:0"), feeds=feeds) as server:
        await atom.send(_alert("Азербайджан & <Китай>"))
        yield server, atom, tmp_path


def _get(
    server: WebServer, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    host, port = server.address
    conn = http.client.HTTPConnection(host, port, timeout=5)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


async def test_serves_rule_and_combined_feeds(served: tuple[WebServer, AtomNotifier, Path]) -> None:
    server, _, _ = served
    for path in ("/feeds/defence-china.atom", "/feeds/all.atom"):
        status, headers, body = _get(server, path)
        assert status == 200
        assert headers["Content-Type"] == "application/atom+xml; charset=utf-8"
        parsed = feedparser.parse(body)
        assert not parsed.bozo and parsed.entries[0].title == "Азербайджан & <Китай>"


async def test_etag_and_304_until_the_feed_changes(
    served: tuple[WebServer, AtomNotifier, Path],
) -> None:
    server, atom, _ = served
    status, headers, _ = _get(server, "/feeds/all.atom")
    etag = headers["ETag"]
    status, headers2, body = _get(server, "/feeds/all.atom", headers={"If-None-Match": etag})
    assert status == 304 and body == b"" and headers2["ETag"] == etag
    status, _, _ = _get(
        server, "/feeds/all.atom", headers={"If-Modified-Since": headers["Last-Modified"]}
    )
    assert status == 304
    await atom.send(_alert("A new one", n=1))
    status, headers3, body = _get(server, "/feeds/all.atom", headers={"If-None-Match": etag})
    assert status == 200 and headers3["ETag"] != etag and b"A new one" in body


async def test_head_has_headers_and_no_body(served: tuple[WebServer, AtomNotifier, Path]) -> None:
    server, _, _ = served
    status, headers, body = _get(server, "/feeds/all.atom", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 100


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/../state.db",
        "/feeds/%2e%2e/state.db",
        "/feeds/..%2fstate.db",
        "/feeds/%2e%2e%2fsecret.atom",
        "/feeds/sub/x.atom",
        "/feeds/.hidden.atom",
        "/feeds/nope.atom",
        "/feeds/",
        "/feeds/all.atom%00",
        "/feeds/%ff.atom",
        "/",
        "/etc/passwd",
        "//etc/passwd",
        "/feeds/" + "a" * 3000 + ".atom",
    ],
)
async def test_no_path_traversal_and_4xx_for_bad_paths(
    served: tuple[WebServer, AtomNotifier, Path], path: str
) -> None:
    server, _, tmp_path = served
    (tmp_path / "state.db").write_text("secret")
    (tmp_path / "secret.atom").write_text("secret")
    status, _, body = _get(server, path)
    assert 400 <= status < 500 and b"secret" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
async def test_other_methods_are_refused(
    served: tuple[WebServer, AtomNotifier, Path], method: str
) -> None:
    server, _, _ = served
    status, headers, _ = _get(server, "/feeds/all.atom", method=method)
    assert status == 405 and headers["Allow"] == "GET, HEAD"


async def test_garbage_request_gets_400(served: tuple[WebServer, AtomNotifier, Path]) -> None:
    server, _, _ = served
    with socket.create_connection(server.address, timeout=5) as sock:
        sock.sendall(b"GET /feeds/all.atom HTTP/1.1 junk\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.0 400")  # with a status line
    with socket.create_connection(server.address, timeout=5) as sock:
        many = b"".join(b"X-%d: y\r\n" % i for i in range(150))
        sock.sendall(b"GET /feeds/all.atom HTTP/1.1\r\n" + many + b"\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.0 431")
    assert _get(server, "/feeds/all.atom")[0] == 200  # still serving


async def test_route_table_for_other_endpoints(tmp_path: Path) -> None:
    calls: list[Request] = []

    def healthz(request: Request) -> Response:
        calls.append(request)
        return Response.json(200, {"status": "ok"})

    def broken(request: Request) -> Response:
        raise RuntimeError("bug")

    async with WebServer(HttpConfig(bind="127.0.0.1:0")) as server:
        server.route("/healthz", healthz)
        server.route("/broken", broken)
        status, _, body = _get(server, "/healthz?verbose=1")
        assert status == 200 and body == b'{"status": "ok"}\n'
        assert calls[0].query == "verbose=1" and calls[0].method == "GET"
        assert _get(server, "/broken")[0] == 500
        assert _get(server, "/feeds/all.atom")[0] == 404  # no feeds folder given


def test_bind_parsing() -> None:
    assert parse_bind("127.0.0.1:8080") == ("127.0.0.1", 8080)
    assert parse_bind("[::1]:9000") == ("::1", 9000)
    for bad in ("8080", "host:", "a:b", "1.2.3.4:70000"):
        with pytest.raises(ConfigError, match=r"http\.bind"):
            parse_bind(bad)


async def test_port_in_use_is_a_clear_error() -> None:
    async with WebServer(HttpConfig(bind="127.0.0.1:0")) as first:
        host, port = first.address
        with pytest.raises(ConfigError, match="cannot listen"):
            async with WebServer(HttpConfig(bind=f"{host}:{port}")):
                pass


def test_feeds_folder_is_the_atom_notifiers_path(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        "notifiers:\n  - {name: atom, type: atom, path: out/feeds/}\n", encoding="utf-8"
    )
    config = load_config(tmp_path / "config.yaml")
    assert feeds_folder(config) == tmp_path / "out" / "feeds"


async def test_symlinks_in_the_feeds_folder_are_not_followed(
    served: tuple[WebServer, AtomNotifier, Path],
) -> None:
    server, _, tmp_path = served
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "feeds" / "link.atom").symlink_to(tmp_path / "secret.txt")
    (tmp_path / "feeds" / "dir.atom").mkdir()
    for path in ("/feeds/link.atom", "/feeds/dir.atom"):
        status, _, body = _get(server, path)
        assert status == 404 and b"secret" not in body
