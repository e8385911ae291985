"""The feed source against a real HTTP server: validators, redirects, failures, politeness."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor import __version__
from monitor.config import FeedsConfig, FeedSourceConfig
from monitor.errors import SourceError
from monitor.registry import Resources
from monitor.sources import build_source
from monitor.sources.feed import FeedSource
from monitor.sources.feed_state import state_key
from monitor.sources.http import FeedHttp
from monitor.store.sqlite import SQLiteStore
from tests.sources.conftest import FeedServer, MemoryState, Route, rss

ENTRIES = [
    {"guid": "urn:1", "title": "Defence talks", "link": "/news/1",
     "description": "&lt;p&gt;Baku and &lt;b&gt;Beijing&lt;/b&gt; talk.&lt;/p&gt;",
     "pubDate": "Wed, 01 May 2024 12:00:00 +0200"},
    {"title": "No guid, no date", "link": "http://example.org/2", "description": "Plain."},
]


def feed(server: FeedServer, path: str, state: Any = None, **kw: Any) -> FeedSource:
    cfg = FeedSourceConfig.model_validate(
        {"type": "feed", "id": "f", "url": server.url_of(path), "interval": 60, **kw}
    )
    return FeedSource(cfg, state if state is not None else MemoryState())


async def test_entries_become_documents(feed_server: FeedServer) -> None:
    feed_server.routes["/rss"] = Route(body=rss(ENTRIES))
    before = datetime.now(UTC)
    async with feed(feed_server, "/rss", language="en") as src:
        docs = await src.poll()
    first, second = docs
    assert first.id == "f:urn:1"
    assert first.source == "f"
    assert first.title == "Defence talks"
    assert first.body == "Baku and Beijing talk."
    assert first.url == feed_server.url_of("/news/1")  # resolved against the feed's URL
    assert first.published == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert first.language == "en"
    assert second.id == "f:http://example.org/2"  # no guid: the link
    assert second.published is not None and second.published >= before  # no date: fetch time
    ua = feed_server.last_headers("/rss")["user-agent"]
    assert ua.startswith(f"monitor/{__version__}")


async def test_conditional_get_with_stored_validators(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.routes["/rss"] = Route(body=rss(ENTRIES), etag='"v1"',
                                       last_modified="Wed, 01 May 2024 10:00:00 GMT")
    store = SQLiteStore(tmp_path / "state.db")
    try:
        async with feed(feed_server, "/rss", store) as src:
            assert len(await src.poll()) == 2
        saved = store.get_state(state_key("f"))
        assert saved["etag"] == '"v1"'
        assert saved["last_modified"] == "Wed, 01 May 2024 10:00:00 GMT"
        async with feed(feed_server, "/rss", store) as src:  # a restart: validators from the store
            assert await src.poll() == []
            assert src.health()["status"] == 304
        sent = feed_server.last_headers("/rss")
        assert sent["if-none-match"] == '"v1"'
        assert sent["if-modified-since"] == "Wed, 01 May 2024 10:00:00 GMT"
    finally:
        store.close()


async def test_unchanged_entries_not_returned_again_but_changed_ones_are(
    feed_server: FeedServer,
) -> None:
    feed_server.routes["/rss"] = Route(body=rss(ENTRIES))
    async with feed(feed_server, "/rss") as src:
        assert len(await src.poll()) == 2
        assert await src.poll() == []  # a 200 with the same entries
        edited = [dict(ENTRIES[0], description="Updated text."), ENTRIES[1]]
        feed_server.routes["/rss"] = Route(body=rss(edited))
        [doc] = await src.poll()
        assert (doc.id, doc.body) == ("f:urn:1", "Updated text.")


@pytest.mark.parametrize("status", [301, 308])
async def test_permanent_redirect_updates_the_stored_url(
    feed_server: FeedServer, status: int
) -> None:
    feed_server.routes["/old"] = Route(status=status, headers={"Location": "/new"})
    feed_server.routes["/new"] = Route(body=rss(ENTRIES))
    state = MemoryState()
    async with feed(feed_server, "/old", state) as src:
        assert len(await src.poll()) == 2
        assert state.get_state("source:f")["url"] == feed_server.url_of("/new")
        await src.poll()
    assert feed_server.hits("/old") == 1
    assert feed_server.hits("/new") == 2


@pytest.mark.parametrize("status", [302, 307])
async def test_temporary_redirect_keeps_the_url(feed_server: FeedServer, status: int) -> None:
    feed_server.routes["/old"] = Route(status=status, headers={"Location": "/new"})
    feed_server.routes["/new"] = Route(body=rss(ENTRIES))
    state = MemoryState()
    async with feed(feed_server, "/old", state) as src:
        assert len(await src.poll()) == 2
        await src.poll()
    assert state.get_state("source:f")["url"] == feed_server.url_of("/old")
    assert feed_server.hits("/old") == 2


async def test_410_disables_the_feed_until_its_url_changes(feed_server: FeedServer) -> None:
    feed_server.routes["/gone"] = Route(status=410, body=b"gone")
    feed_server.routes["/rss"] = Route(body=rss(ENTRIES))
    state = MemoryState()
    async with feed(feed_server, "/gone", state) as src:
        with pytest.raises(SourceError, match="410 Gone"):
            await src.poll()
        assert await src.poll() == []  # no request any more
        health = src.health()
    assert feed_server.hits("/gone") == 1
    assert health["disabled"] and health["status"] == 410 and not health["ok"]
    async with feed(feed_server, "/rss", state) as src:  # the user edited the URL
        assert len(await src.poll()) == 2


async def test_429_honours_retry_after(feed_server: FeedServer) -> None:
    feed_server.routes["/rss"] = Route(body=rss(ENTRIES), script=[(429, {"Retry-After": "120"})])
    async with feed(feed_server, "/rss", interval=1) as src:
        with pytest.raises(SourceError, match="HTTP 429"):
            await src.poll()
        assert await src.poll() == []  # waiting: no request
        health = src.health()
    assert feed_server.hits("/rss") == 1
    assert health["status"] == 429
    assert 115 < health["retry_at"] - time.time() <= 120
    assert health["failures"] == 1 and health["failing_since"]


async def test_503_with_http_date_retry_after(feed_server: FeedServer) -> None:
    when = "Wed, 21 Oct 2099 07:28:00 GMT"
    feed_server.routes["/rss"] = Route(body=rss(ENTRIES), script=[(503, {"Retry-After": when})])
    async with feed(feed_server, "/rss") as src:
        with pytest.raises(SourceError, match="HTTP 503"):
            await src.poll()
        # capped: a far-future date does not silence the feed for decades
        assert src.health()["retry_at"] - time.time() <= 24 * 3600


async def test_500_backs_off_then_recovers(feed_server: FeedServer) -> None:
    failures: list[tuple[int, dict[str, str]]] = [(500, {})] * 4
    feed_server.routes["/rss"] = Route(body=rss(ENTRIES), script=list(failures))
    async with feed(feed_server, "/rss", interval=0.05) as src:
        backoffs = []
        for _ in range(4):
            with pytest.raises(SourceError, match="HTTP 500"):
                await src.poll()
            health = src.health()
            backoffs.append(health["backoff"])
            if health["retry_at"] is not None:  # backing off: polls make no request
                hits = feed_server.hits("/rss")
                assert await src.poll() == []
                assert feed_server.hits("/rss") == hits
                await asyncio.sleep(health["retry_at"] - time.time() + 0.01)
        assert backoffs == [0.05, 0.1, 0.2, 0.4]  # exponential
        assert src.health()["failures"] == 4
        docs = await src.poll()
        health = src.health()
    assert len(docs) == 2  # its items are ingested after recovery
    assert health["failures"] == 0 and health["failing_since"] is None
    assert health["ok"] and health["last_error"] is None


async def test_backoff_is_capped(feed_server: FeedServer) -> None:
    feed_server.routes["/rss"] = Route(status=500)
    cfg = FeedSourceConfig(type="feed", id="f", url=feed_server.url_of("/rss"), interval=600)
    async with FeedSource(cfg, MemoryState(), backoff_max=1800) as src:
        src._state["failures"] = 10  # as after a long outage
        with pytest.raises(SourceError):
            await src.poll()
        assert src.health()["backoff"] == 1800


async def test_gzip_body(feed_server: FeedServer) -> None:
    feed_server.routes["/rss"] = Route(body=rss(ENTRIES), gzip=True)
    async with feed(feed_server, "/rss") as src:
        assert len(await src.poll()) == 2
    assert "gzip" in feed_server.last_headers("/rss")["accept-encoding"]


@pytest.mark.parametrize("encoding", ["deflate", "br"])
async def test_deflate_and_brotli_bodies(feed_server: FeedServer, encoding: str) -> None:
    feed_server.routes["/rss"] = Route(body=rss(ENTRIES), encoding=encoding)
    async with feed(feed_server, "/rss") as src:
        assert len(await src.poll()) == 2
    assert encoding in feed_server.last_headers("/rss")["accept-encoding"]


async def test_slow_answer_times_out(feed_server: FeedServer) -> None:
    feed_server.routes["/slow"] = Route(body=rss(ENTRIES), delay=2)
    async with feed(feed_server, "/slow", timeout=0.3) as src:
        started = time.monotonic()
        with pytest.raises(SourceError, match=r"no complete answer within 0\.3 s"):
            await src.poll()
        assert time.monotonic() - started < 1.5
        assert "0.3 s" in src.health()["last_error"]


async def test_oversize_body_is_refused(feed_server: FeedServer) -> None:
    feed_server.routes["/big"] = Route(body=rss(ENTRIES * 50))
    feed_server.routes["/bomb"] = Route(body=rss(ENTRIES * 50), gzip=True)  # small on the wire
    for path in ("/big", "/bomb"):
        async with feed(feed_server, path, max_size=2000) as src:
            with pytest.raises(SourceError, match="over the limit of 2000"):
                await src.poll()


async def test_unreachable_server(feed_server: FeedServer) -> None:
    cfg = FeedSourceConfig(type="feed", id="f", url="http://127.0.0.1:9/rss")
    async with FeedSource(cfg, MemoryState()) as src:
        with pytest.raises(SourceError, match=r"cannot connect: connection refused"):
            await src.poll()  # what the system said, not "All connection attempts failed"
        assert src.health()["status"] is None


async def test_a_host_name_that_does_not_resolve_is_named(feed_server: FeedServer) -> None:
    cfg = FeedSourceConfig(type="feed", id="f", url="http://no-such-host.invalid/rss")
    async with FeedSource(cfg, MemoryState()) as src:
        with pytest.raises(SourceError) as info:
            await src.poll()
    message = str(info.value)
    assert "cannot connect: the host name does not resolve (" in message, message
    assert "Errno" not in message


async def test_html_page_is_not_a_feed(feed_server: FeedServer) -> None:
    page = b"<html><head><title>Login</title></head><body>Please log in</body></html>"
    feed_server.routes["/page"] = Route(body=page, headers={"Content-Type": "text/html"})
    async with feed(feed_server, "/page") as src:
        with pytest.raises(SourceError, match=r"not a feed \(text/html"):
            await src.poll()


async def test_per_host_limit(feed_server: FeedServer) -> None:
    for n in range(5):
        feed_server.routes[f"/slow{n}"] = Route(body=rss(ENTRIES), delay=0.3)
    http = FeedHttp(max_concurrent=20, per_host=2)
    sources = [
        FeedSource(FeedSourceConfig(type="feed", id=f"f{n}", url=feed_server.url_of(f"/slow{n}")),
                   MemoryState(), http=http)
        for n in range(5)
    ]
    for s in sources:
        await s.__aenter__()
    try:
        results = await asyncio.gather(*(s.poll() for s in sources))
    finally:
        for s in sources:
            await s.__aexit__(None, None, None)
    assert all(len(r) == 2 for r in results)
    assert feed_server.max_inflight == 2


def test_build_source_shares_one_client() -> None:
    cfg = FeedSourceConfig(type="feed", id="a", url="http://127.0.0.1/a")
    feeds = FeedsConfig(per_host=3)
    ctx = Resources(store=MemoryState(), http=FeedHttp.from_config(feeds), feeds=feeds)
    one = build_source(cfg, ctx)
    two = build_source(cfg.model_copy(update={"id": "b"}), ctx)
    one, two = one.inner, two.inner  # type: ignore[attr-defined]  # inside full text
    assert isinstance(one, FeedSource) and isinstance(two, FeedSource)
    assert one._http is two._http is ctx.http
    assert one._http.per_host == 3
