"""The article, not the teaser: documents whose text is the page their entry links to.

`PageReader` fetches a page politely (polite.py), extracts its main text in a worker process
(extract.py) and remembers the outcome per URL in the state, so a page is fetched once,
across restarts. `FullTextSource` wraps a feed source: each entry whose own text is short
(`full_text: auto`) or every entry (`always`) has its body replaced by the page's text; when
the page cannot be had, the entry keeps the feed's text and is marked `body_from="summary"`
("matched on the feed's summary" in alerts and `monitor matches`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections.abc import AsyncIterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from monitor.config import FullTextMode, PagesConfig
from monitor.models import Document
from monitor.registry import Resources
from monitor.sources.base import Source, StateStore
from monitor.sources.extract import Extracted, extract_bytes
from monitor.sources.http import FeedHttp, Fetched
from monitor.sources.polite import PageUnavailable, PoliteFetcher, SiteHealth, host_of
from monitor.workers import WorkerPool

log = logging.getLogger(__name__)

Outcome = Literal["extracted", "short", "robots", "type", "failed", "paused"]
CACHED: frozenset[str] = frozenset({"extracted", "short", "robots", "type"})
COUNTS = ("fetched", "extracted", "robots", "summary", "skipped")
MAX_EXTRACTION_WORKERS = 4


def page_key(url: str) -> str:
    """The state key of a page's remembered outcome (pruned with the documents)."""
    return "page:" + hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def counts_key(source_id: str) -> str:
    """The state key of a source's page counters (what `monitor feeds` shows)."""
    return f"pages:{source_id}"


@dataclass(frozen=True, kw_only=True)
class PageResult:
    """What became of one page: `outcome`, and the extraction when there was one."""

    url: str
    outcome: Outcome
    note: str = ""
    title: str = ""
    text: str = ""
    published: str | None = None  # ISO 8601
    language: str | None = None
    author: str | None = None
    fetched: bool = False  # a request was made for it now (not remembered from before)


def extraction_workers() -> int:
    """One extraction process per core, at most MAX_EXTRACTION_WORKERS (each takes ~110 MB):
    on 2 cores, 181 real pages went through fetch and extraction at 1.5x the rate of the
    extractor called alone in one process, against 0.87x with one worker."""
    return max(1, min(os.cpu_count() or 1, MAX_EXTRACTION_WORKERS))


class PageReader:
    """Fetch, decode and extract pages; one per daemon, shared by its sources."""

    def __init__(self, fetcher: PoliteFetcher, state: StateStore, *,
                 languages: Sequence[str] = (), workers: int | None = None) -> None:
        self.fetcher = fetcher
        self._state = state
        self._languages = tuple(languages)
        # processes of their own (started on first use), so the event loop and the matching
        # thread keep running while pages are extracted; forked from a small server started
        # once, with the extractor already imported
        self._pool = WorkerPool(workers or extraction_workers(), name="page extraction",
                                preload=["monitor.sources.extract", "trafilatura"])
        self._users = 0

    async def __aenter__(self) -> PageReader:
        await self.fetcher.__aenter__()
        self._users += 1
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._users -= 1
        if self._users <= 0:
            self._pool.close()
        await self.fetcher.__aexit__(*exc)

    async def read(self, url: str) -> PageResult:
        """The page's remembered outcome, or a fresh fetch and extraction (remembered when
        it is final: a network failure is tried again when the entry comes back)."""
        saved = self._state.get_state(page_key(url))
        if saved.get("url") == url and saved.get("outcome") in CACHED:
            return PageResult(**{k: v for k, v in saved.items() if k != "at"})
        result = await self._fetch(url)
        if result.outcome in CACHED:
            self._state.set_state(page_key(url), {**asdict(result), "fetched": False,
                                                  "at": time.time()})
        return result

    async def _fetch(self, url: str) -> PageResult:
        try:
            fetched = await self.fetcher.get(url)
        except PageUnavailable as exc:
            log.info("page not used: %s", exc)
            return PageResult(url=url, outcome=exc.kind, note=str(exc),
                              fetched=exc.kind not in ("robots", "paused"))
        try:
            page = await self._extract(fetched)
        except BrokenProcessPool:  # the worker died (a crash in a C library): this page only
            self._pool.restart(f"{url} not used")
            note = f"{url}: the extractor's worker stopped while reading the page"
            log.warning("page not used: %s", note)
            return PageResult(url=url, outcome="failed", note=note, fetched=True)
        except Exception as exc:  # undecodable bytes and the like: this page only
            note = f"{url}: cannot read the page: {exc}"
            log.info("page not used: %s", note)
            return PageResult(url=url, outcome="failed", note=note, fetched=True)
        outcome: Outcome = "extracted" if page.substantial else "short"
        note = "" if page.substantial else f"{url}: almost no text ({len(page.text)} chars)"
        return PageResult(
            url=url, outcome=outcome, note=note, title=page.title, text=page.text,
            published=page.published.isoformat() if page.published else None,
            language=page.language, author=page.author, fetched=True,
        )

    async def _extract(self, fetched: Fetched) -> Extracted:
        return await asyncio.wrap_future(self._pool.submit(
            extract_bytes, fetched.body, fetched.headers.get("content-type", ""), fetched.url,
            self._languages))


def wants_page(doc: Document, mode: FullTextMode, short: int) -> bool:
    """Whether the entry's page should replace its text."""
    if mode == "never" or not doc.url or not doc.url.lower().startswith(("http://", "https://")):
        return False
    return mode == "always" or len(doc.body) < short


