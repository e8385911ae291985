"""`type: page`: a section or front page without a feed; its new article links are the news.

Each poll reads the page (politely: robots.txt, per-host limits, as for article pages) and
collects its links; those that match `include` (and no `exclude`) and were not on the page
at the previous poll become documents, whose pages are then fetched and extracted (the
`full_text` path, fulltext.py). At the first poll every matching link is new.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urldefrag, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from monitor.config import PageSourceConfig
from monitor.errors import SourceError
from monitor.models import Document
from monitor.registry import Resources
from monitor.sources.base import StateStore
from monitor.sources.extract import decode_page
from monitor.sources.feed_state import FeedState, feed_health
from monitor.sources.polite import PageUnavailable, PoliteFetcher

log = logging.getLogger(__name__)

SEEN_MAX = 3000  # links remembered from previous polls


def page_links(html: str, base: str, *, include: Iterable[str] = (),
               exclude: Iterable[str] = ()) -> list[str]:
    """The page's http(s) links, absolute, without fragments, each once, in page order,
    kept when they match an `include` pattern (default: same host as the page, another
    path) and no `exclude` pattern."""
    keep = [re.compile(p) for p in include]
    drop = [re.compile(p) for p in exclude]
    home = urlsplit(base)
    out: dict[str, None] = {}
    for node in LexborHTMLParser(html).css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        try:
            url = urldefrag(urljoin(base, href)).url
        except ValueError:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            continue
        if keep:
            if not any(p.search(url) for p in keep):
                continue
        elif parts.netloc != home.netloc or parts.path.rstrip("/") == home.path.rstrip("/"):
            continue
        if not any(p.search(url) for p in drop):
            out.setdefault(url)
    return list(out)


class PageSource:
    """New article links of a listing page, as documents to be fetched and extracted."""

    config_model = PageSourceConfig
    reads_pages = "always"  # every link is read from its page (sources.build_source)

    @classmethod
    def from_config(cls, cfg: PageSourceConfig, ctx: Resources) -> PageSource:
        """The source, reading the page with the fetcher article pages share."""
        from monitor.sources.fulltext import shared_reader

        return cls(cfg, ctx.state(f"source {cfg.id!r}"), shared_reader(ctx).fetcher,
                   languages=ctx.languages)

    def __init__(self, cfg: PageSourceConfig, state: StateStore, fetcher: PoliteFetcher,
                 *, languages: Iterable[str] = ()) -> None:
        self.cfg = cfg
        self.id = cfg.id
        self.interval = cfg.interval
        self._store = state
        self._fetcher = fetcher
        self._languages = tuple(languages)
        self._state = dict(state.get_state(self._key))
        if self._state.get("config_url") != cfg.url:
            self._state = {"config_url": cfg.url, "failures": 0}

    @property
    def _key(self) -> str:
        return f"source:{self.id}"

    async def __aenter__(self) -> PageSource:
        await self._fetcher.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._fetcher.__aexit__(*exc)

    def changes(self) -> None:
        return None

    def settling(self) -> None:
        return None

    async def poll(self) -> list[Document]:
        """Links new since the previous poll (at the first, every one)."""
        now = time.time()
        st = self._state
        st["last_attempt"] = now
        try:
            fetched = await self._fetcher.get(self.cfg.url)
            html = decode_page(fetched.body, fetched.headers.get("content-type", ""),
                               self._languages)
        except (PageUnavailable, ValueError) as exc:
            failures = int(st.get("failures") or 0) + 1
            st.update(last_error=str(exc), failures=failures,
                      failing_since=st.get("failing_since") or now)
            self._save()
            raise SourceError(self.id, f"{exc}; failure {failures}") from None
        links = page_links(html, fetched.url, include=self.cfg.include,
                           exclude=self.cfg.exclude)
        seen = list(st.get("seen") or [])
        known = set(seen)
        new = [u for u in links if u not in known]
        st.update(seen=(seen + [u for u in links if u not in known])[-SEEN_MAX:],
                  last_success=now, last_error=None, failures=0, failing_since=None,
                  status=fetched.status, entries_last=len(links),
                  entries_total=int(st.get("entries_total") or 0) + len(new))
        self._save()
        fetched_at = datetime.fromtimestamp(now, UTC)
        return [Document(id=f"{self.id}:{u}", source=self.id, title="", url=u,
                         fetched=fetched_at, language=self.cfg.language) for u in new]

    def _save(self) -> None:
        self._store.set_state(self._key, dict(self._state))

    def health(self) -> dict[str, Any]:
        """Like a feed's: last attempt and success, failures, links on the page."""
        state = cast(FeedState, {**self._state, "url": self.cfg.url})
        return {**feed_health(self.id, state), "kind": "page"}
