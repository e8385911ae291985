"""`monitor test https://...`: the documents a web page or a feed gives, as the daemon reads
them (politely, with the `pages:` settings; a feed's entries with their pages' full text)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from monitor.config import Config
from monitor.errors import DocumentError, FetchError
from monitor.models import Document
from monitor.sources.base import MemoryState
from monitor.sources.entries import entries_to_documents, parse_feed
from monitor.sources.extract import decode_page, extract_page
from monitor.sources.fulltext import FullTextSource, PageReader
from monitor.sources.http import FeedHttp
from monitor.sources.polite import PageUnavailable, PoliteFetcher

MAX_ENTRIES = 20  # a feed's first entries read (each may cost a page fetch)
SHOWN_LINES = 3


def url_documents(url: str, config: Config) -> list[Document]:
    """The documents at `url`: its entries if it is a feed, else the page's article."""
    return asyncio.run(_read(url, config))


async def _read(url: str, config: Config) -> list[Document]:
    http = FeedHttp.from_config(config.feeds)
    async with http:
        try:
            fetched = await http.fetch(url, headers={"User-Agent": config.pages.user_agent},
                                       max_size=config.pages.max_size,
                                       timeout=config.pages.timeout)
        except FetchError as exc:
            raise DocumentError(f"{url}: {exc}") from None
        if fetched.status != 200:
            raise DocumentError(f"{url}: HTTP {fetched.status}")
        now = datetime.now(UTC)
        parsed = await asyncio.to_thread(parse_feed, fetched.body, headers=fetched.headers)
        if parsed.is_feed and parsed.entries:
            docs = entries_to_documents(parsed.entries[:MAX_ENTRIES], source="test",
                                        base_url=fetched.url, fetched=now)
            return await _with_pages(docs, http, config)
        try:
            html = decode_page(fetched.body, fetched.headers.get("content-type", ""),
                               config.languages)
        except ValueError as exc:
            raise DocumentError(f"{url}: cannot read the page: {exc}") from None
        page = await asyncio.to_thread(extract_page, html, fetched.url)
        return [Document(id=f"test:{url}", source="test", title=page.title, body=page.text,
                         url=url, published=page.published, fetched=now, body_from="page")]


async def _with_pages(docs: list[Document], http: FeedHttp, config: Config) -> list[Document]:
    state = MemoryState()
    reader = PageReader(PoliteFetcher(http, config.pages), state, languages=config.languages)

    class _Given:
        id = "test"
        interval = 0.0

        async def __aenter__(self) -> _Given:
            return self

        async def __aexit__(self, *exc: object) -> None:
            return None

        async def poll(self) -> list[Document]:
            return docs

        def changes(self) -> None:
            return None

        def settling(self) -> None:
            return None

        def health(self) -> dict[str, Any]:
            return {}

    source = FullTextSource(_Given(), reader, state, mode="auto", short=config.pages.short)
    async with source:
        try:
            return await source.poll()
        except PageUnavailable as exc:  # not expected: pages fall back on their own
            raise DocumentError(str(exc)) from None


def first_lines(doc: Document, count: int = SHOWN_LINES, width: int = 100) -> list[str]:
    """The first lines of the document's text, shortened, for a quick look."""
    lines = [line.strip() for line in doc.body.splitlines() if line.strip()][:count]
    return [line if len(line) <= width else line[: width - 1] + "…" for line in lines]
