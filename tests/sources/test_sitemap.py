"""`type: sitemap` and `type: page` against a real HTTP server: news sitemaps (index, gzip,
only URLs newer than the last poll) and listing pages (new links), read through the pages."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import pytest

from monitor.config import PagesConfig, PageSourceConfig, SitemapSourceConfig, load_config
from monitor.errors import ConfigError, SourceError
from monitor.registry import Resources
from monitor.sources import build_source
from monitor.sources.sitemap import SitemapError, parse_sitemap
from tests.sources.conftest import FeedServer, MemoryState, Route
from tests.sources.pages import ARTICLE, BODY_PHRASES, article_page

NS = ('xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
      'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"')
PAGES = PagesConfig(min_delay=0.0)


def news_sitemap(server: FeedServer, items: list[tuple[str, str, str]]) -> bytes:
    urls = "".join(
        f"<url><loc>{server.url_of(path)}</loc><news:news><news:publication>"
        f"<news:name>Gazette</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{date}</news:publication_date><news:title>{title}"
        f"</news:title></news:news></url>" for path, date, title in items)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>{urls}</urlset>'.encode()


def serve_articles(server: FeedServer, *paths: str) -> None:
    for path in paths:
        server.routes[path] = Route(body=article_page(f"Story {path}", ARTICLE).encode(),
                                    headers={"Content-Type": "text/html"})


def sitemap_source(server: FeedServer, state: Any, path: str = "/news-sitemap.xml") -> Any:
    cfg = SitemapSourceConfig(type="sitemap", id="maps", url=server.url_of(path))
    return build_source(cfg, Resources(store=state, languages=("en",), pages=PAGES))


async def poll(src: Any) -> list[Any]:
    async with src:
        return list(await src.poll())


async def test_a_news_sitemap_gives_its_articles_then_only_newer_ones(
    feed_server: FeedServer,
) -> None:
    items = [("/a/1", "2026-11-30T08:00:00Z", "Terminal approved"),
             ("/a/2", "2026-11-30T09:00:00+00:00", "Second story")]
    feed_server.routes["/news-sitemap.xml"] = Route(body=news_sitemap(feed_server, items))
    serve_articles(feed_server, "/a/1", "/a/2", "/a/3")
    state = MemoryState()
    docs = await poll(sitemap_source(feed_server, state))
    assert sorted(d.title for d in docs) == ["Second story", "Terminal approved"]
    assert all(d.body_from == "page" for d in docs)
    assert all(p in docs[0].body for p in BODY_PHRASES)
    assert docs[0].published is not None and docs[0].published.year == 2026

    items.append(("/a/3", "2026-11-30T10:00:00Z", "Third story"))
    items.append(("/a/0", "2026-11-29T10:00:00Z", "An old story listed late"))
    feed_server.routes["/news-sitemap.xml"] = Route(body=news_sitemap(feed_server, items))
    docs = await poll(sitemap_source(feed_server, state))  # a restart: state kept
    assert [d.title for d in docs] == ["Third story"]
    assert feed_server.hits("/a/1") == 1 and feed_server.hits("/a/0") == 0


async def test_a_gzipped_sitemap_index_is_followed(feed_server: FeedServer) -> None:
    child = news_sitemap(feed_server, [("/b/1", "2026-11-30T08:00:00Z", "From the index")])
    feed_server.routes["/news-1.xml.gz"] = Route(body=gzip.compress(child))
    index = (f'<?xml version="1.0"?><sitemapindex {NS}><sitemap>'
             f"<loc>{feed_server.url_of('/news-1.xml.gz')}</loc>"
             "<lastmod>2026-11-30</lastmod></sitemap></sitemapindex>").encode()
    feed_server.routes["/index.xml"] = Route(body=gzip.compress(index))
    serve_articles(feed_server, "/b/1")
    [doc] = await poll(sitemap_source(feed_server, MemoryState(), "/index.xml"))
    assert doc.title == "From the index" and doc.body_from == "page"


async def test_not_a_sitemap_is_a_source_error(feed_server: FeedServer) -> None:
    feed_server.routes["/news-sitemap.xml"] = Route(body=b"<html><body>Oops</body></html>")
    with pytest.raises(SourceError, match="not a sitemap"):
        await poll(sitemap_source(feed_server, MemoryState()))


def test_entities_are_not_expanded_and_bombs_are_capped() -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              b'<urlset><url><loc>https://x.org/&b;</loc></url></urlset>')
    kind, urls = parse_sitemap(laughs, 10**6)
    assert kind == "urlset" and all("aaaaaaaaaa" not in u.loc for u in urls)
    with pytest.raises(SitemapError, match="decompressed"):
        parse_sitemap(gzip.compress(b"<urlset>" + b" " * 10**7), 10**6)


LISTING = """<html><body><nav><a href="/">Home</a><a href="/world">World</a></nav>
<h2><a href="/news/2026/port-terminal">Port terminal approved</a></h2>
<h2><a href="/news/2026/fishing-quotas#comments">Fishing quotas</a></h2>
<a href="/tag/ports">ports</a> <a href="https://elsewhere.example/x">ad</a>
{extra}</body></html>"""


def page_source(server: FeedServer, state: Any) -> Any:
    cfg = PageSourceConfig(type="page", id="front", url=server.url_of("/section"),
                           include=[r"/news/\d{4}/"], exclude=["quotas", "/tag/"])
    return build_source(cfg, Resources(store=state, languages=("en",), pages=PAGES))


async def test_a_listing_page_gives_links_new_since_the_previous_poll(
    feed_server: FeedServer,
) -> None:
    feed_server.routes["/section"] = Route(body=LISTING.format(extra="").encode(),
                                           headers={"Content-Type": "text/html"})
    serve_articles(feed_server, "/news/2026/port-terminal", "/news/2026/new-bridge")
    state = MemoryState()
    [first] = await poll(page_source(feed_server, state))  # the first poll: all there are
    assert first.url == feed_server.url_of("/news/2026/port-terminal")
    extra = '<h2><a href="/news/2026/new-bridge">New bridge</a></h2>'
    feed_server.routes["/section"] = Route(body=LISTING.format(extra=extra).encode(),
                                           headers={"Content-Type": "text/html"})
    [doc] = await poll(page_source(feed_server, state))
    assert doc.url == feed_server.url_of("/news/2026/new-bridge")
    assert doc.title == "Story /news/2026/new-bridge" and doc.body_from == "page"
    assert feed_server.hits("/news/2026/port-terminal") == 1
    assert await poll(page_source(feed_server, state)) == []


async def test_a_listing_page_disallowed_by_robots_is_a_source_error(
    feed_server: FeedServer,
) -> None:
    feed_server.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /section\n")
    feed_server.routes["/section"] = Route(body=b"<a href='/news/2026/x'>x</a>",
                                           headers={"Content-Type": "text/html"})
    with pytest.raises(SourceError, match=r"robots\.txt"):
        await poll(page_source(feed_server, MemoryState()))
    assert feed_server.hits("/section") == 0


@pytest.mark.parametrize(("source", "message"), [
    ('{id: s, type: sitemap, url: "file:///etc/sitemap.xml"}', "not an http:// or https:// URL"),
    ('{id: p, type: page, url: "https://example.org/", include: ["(unclosed"]}',
     "'(unclosed' is not a regular expression"),
    ('{id: f, type: feed, url: "https://example.org/rss", full_text: sometimes}', "full_text"),
    ("{id: f, type: feed, url: \"https://example.org/rss\"}\npages: {min_delay: soon}",
     "min_delay"),
])
def test_bad_settings_are_located(tmp_path: Path, source: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"sources:\n  - {source}\n")
    with pytest.raises(ConfigError, match=re.escape(message)) as err:
        load_config(path)
    assert "config.yaml:" in str(err.value)
