"""Fetching web pages politely: robots.txt, per-host limits, redirects kept to http(s), sites
that keep failing paused instead of retried in a loop.

`PoliteFetcher.get(url)` returns the HTML page's answer or raises `PageUnavailable` saying
why not (kind "robots", "type", "failed" or "paused"). It uses the feeds' `FeedHttp` (its
client, caps and overall limits) and adds, per host: robots.txt fetched once and cached for
a day, at most `per_host` requests at once, `min_delay` between the starts of two requests,
and a failure count that pauses the site after `site_failures` failures in a row.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urljoin, urlsplit

from protego import Protego

from monitor.config import PagesConfig
from monitor.errors import FetchError, MonitorError
from monitor.net import retry_after
from monitor.sources.encoding import looks_binary
from monitor.sources.http import FeedHttp, Fetched, UnwantedType

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
ROBOTS_MAX = 512 * 1024
ROBOTS_TIMEOUT = 15.0
ROBOTS_TTL = 86400.0
PAUSE_FIRST = 600.0
PAUSE_MAX = 6 * 3600.0
RETRY_AFTER_MAX = 24 * 3600.0
REDIRECTS = frozenset({301, 302, 303, 307, 308})

Unavailable = Literal["robots", "type", "failed", "paused"]


class PageUnavailable(MonitorError):
    """The page was not fetched or not usable: `kind` says why, the message says what."""

    def __init__(self, kind: Unavailable, message: str) -> None:
        super().__init__(message)
        self.kind: Unavailable = kind


@dataclass
class SiteHealth:
    """One host's record: consecutive failures, since when, the last error, a pause."""

    failures: int = 0
    failing_since: float | None = None
    last_error: str | None = None
    paused_until: float = 0.0