def with_page(doc: Document, page: PageResult) -> Document:
    """The entry with the page's text; the page's metadata fills what the feed lacked."""
    if page.outcome != "extracted":  # a page with a title but no article still names it
        return doc.model_copy(update={"body_from": "summary", "title": doc.title or page.title})
    published = doc.published
    if page.published and (published is None or published == doc.fetched):
        published = datetime.fromisoformat(page.published)  # the feed gave no date
    # the language is detected on the page's text unless the feed names it: pages' own
    # lang attributes come from templates and are often wrong
    language = doc.language
    return Document(id=doc.id, source=doc.source, title=doc.title or page.title,
                    body=page.text, url=doc.url, published=published, fetched=doc.fetched,
                    language=language, author=doc.author or page.author, body_from="page")


class FullTextSource:
    """A feed source whose short entries are replaced by the pages they link to."""

    def __init__(self, inner: Source, reader: PageReader, state: StateStore, *,
                 mode: FullTextMode, short: int) -> None:
        self.inner = inner
        self.id = inner.id
        self.interval = inner.interval
        self._reader = reader
        self._state = state
        self._mode = mode
        self._short = short
        self._hosts: set[str] = set()
        # the page counters as last read or written: the status snapshot shows them every
        # few seconds, and reading them from the state each time (a query per source with
        # PostgreSQL) held the event loop for seconds with thousands of feeds
        self._counts: dict[str, Any] | None = None

    async def __aenter__(self) -> FullTextSource:
        self._counts = self._state.get_state(counts_key(self.id))
        await self._reader.__aenter__()
        try:
            await self.inner.__aenter__()
        except BaseException:
            await self._reader.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.inner.__aexit__(*exc)
        finally:
            await self._reader.__aexit__(*exc)

    def changes(self) -> AsyncIterator[None] | None:
        return self.inner.changes()

    def settling(self) -> float | None:
        return self.inner.settling()

    async def poll(self) -> list[Document]:
        """The inner source's documents, each with its page's text where wanted."""
        docs = await self.inner.poll()
        wanted = [d for d in docs if wants_page(d, self._mode, self._short)]
        if not wanted:
            return docs
        pages = await asyncio.gather(*(self._reader.read(d.url or "") for d in wanted))
        by_id = {d.id: with_page(d, p) for d, p in zip(wanted, pages,
                                                                         strict=True)}
        self._count(pages)
        return [by_id.get(d.id, d) for d in docs]

    def _count(self, pages: Sequence[PageResult]) -> None:
        saved = self._state.get_state(counts_key(self.id))
        counts = {k: int(saved.get(k) or 0) for k in COUNTS}
        for page in pages:
            self._hosts.add(host_of(page.url))
            counts["fetched"] += page.fetched
            counts["extracted"] += page.outcome == "extracted"
            counts["robots"] += page.outcome == "robots"
            counts["skipped"] += page.outcome == "type"
            counts["summary"] += page.outcome != "extracted"
            if page.note:
                saved["last_note"] = page.note
        saved["sites"] = {host: asdict(site) for host, site in self._failing()}
        self._counts = {**saved, **counts}
        self._state.set_state(counts_key(self.id), self._counts)

    def _failing(self) -> list[tuple[str, SiteHealth]]:
        sites = self._reader.fetcher.sites
        return [(h, sites[h]) for h in sorted(self._hosts) if h in sites and sites[h].failures]

    def health(self) -> dict[str, Any]:
        """The inner source's health, its page counters, and the sites that keep failing
        (each shown as a feed, so the feed-health alert reports it)."""
        out = dict(self.inner.health())
        if self._counts is None:
            self._counts = self._state.get_state(counts_key(self.id))
        out["pages"] = pages_health(self._counts)
        failing = [_site_health(self.id, host, site) for host, site in self._failing()]
        if failing:
            out["feeds"] = [*(out.get("feeds") or ()), *failing]
        return out


def pages_health(saved: dict[str, Any]) -> dict[str, Any]:
    """The page counters of a source's saved state."""
    return {k: int(saved.get(k) or 0) for k in COUNTS} | {
        "last_note": saved.get("last_note"), "sites": saved.get("sites") or {}}


def _site_health(source_id: str, host: str, site: SiteHealth) -> dict[str, Any]:
    return {"id": f"{source_id}:site:{host}", "type": "feed", "url": host,
            "failures": site.failures, "failing_since": site.failing_since,
            "last_error": site.last_error, "retry_at": site.paused_until or None}


_READERS: dict[tuple[int, int, PagesConfig, tuple[str, ...]], PageReader] = {}


def shared_reader(ctx: Resources) -> PageReader:
    """The page reader every source built with `ctx` shares (its store, client and
    languages), so the per-host limits hold across them."""
    http = ctx.http or FeedHttp()
    key = (id(ctx.store), id(http), ctx.pages, ctx.languages)
    reader = _READERS.get(key)
    if reader is None:
        fetcher = PoliteFetcher(http, ctx.pages)
        reader = _READERS[key] = PageReader(fetcher, ctx.state("full text"),
                                            languages=ctx.languages)
    return reader


def with_full_text(source: Source, mode: FullTextMode, ctx: Resources) -> Source:
    """`source` with the pages behind its entries (unless `mode` is never)."""
    if mode == "never":
        return source
    reader = shared_reader(ctx)
    return FullTextSource(source, reader, ctx.state("full text"), mode=mode,
                          short=ctx.pages.short)
