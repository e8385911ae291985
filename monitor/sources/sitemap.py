"""`type: sitemap`: the articles a publisher lists for search engines, without a feed.

A news sitemap is a `<urlset>` whose `<url>`s carry `<news:news>` with the article's title
and publication date; a sitemap index lists further sitemaps. Either may be gzipped. The
sitemap is polled like a feed (conditional GET, backoff, health: it is a `FeedSource` whose
bytes are read as a sitemap); only URLs newer than the newest one seen before become
documents, and their pages are fetched and extracted (`full_text` path, fulltext.py).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from monitor.config import SitemapSourceConfig
from monitor.errors import FetchError, MonitorError
from monitor.models import Document
from monitor.sources.entries import ParsedFeed
from monitor.sources.feed import FeedSource
from monitor.sources.http import Fetched

log = logging.getLogger(__name__)

MAX_CHILDREN = 10  # sitemaps of an index read per poll, the most recently changed first
_NEWEST = "newest"  # the newest date of a URL taken, ISO 8601
_SEEN = "seen"  # URLs taken lately (bounded)
SEEN_MAX = 5000


class SitemapError(MonitorError):
    """The bytes are not a sitemap (or not readable as one)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SitemapUrl:
    """One `<url>` (or, in an index, one `<sitemap>`)."""

    loc: str
    date: datetime | None = None  # news:publication_date, else lastmod
    title: str = ""
    language: str | None = None


def parse_sitemap(data: bytes, max_size: int) -> tuple[str, list[SitemapUrl]]:
    """("urlset" | "sitemapindex", its entries) of sitemap bytes, gzipped or not."""
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, max_size)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             recover=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"not XML: {exc}") from None
    if root is None or not isinstance(root.tag, str):
        raise SitemapError("not XML")
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(f"not a sitemap (the root element is <{kind}>)")
    child = "url" if kind == "urlset" else "sitemap"
    return kind, [u for node in root if _named(node, child) for u in _entry(node)]


def _gunzip(data: bytes, max_size: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_size + 1)
    except zlib.error as exc:
        raise SitemapError(f"broken gzip: {exc}") from None
    if len(out) > max_size:
        raise SitemapError(f"over {max_size} bytes once decompressed")
    return out


def _named(node: Any, name: str) -> bool:
    return isinstance(node.tag, str) and etree.QName(node).localname == name


def _entry(node: Any) -> Iterator[SitemapUrl]:
    fields: dict[str, str] = {}
    for el in node.iter():
        if isinstance(el.tag, str) and el.text and el.text.strip():
            fields.setdefault(etree.QName(el).localname, el.text.strip())
    loc = fields.get("loc", "")
    if loc.lower().startswith(("http://", "https://")):
        yield SitemapUrl(loc=loc, title=fields.get("title", ""),
                         date=_date(fields.get("publication_date") or fields.get("lastmod")),
                         language=fields.get("language"))


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class SitemapSource(FeedSource):
    """A (news) sitemap or sitemap index polled like a feed; new URLs become documents."""

    config_model = SitemapSourceConfig  # type: ignore[assignment]  # a feed in all but parsing
    cfg: SitemapSourceConfig  # type: ignore[assignment]
    reads_pages = "always"  # every URL is read from its page (sources.build_source)

    async def poll(self) -> list[Document]:
        """New article URLs of the sitemap (and of an index's most recent sitemaps)."""
        self._children: list[SitemapUrl] = []
        docs = await super().poll()
        for child in self._children[:MAX_CHILDREN]:
            docs += await self._child(child.loc)
        return self._fresh(docs)

    async def _child(self, url: str) -> list[Document]:
        try:
            fetched = await self._http.fetch(url, headers=dict(self.cfg.headers),
                                             max_size=self.cfg.max_size,
                                             timeout=self.cfg.timeout)
            if fetched.status != 200:
                raise FetchError(f"HTTP {fetched.status}")
            kind, urls = parse_sitemap(fetched.body, self.cfg.max_size)
        except (FetchError, SitemapError) as exc:
            log.warning("sitemap %r: %s: %s", self.id, url, exc)
            return []
        return self._documents(urls) if kind == "urlset" else []

    def _convert(self, fetched: Fetched, now: float) -> tuple[ParsedFeed, list[Document]]:
        try:
            kind, urls = parse_sitemap(fetched.body, self.cfg.max_size)
        except SitemapError as exc:
            return ParsedFeed(entries=[], title="", version="", problem=str(exc)), []
        listed = ParsedFeed(entries=[{"loc": u.loc} for u in urls], title=kind, version=kind)
        if kind == "sitemapindex":
            newest_first = sorted(urls, key=lambda u: u.date or datetime.min.replace(tzinfo=UTC),
                                  reverse=True)
            self._children = newest_first
            return listed, []
        return listed, self._documents(urls)

    def _documents(self, urls: list[SitemapUrl]) -> list[Document]:
        return [Document(id=f"{self.id}:{u.loc}", source=self.id, title=u.title, url=u.loc,
                         published=u.date, language=self.cfg.language) for u in urls]

    def _fresh(self, docs: list[Document]) -> list[Document]:
        """Only URLs dated after the newest taken before (or, undated, not seen lately)."""
        key = f"sitemap:{self.id}"  # beside the feed state: what was taken from the sitemap
        memo = self._store.get_state(key)
        if memo.get("url") != self.cfg.url:
            memo = {"url": self.cfg.url}
        newest = _date(memo.get(_NEWEST))
        seen = list(memo.get(_SEEN) or [])
        known = set(seen)
        out: list[Document] = []
        for doc in docs:
            if doc.url in known:
                continue
            if doc.published is None or newest is None or doc.published > newest:
                out.append(doc)
        seen += [doc.url for doc in out]
        dated = [d.published for d in out if d.published is not None]
        if dated:
            memo[_NEWEST] = max([*dated, *([newest] if newest else [])]).isoformat()
        memo[_SEEN] = seen[-SEEN_MAX:]
        self._store.set_state(key, memo)
        return out