@dataclass
class _Host:
    gate: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0
    robots: Protego | None = None
    robots_at: float | None = None  # monotonic time robots.txt was read; None: never
    robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class PoliteFetcher:
    """Page fetches shared by every source, with per-host politeness (see the module doc)."""

    def __init__(self, http: FeedHttp, cfg: PagesConfig) -> None:
        self.cfg = cfg
        self._http = http
        self._hosts: dict[str, _Host] = {}
        self.sites: dict[str, SiteHealth] = {}
        self.notes: dict[str, str] = {}  # host -> what was odd about its robots.txt
        self._users = 0

    async def __aenter__(self) -> PoliteFetcher:
        await self._http.__aenter__()
        if not self._users:
            self._hosts = {}  # their locks belong to the event loop of the last use
        self._users += 1
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._users -= 1
        await self._http.__aexit__(*exc)

    async def get(self, url: str) -> Fetched:
        """The 2xx HTML answer for `url` after at most `max_redirects` redirects."""
        seen: list[str] = []
        for _ in range(self.cfg.max_redirects + 1):
            scheme = urlsplit(url).scheme.lower()
            if scheme not in ("http", "https"):
                where = f" (redirected from {seen[-1]})" if seen else ""
                raise PageUnavailable("failed", f"{url}: a {scheme or 'relative'}: URL{where};"
                                      " only http and https pages are fetched")
            if url in seen:
                raise PageUnavailable("failed", f"{seen[0]}: a redirect loop at {url}")
            seen.append(url)
            fetched = await self._one(url)
            location = fetched.headers.get("location")
            if fetched.status not in REDIRECTS or not location:
                return self._usable(url, fetched)
            url = urljoin(url, location.strip())
        raise PageUnavailable("failed", f"{seen[0]}: more than {self.cfg.max_redirects} "
                              "redirects")

    async def _one(self, url: str) -> Fetched:
        host = host_of(url)
        self._check_paused(host)
        if self.cfg.robots and not await self._allowed(url, host):
            raise PageUnavailable("robots", f"{url}: disallowed by {host}/robots.txt")
        try:
            async with self._slot(host):
                self._check_paused(host)  # the site may have failed while this one waited
                fetched = await self._http.fetch(
                    url, headers={"User-Agent": self.cfg.user_agent, "Accept": ACCEPT_HTML},
                    max_size=self.cfg.max_size, timeout=self.cfg.timeout, follow=False,
                    types=HTML_TYPES)
        except UnwantedType as exc:
            raise PageUnavailable("type", f"{url}: {exc}; skipped") from None
        except FetchError as exc:
            raise self._failed(host, f"{url}: {exc}") from None
        return fetched

    def _check_paused(self, host: str) -> None:
        site = self.sites.setdefault(host, SiteHealth())
        now = time.time()
        if site.paused_until > now:
            raise PageUnavailable("paused", f"{host} is paused for {site.paused_until - now:.0f}"
                                  f" s after {site.failures} failures: {site.last_error}")

    def _usable(self, url: str, fetched: Fetched) -> Fetched:
        host = host_of(url)
        status = fetched.status
        if 200 <= status < 300:
            self._succeeded(host)
            return fetched
        if status in (429, 503):
            wait = retry_after(fetched.headers.get("retry-after"), time.time())
            raise self._failed(host, f"{url}: HTTP {status}", wait=wait)
        if status >= 500:
            raise self._failed(host, f"{url}: HTTP {status}")
        self._succeeded(host)  # the site answered; this page is missing or refused
        raise PageUnavailable("failed", f"{url}: HTTP {status}")

    # ------------------------------------------------------------ hosts

    def _host(self, host: str) -> _Host:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host(gate=asyncio.Semaphore(self.cfg.per_host))
        return state

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        """At most `per_host` requests at once, starts at least `min_delay` apart."""
        state = self._host(host)
        async with state.gate:
            async with state.lock:
                wait = state.next_start - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                state.next_start = time.monotonic() + self.cfg.min_delay
            yield

    def _succeeded(self, host: str) -> None:
        site = self.sites.setdefault(host, SiteHealth())
        if site.failures:
            log.info("site %s answers again after %d failures", host, site.failures)
        self.sites[host] = SiteHealth()

    def _failed(self, host: str, error: str, wait: float | None = None) -> PageUnavailable:
        site = self.sites.setdefault(host, SiteHealth())
        now = time.time()
        site.failures += 1
        site.failing_since = site.failing_since or now
        site.last_error = error
        over = site.failures - self.cfg.site_failures
        pause = min(PAUSE_FIRST * 2**over, PAUSE_MAX) if over >= 0 else 0.0
        if wait is not None:
            pause = max(pause, min(max(wait, 0.0), RETRY_AFTER_MAX))
        if pause:
            site.paused_until = now + pause
            log.warning("site %s paused for %.0f s after %d failure(s): %s", host, pause,
                        site.failures, error)
        return PageUnavailable("failed", error)

    # ------------------------------------------------------------ robots.txt

    async def _allowed(self, url: str, host: str) -> bool:
        state = self._host(host)
        async with state.robots_lock:
            if state.robots_at is None or time.monotonic() - state.robots_at > ROBOTS_TTL:
                state.robots = await self._robots(host)
                state.robots_at = time.monotonic()
        return state.robots is None or bool(state.robots.can_fetch(url, self.cfg.user_agent))

    async def _robots(self, host: str) -> Protego | None:
        """The host's robots.txt rules; None (everything allowed) when there are none or
        they cannot be read (huge, garbage, unreachable: noted and logged)."""
        try:
            async with self._slot(host):
                fetched = await self._http.fetch(
                    f"{host}/robots.txt", headers={"User-Agent": self.cfg.user_agent},
                    max_size=ROBOTS_MAX, timeout=ROBOTS_TIMEOUT)
        except FetchError as exc:
            return self._note(host, f"cannot be read ({exc})")
        if not 200 <= fetched.status < 300:
            if fetched.status >= 500:
                return self._note(host, f"answered HTTP {fetched.status}")
            return None  # no robots.txt: everything is allowed
        if looks_binary(fetched.body):
            return self._note(host, "is not text")
        try:
            return Protego.parse(fetched.body.decode("utf-8", "replace"))
        except Exception as exc:  # any text at all must not stop the site being read
            return self._note(host, f"cannot be parsed ({type(exc).__name__})")

    def _note(self, host: str, problem: str) -> Protego | None:
        note = f"{host}/robots.txt {problem}; treated as allowing everything"
        if self.notes.get(host) != note:
            log.warning("%s", note)
        self.notes[host] = note
        return None


ACCEPT_HTML = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"


def host_of(url: str) -> str:
    """scheme://host[:port] of a URL: the unit of robots.txt and politeness."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"
