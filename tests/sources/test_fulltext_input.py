"""Bad pages behind feed entries: each gets a clear note, and the entry is still matched on
what the feed gave (a real HTTP server on 127.0.0.1 serves them)."""

from __future__ import annotations

import gzip
from typing import Any

import pytest

from monitor.sources.fulltext import counts_key
from tests.sources.conftest import FeedServer, MemoryState, Route
from tests.sources.pages import ARTICLE, ARTICLE_TITLE, article_page
from tests.sources.test_fulltext import SUMMARY, feed_of, poll, serve_article, source

RUSSIAN = [
    "Правительство области утвердило программу строительства глубоководного терминала "
    "в восточной части порта. Работы начнутся весной и продлятся четыре года.",
    "Экологи опасаются, что углубление фарватера повредит заросли морской травы, где "
    "укрываются молодые особи трески. Строители обязаны восстановить вдвое большую площадь.",
    "По оценке администрации, терминал создаст около девятисот постоянных рабочих мест.",
]
HTML = {"Content-Type": "text/html"}


async def one(server: FeedServer, path: str, route: Route, **pages: Any) -> tuple[Any, str]:
    """The document for a feed entry linking to `path`, and the source's last note."""
    server.routes["/feed.xml"] = Route(body=feed_of(server, [path]))
    server.routes[path] = route
    state = MemoryState()
    [doc] = await poll(source(server, state, **pages))
    return doc, str(state.get_state(counts_key("gazette")).get("last_note"))


def kept_on_summary(doc: Any) -> bool:
    return bool(doc.body_from == "summary" and doc.body == SUMMARY)


async def test_a_page_that_never_finishes_times_out(feed_server: FeedServer) -> None:
    doc, note = await one(feed_server, "/slow", Route(body=b"<p>x</p>", delay=3.0),
                          timeout=0.5)
    assert kept_on_summary(doc) and "no complete answer within 0.5 s" in note


async def test_a_50_mb_page_is_not_read(feed_server: FeedServer) -> None:
    big = b"<html><body>" + b"<p>word word word</p>" * (50 * 1024**2 // 20) + b"</body></html>"
    doc, note = await one(feed_server, "/big", Route(body=big, headers=HTML))
    assert kept_on_summary(doc) and "over the limit" in note


async def test_a_compression_bomb_is_stopped_at_the_size_cap(feed_server: FeedServer) -> None:
    bomb = gzip.compress(b"<p>" + b"\0" * (200 * 1024**2), compresslevel=9)
    assert len(bomb) < 1024**2
    doc, note = await one(feed_server, "/bomb", Route(
        body=bomb, headers={**HTML, "Content-Encoding": "gzip"}))
    assert kept_on_summary(doc) and "over the limit" in note


@pytest.mark.parametrize("how", ["header", "meta", "detected"])
async def test_a_legacy_encoding_is_read(feed_server: FeedServer, how: str) -> None:
    charset = "windows-1251" if how == "meta" else None
    page = article_page("Терминал", RUSSIAN, charset=charset, lang="ru").encode("cp1251")
    headers = {"Content-Type": "text/html; charset=windows-1251"} if how == "header" else HTML
    doc, _ = await one(feed_server, "/ru", Route(body=page, headers=headers))
    assert doc.body_from == "page"
    assert "глубоководного терминала" in doc.body and "девятисот" in doc.body


async def test_a_pdf_is_skipped_with_a_note(feed_server: FeedServer) -> None:
    pdf = b"%PDF-1.7\n" + b"\x00binary" * 1000
    doc, note = await one(feed_server, "/report.pdf", Route(
        body=pdf, headers={"Content-Type": "application/pdf"}))
    assert kept_on_summary(doc) and "not HTML but application/pdf" in note


async def test_a_redirect_loop_is_named(feed_server: FeedServer) -> None:
    feed_server.routes["/loop/b"] = Route(status=302, headers={"Location": "/loop/a"})
    doc, note = await one(feed_server, "/loop/a", Route(status=302,
                                                        headers={"Location": "/loop/b"}))
    assert kept_on_summary(doc) and "redirect loop" in note
    assert feed_server.hits("/loop/a") == 1


async def test_a_redirect_to_a_file_url_is_refused(feed_server: FeedServer) -> None:
    doc, note = await one(feed_server, "/moved", Route(
        status=301, headers={"Location": "file:///etc/passwd"}))
    assert kept_on_summary(doc) and "file:" in note and "only http and https" in note


async def test_too_many_redirects(feed_server: FeedServer) -> None:
    for i in range(8):
        feed_server.routes[f"/r/{i}"] = Route(status=302, headers={"Location": f"/r/{i + 1}"})
    doc, note = await one(feed_server, "/r/0", Route(status=302, headers={"Location": "/r/1"}),
                          max_redirects=3)
    assert kept_on_summary(doc) and "more than 3 redirects" in note


@pytest.mark.parametrize("robots", [b"Disallow: /\n" * 100_000, b"\x00\xff\xfe" * 3000])
async def test_a_huge_or_garbage_robots_txt_allows_everything(
    feed_server: FeedServer, robots: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    feed_server.routes["/robots.txt"] = Route(body=robots)
    feed_server.routes["/feed.xml"] = Route(body=feed_of(feed_server, ["/a/1"]))
    serve_article(feed_server, "/a/1")
    [doc] = await poll(source(feed_server, MemoryState()))
    assert doc.body_from == "page"
    assert "robots.txt" in caplog.text and "treated as allowing everything" in caplog.text


async def test_a_page_with_almost_no_text_falls_back_to_the_summary(
    feed_server: FeedServer,
) -> None:
    wall = article_page(ARTICLE_TITLE, ["Please enable JavaScript to read this article."])
    doc, note = await one(feed_server, "/js", Route(body=wall.encode(), headers=HTML))
    assert kept_on_summary(doc) and "almost no text" in note
    assert ARTICLE[0] not in doc.body
