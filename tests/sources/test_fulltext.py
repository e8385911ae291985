"""Full text for feed entries, against a real HTTP server on 127.0.0.1: a summary-only feed
whose pages are matched on their body (not their boilerplate), robots.txt obeyed, at most
two requests at once per host, nothing fetched twice across a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from monitor.config import FeedSourceConfig, PagesConfig
from monitor.service.feed_alerts import feed_healths, health_events
from monitor.sources.feed import FeedSource
from monitor.sources.fulltext import FullTextSource, PageReader, counts_key
from monitor.sources.http import FeedHttp
from monitor.sources.polite import PoliteFetcher
from monitor.store import SQLiteStore
from tests.sources.conftest import FeedServer, MemoryState, Route, rss
from tests.sources.pages import (
    ARTICLE,
    ARTICLE_TITLE,
    BODY_PHRASES,
    BOILERPLATE_PHRASES,
    article_page,
)

SUMMARY = "The port authority decided on the new terminal."


def feed_of(server: FeedServer, paths: list[str]) -> bytes:
    return rss([{"guid": p, "link": server.url_of(p), "title": f"{ARTICLE_TITLE} {p}",
                 "description": SUMMARY} for p in paths])


def serve_article(server: FeedServer, path: str, **route: Any) -> None:
    page = article_page(ARTICLE_TITLE, ARTICLE).encode()
    server.routes[path] = Route(body=page, headers={"Content-Type": "text/html; charset=utf-8"},
                                **route)


def source(server: FeedServer, state: Any, *, mode: str = "auto",
           **pages: Any) -> FullTextSource:
    cfg = FeedSourceConfig(type="feed", id="gazette", url=server.url_of("/feed.xml"),
                           full_text=mode)  # type: ignore[arg-type]
    http = FeedHttp()
    fetcher = PoliteFetcher(http, PagesConfig(**{"min_delay": 0.0, **pages}))
    reader = PageReader(fetcher, state, languages=["en", "ru"])
    return FullTextSource(FeedSource(cfg, state, http=http), reader, state, mode=cfg.full_text,
                          short=PagesConfig().short)


async def poll(src: FullTextSource) -> list[Any]:
    async with src:
        return await src.poll()


async def test_a_summary_only_feed_is_matched_on_the_page_body_not_its_boilerplate(
    feed_server: FeedServer,
) -> None:
    feed_server.routes["/feed.xml"] = Route(body=feed_of(feed_server, ["/a/1"]))
    serve_article(feed_server, "/a/1")
    state = MemoryState()
    [doc] = await poll(source(feed_server, state))
    assert doc.body_from == "page"
    assert doc.title == f"{ARTICLE_TITLE} /a/1"  # the feed's headline stays
    for phrase in BODY_PHRASES:
        assert phrase in doc.body
    for phrase in BOILERPLATE_PHRASES:
        assert phrase not in doc.body
    assert SUMMARY not in doc.body
    assert doc.author == "Mara Lindqvist"  # from the page
    counts = state.get_state(counts_key("gazette"))
    assert (counts["fetched"], counts["extracted"], counts["summary"]) == (1, 1, 0)
    assert "monitor/" in feed_server.last_headers("/a/1")["user-agent"]


async def test_a_long_entry_is_not_fetched_in_auto_mode_but_is_in_always(
    feed_server: FeedServer,
) -> None:
    long_text = "The feed carries the whole article here. " * 40
    feed_server.routes["/feed.xml"] = Route(body=rss([{
        "guid": "1", "link": feed_server.url_of("/a/1"), "title": "T", "description": long_text}]))
    serve_article(feed_server, "/a/1")
    [doc] = await poll(source(feed_server, MemoryState()))
    assert feed_server.hits("/a/1") == 0 and doc.body_from is None
    [doc] = await poll(source(feed_server, MemoryState(), mode="always"))
    assert feed_server.hits("/a/1") == 1 and doc.body_from == "page"


async def test_robots_txt_is_obeyed_and_the_entry_kept_on_its_summary(
    feed_server: FeedServer,
) -> None:
    feed_server.routes["/feed.xml"] = Route(body=feed_of(feed_server, ["/private/1", "/a/2"]))
    feed_server.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /private/\n")
    serve_article(feed_server, "/private/1")
    serve_article(feed_server, "/a/2")
    state = MemoryState()
    blocked, allowed = await poll(source(feed_server, state))
    assert feed_server.hits("/private/1") == 0
    assert blocked.body_from == "summary" and blocked.body == SUMMARY
    assert allowed.body_from == "page"
    assert feed_server.hits("/robots.txt") == 1  # once per host
    assert state.get_state(counts_key("gazette"))["robots"] == 1


async def test_at_most_two_requests_at_once_per_host(feed_server: FeedServer) -> None:
    paths = [f"/a/{i}" for i in range(6)]
    feed_server.routes["/feed.xml"] = Route(body=feed_of(feed_server, paths))
    for path in paths:
        serve_article(feed_server, path, delay=0.3)
    docs = await poll(source(feed_server, MemoryState()))
    assert [d.body_from for d in docs] == ["page"] * 6
    assert feed_server.max_inflight == 2  # parallel, but never more than two


async def test_nothing_is_fetched_twice_across_a_restart(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.routes["/feed.xml"] = Route(body=feed_of(feed_server, ["/a/1"]))
    serve_article(feed_server, "/a/1")
    with SQLiteStore(tmp_path / "state.db") as store:
        [first] = await poll(source(feed_server, store))
    with SQLiteStore(tmp_path / "state.db") as store:  # a new daemon on the same state
        [again] = await poll(source(feed_server, store))
        counts = store.get_state(counts_key("gazette"))
    assert feed_server.hits("/a/1") == 1
    assert again.body == first.body and again.content_hash == first.content_hash
    assert counts["fetched"] == 1


async def test_a_site_failing_repeatedly_is_paused_and_reported(
    feed_server: FeedServer,
) -> None:
    paths = [f"/a/{i}" for i in range(5)]
    feed_server.routes["/feed.xml"] = Route(body=feed_of(feed_server, paths))
    for path in paths:
        feed_server.routes[path] = Route(status=500, body=b"down")
    src = source(feed_server, MemoryState(), site_failures=2, per_host=1)
    docs = await poll(src)
    assert all(d.body_from == "summary" for d in docs)
    assert sum(feed_server.hits(p) for p in paths) == 2  # then the site is left alone
    [site] = [f for f in src.health()["feeds"] if ":site:" in f["id"]]
    assert site["failures"] == 2 and "HTTP 500" in site["last_error"]
    assert site["failing_since"] is not None
    # the feed-health alert reports it like a failing feed, once past `feeds.alert_after`
    later = site["failing_since"] + 2 * 86400
    events = [e for f in feed_healths(src.health()) for e in health_events(f, {}, later, 86400)]
    [event] = [e for e in events if ":site:" in e.feed]
    assert "has been failing" in event.alert.document.title
    assert "HTTP 500" in event.alert.document.body


@pytest.mark.parametrize("mode", ["never"])
async def test_never_fetches_nothing(feed_server: FeedServer, mode: str) -> None:
    feed_server.routes["/feed.xml"] = Route(body=feed_of(feed_server, ["/a/1"]))
    serve_article(feed_server, "/a/1")
    [doc] = await poll(source(feed_server, MemoryState(), mode=mode))
    assert feed_server.hits("/a/1") == 0 and doc.body == SUMMARY and doc.body_from is None
