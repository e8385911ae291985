"""FeedSource: an RSS, Atom or JSON feed polled politely with conditional GET.

What a feed remembers lives in the store under `source:<id>` (a `FeedState`, see
sources/feed_state.py): the validators (ETag, Last-Modified), the URL after a permanent
redirect, and its health. A failing feed backs off exponentially (capped) and keeps being
retried; 429/503 wait as long as Retry-After says; 410 Gone disables the feed until its
URL is changed in config.yaml. A 304 costs a request and nothing else.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from monitor.config import FeedSourceConfig
from monitor.errors import FetchError, SourceError
from monitor.models import Document
from monitor.net import retry_after
from monitor.sources.entries import ParsedFeed, entries_to_documents, parse_feed
from monitor.sources.feed_state import (
    FeedHealth,
    FeedState,
    feed_health,
    saved_state,
    state_key,
)
from monitor.sources.fetching import FetchingSource
from monitor.sources.http import Fetched
from monitor.sources.redirects import same_origin

log = logging.getLogger(__name__)

RETRY_AFTER_MAX = 24 * 3600.0  # a bogus Retry-After must not silence a feed for longer


class FeedSource(FetchingSource):
    """Documents from one feed. Several feeds share one `FeedHttp` (and its limits)."""

    config_model = FeedSourceConfig
    cfg: FeedSourceConfig

    def _setup(self) -> None:
        self.title: str | None = None
        self._doc_source = self.cfg.id  # the source id its documents carry
        self._hashes: dict[str, str] = {}  # entry id -> content hash, from the last fetch
        self._state = self._load()

    def listed_in(self, source_id: str, title: str) -> FeedSource:
        """This feed as one listed by another source (an OPML file): its documents carry
        that source's id, its health the feed's title."""
        self._doc_source, self.title = source_id, title
        return self

    def _load(self) -> FeedState:
        return saved_state(self._store.get_state(state_key(self.id)), self.cfg.url)

    # ------------------------------------------------------------ polling

    async def poll(self) -> list[Document]:
        """Fetch the feed unless it is disabled or backing off; return new or changed entries.

        Raises SourceError when the feed could not be fetched or was not a feed; its
        health says when it will be tried again.
        """
        if self._shared:  # the last poll may have been another node's
            self._state = self._load()
        st = self._state
        now = time.time()
        if st.get("disabled") or (st.get("retry_at") or 0.0) > now:
            return []
        st["last_attempt"] = now
        try:
            fetched = await self._http.fetch(
                st.get("url") or self.cfg.url, headers=self._request_headers(),
                private=self.cfg.headers, home=self.cfg.url,
                max_size=self.cfg.max_size, timeout=self.cfg.timeout,
            )
        except FetchError as exc:
            raise self._failed(now, str(exc), status=None) from None
        if fetched.permanent_url and fetched.status < 400:
            self._moved(fetched.permanent_url)
        elif fetched.status < 400:
            self._state["moved"] = None
        if 200 <= fetched.status < 300:
            # parsing is CPU work: off the event loop, so other sources keep moving
            try:
                parsed, docs = await asyncio.to_thread(self._convert, fetched, now)
            except Exception as exc:  # whatever the bytes were, the feed is only failing
                log.exception("feed %r: the answer could not be parsed", self.id)
                raise self._failed(now, f"cannot parse the answer: {exc!r}",
                                   status=fetched.status) from None
            return self._parsed(fetched, now, parsed, docs)
        return self._answer(fetched, now)

    def _moved(self, url: str) -> None:
        if self.cfg.headers and not same_origin(url, self.cfg.url):
            # its headers are for the configured origin only: the user decides
            if url != self._state.get("moved"):
                log.warning("feed %r moved permanently to another origin, %s; its headers are "
                            "not sent there, and it is still polled at its configured URL: "
                            "put the new URL in the config if you trust it", self.id, url)
            self._state["moved"] = url
            return
        self._state["moved"] = None
        if url != self._state.get("url"):
            log.info("feed %r moved permanently to %s", self.id, url)
            self._state["url"] = url

    def _request_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}  # the configured ones go as `private` (own origin)
        etag, modified = self._state.get("etag"), self._state.get("last_modified")
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        return headers

    def _answer(self, fetched: Fetched, now: float) -> list[Document]:
        status = fetched.status
        if status == 304:
            self._succeeded(now, fetched, entries=None)
            return []
        if status == 410:
            raise self._gone(now)
        if status in (429, 503):
            wait = retry_after(fetched.headers.get("retry-after"), now)
            raise self._failed(now, f"HTTP {status} (rate-limited or unavailable)",
                               status=status, wait=wait)
        raise self._failed(now, f"HTTP {status}", status=status)

    def _convert(self, fetched: Fetched, now: float) -> tuple[ParsedFeed, list[Document]]:
        parsed = parse_feed(fetched.body, headers=fetched.headers)
        docs = entries_to_documents(
            parsed.entries, source=self._doc_source, id_prefix=self.id, base_url=fetched.url,
            fetched=datetime.fromtimestamp(now, UTC), language=self.cfg.language,
        ) if parsed.is_feed else []
        return parsed, docs

    def _parsed(
        self, fetched: Fetched, now: float, parsed: ParsedFeed, docs: list[Document]
    ) -> list[Document]:
        if not parsed.is_feed:
            kind = fetched.headers.get("content-type", "unknown type")
            raise self._failed(now, f"not a feed ({kind}): {parsed.problem or 'no entries'}",
                               status=fetched.status)
        if parsed.problem:
            log.info("feed %r is ill-formed, kept what could be read: %s", self.id,
                     parsed.problem)
        self._state["problem"] = parsed.problem
        self._succeeded(now, fetched, entries=len(parsed.entries))
        hashes = {d.id: d.content_hash for d in docs}
        fresh = [d for d in docs if self._hashes.get(d.id) != hashes[d.id]]
        self._hashes = hashes
        return fresh

    # ------------------------------------------------------------ outcomes

    def _succeeded(self, now: float, fetched: Fetched, *, entries: int | None) -> None:
        st = self._state
        if st.get("failures"):
            log.info("feed %r recovered after %d failures", self.id, st.get("failures"))
        st.update(FeedState(status=fetched.status, last_success=now, last_error=None,
                            failures=0, failing_since=None, backoff=0.0, retry_at=None,
                            next_poll=now + self.interval))
        if "etag" in fetched.headers or fetched.status != 304:
            st["etag"] = fetched.headers.get("etag")
        if "last-modified" in fetched.headers or fetched.status != 304:
            st["last_modified"] = fetched.headers.get("last-modified")
        if entries is not None:
            st["entries_last"] = entries
            st["entries_total"] = st.get("entries_total", 0) + entries
        self._save()

    def _failed(
        self, now: float, error: str, *, status: int | None, wait: float | None = None
    ) -> SourceError:
        st = self._state
        failures = st.get("failures", 0) + 1
        backoff = min(self.interval * 2 ** (failures - 1), self._backoff_max)
        if wait is not None:
            backoff = min(max(wait, 0.0), RETRY_AFTER_MAX)
        # a delay up to one interval is what the scheduler does anyway: no extra gate
        retry_at = now + backoff if wait is not None or backoff > self.interval else None
        st.update(FeedState(status=status, last_error=error, failures=failures,
                            backoff=backoff, retry_at=retry_at,
                            failing_since=st.get("failing_since") or now,
                            next_poll=max(now + self.interval, retry_at or 0.0)))
        self._save()
        when = f"retrying in {backoff:.0f} s" if retry_at else "retrying on the next interval"
        return SourceError(self.id, f"{error}; failure {failures}, {when}")

    def _gone(self, now: float) -> SourceError:
        st = self._state
        disabled = ("410 Gone: the feed was removed; it is no longer polled "
                    "(change its url in the config to poll it again)")
        st.update(FeedState(status=410, failures=st.get("failures", 0) + 1,
                            failing_since=st.get("failing_since") or now, retry_at=None,
                            next_poll=None, disabled=disabled, last_error="HTTP 410 Gone"))
        self._save()
        return SourceError(self.id, disabled)

    def _save(self) -> None:
        self._store.set_state(state_key(self.id), dict(self._state))

    def health(self) -> FeedHealth:
        """Last attempt and success (unix times), HTTP status, last error, consecutive
        failures, failing since, next poll, backoff, disabled (410), entries seen."""
        return feed_health(self.id, self._state, title=self.title)
