"""A feed's configured headers (Authorization, Cookie, an API key) reach only the configured
origin: not on a redirect hop to another origin, not after a permanent move there."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config import FeedSourceConfig
from monitor.sources.feed import FeedSource
from monitor.sources.redirects import same_origin
from tests.helpers import http_server
from tests.sources.conftest import FeedServer, MemoryState, Route, rss

SECRETS = {"Authorization": "Bearer s3cret-token", "Cookie": "session=c00kie",
           "X-Api-Key": "k3y-value"}
ENTRIES = [{"guid": "urn:1", "title": "Defence talks", "description": "Baku and Beijing."}]


@pytest.fixture
def elsewhere() -> Iterator[FeedServer]:
    """A second feed server: another port of 127.0.0.1 is another origin."""
    with http_server() as server:
        yield server


def _feed(url: str, state: MemoryState) -> FeedSource:
    cfg = FeedSourceConfig.model_validate(
        {"type": "feed", "id": "f", "url": url, "interval": 60, "headers": SECRETS})
    return FeedSource(cfg, state)


def _leaked(server: FeedServer) -> list[str]:
    """Every configured header value that `server` received."""
    with server.lock:
        seen = [v for request in server.requests for v in request.headers.values()]
    return [s for s in SECRETS.values() if any(s in v for v in seen)]


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_headers_never_follow_a_redirect_to_another_origin(
    feed_server: FeedServer, elsewhere: FeedServer, status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    away = {"Location": elsewhere.url_of("/rss")}
    feed_server.routes["/rss"] = Route(status=status, headers=away)
    elsewhere.routes["/rss"] = Route(body=rss(ENTRIES))
    state = MemoryState()
    caplog.set_level(logging.WARNING)
    async with _feed(feed_server.url_of("/rss"), state) as src:
        assert len(await src.poll()) == 1
        await src.poll()
    assert elsewhere.hits("/rss") == 2
    assert _leaked(elsewhere) == []
    assert sorted(_leaked(feed_server)) == sorted(SECRETS.values())  # the configured origin
    saved = state.get_state("source:f")
    assert saved["url"] == feed_server.url_of("/rss")  # a move elsewhere is not taken silently
    assert feed_server.hits("/rss") == 2
    if status in (301, 308):
        assert saved["moved"] == elsewhere.url_of("/rss")
        assert "moved permanently to another origin" in caplog.text
        assert src.health()["moved"] == elsewhere.url_of("/rss")
    else:
        assert not saved.get("moved")


async def test_headers_follow_a_redirect_within_the_origin_and_back_to_it(
    feed_server: FeedServer, elsewhere: FeedServer
) -> None:
    feed_server.routes["/a"] = Route(status=302, headers={"Location": elsewhere.url_of("/b")})
    elsewhere.routes["/b"] = Route(status=302, headers={"Location": feed_server.url_of("/c")})
    feed_server.routes["/c"] = Route(status=301, headers={"Location": "/rss"})
    feed_server.routes["/rss"] = Route(body=rss(ENTRIES))
    async with _feed(feed_server.url_of("/a"), MemoryState()) as src:
        assert len(await src.poll()) == 1
    assert _leaked(elsewhere) == []
    assert feed_server.last_headers("/rss")["authorization"] == SECRETS["Authorization"]
    assert feed_server.last_headers("/rss")["x-api-key"] == SECRETS["X-Api-Key"]


async def test_a_move_stored_before_never_gets_the_headers(
    feed_server: FeedServer, elsewhere: FeedServer
) -> None:
    """A state file written before this rule may hold another origin's URL."""
    elsewhere.routes["/rss"] = Route(body=rss(ENTRIES))
    state = MemoryState()
    state.set_state("source:f", {"config_url": feed_server.url_of("/rss"),
                                 "url": elsewhere.url_of("/rss")})
    async with _feed(feed_server.url_of("/rss"), state) as src:
        assert len(await src.poll()) == 1
    assert _leaked(elsewhere) == []


def test_same_origin() -> None:
    assert same_origin("https://a.example/x", "https://a.example:443/y")
    assert same_origin("https://a.example/x", "http://a.example/y")  # an upgrade to https
    assert not same_origin("http://a.example/x", "https://a.example/y")  # a downgrade
    assert not same_origin("https://b.example/x", "https://a.example/y")
    assert not same_origin("https://a.example:8443/x", "https://a.example/y")
    assert not same_origin("https://a.example.evil/x", "https://a.example/y")


def test_monitor_feeds_says_a_feed_moved_to_another_origin(
    tmp_path: Path, feed_server: FeedServer, elsewhere: FeedServer
) -> None:
    feed_server.routes["/rss"] = Route(status=301, headers={"Location": elsewhere.url_of("/new")})
    elsewhere.routes["/new"] = Route(body=rss(ENTRIES),
                                     headers={"Content-Type": "application/rss+xml"})
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text(
        "rules:\n  - {id: r, title: R, query: defence}\n")
    (tmp_path / "config.yaml").write_text(
        "languages: [en]\nstate: state.db\nrules: rules/\n"
        f"sources:\n  - {{id: wire, type: feed, url: '{feed_server.url_of('/rss')}',"
        " headers: {Authorization: Bearer s3cret-token}}\nnotifiers: []\n")

    def monitor(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "monitor", *args, "--config",
                               str(tmp_path / "config.yaml")], capture_output=True, text=True,
                              cwd=tmp_path, timeout=120)

    assert monitor("run", "--once").returncode == 0
    out = monitor("feeds").stdout
    assert "moved to another origin" in out
    assert f"wire: moved permanently to {elsewhere.url_of('/new')}" in out
    assert "put the new URL in the config" in out
    assert _leaked(elsewhere) == []
