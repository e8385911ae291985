"""The HTTP side of feeds: one shared httpx client, politeness limits, capped downloads.

`FeedHttp` is shared by every feed of a daemon: at most `max_concurrent` fetches at once
overall and `per_host` per host. `fetch()` never raises for HTTP answers (a 500 is a
`Fetched` with status 500); it raises `FetchError` when no answer could be had. httpx is
imported at the first fetch: a daemon with no feed does not load it (0.1-0.3 s).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from monitor import USER_AGENT
from monitor.config import FeedsConfig
from monitor.errors import DecodeError, FetchError
from monitor.net import system_reason
from monitor.sources.decode import Decoder

if TYPE_CHECKING:
    import httpx

    from monitor.sources.redirects import Hop

ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
CONNECT_TIMEOUT = 10.0
PERMANENT = frozenset({301, 308})


class UnwantedType(FetchError):
    """A successful answer of a content type the caller did not ask for (not downloaded)."""


@dataclass(frozen=True, kw_only=True)
class Fetched:
    """An HTTP answer. `url` is where it came from after redirects; `permanent_url` is set
    when every redirect on the way was permanent (301/308), i.e. the feed has moved."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str
    permanent_url: str | None = None
    redirects: tuple[int, ...] = ()
    elapsed: float = 0.0


@dataclass
class FeedHttp:
    """A shared client with an overall and a per-host limit on concurrent fetches."""

    max_concurrent: int = 20
    per_host: int = 2
    _client: httpx.AsyncClient | None = None
    _users: int = 0
    _overall: asyncio.Semaphore | None = None
    _hosts: dict[str, asyncio.Semaphore] = field(default_factory=dict)

    @classmethod
    def from_config(cls, feeds: FeedsConfig) -> FeedHttp:
        """The client with the limits of config.yaml's `feeds:` section."""
        return cls(max_concurrent=feeds.max_concurrent, per_host=feeds.per_host)

    async def __aenter__(self) -> FeedHttp:
        if self._users == 0:
            self._overall = asyncio.Semaphore(self.max_concurrent)
            self._hosts = {}
        self._users += 1
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._users -= 1
        if self._users <= 0:
            client, self._client, self._overall = self._client, None, None
            self._users = 0
            if client is not None:
                await client.aclose()

    def _opened(self) -> httpx.AsyncClient:
        """The httpx client, made at the first fetch (making one costs about 0.1 s, which a
        daemon with no feeds should not pay)."""
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(
                follow_redirects=False,  # followed hop by hop (redirects.py)
                limits=httpx.Limits(max_connections=self.max_concurrent,
                                    max_keepalive_connections=self.max_concurrent),
                # only what sources/decode.py decodes in bounded steps
                headers={"User-Agent": USER_AGENT, "Accept": ACCEPT,
                         "Accept-Encoding": "gzip, deflate, br"},
                trust_env=True,
            )
        return self._client

    def _host_limit(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.lower()
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.per_host)
        return sem

    async def fetch(
        self, url: str, *, headers: Mapping[str, str], max_size: int, timeout: float,
        follow: bool = True, types: tuple[str, ...] = (),
        private: Mapping[str, str] | None = None, home: str | None = None,
    ) -> Fetched:
        """GET `url` with the given extra headers; the body is decompressed and capped.

        `follow=False` returns redirects as they are; `types` (e.g. ("text/html",)) refuses
        a 2xx answer of another declared content type with UnwantedType, before its body.
        `private` headers (a feed's credentials) go only to `home`'s origin (default `url`),
        on every redirect hop.
        """
        if self._overall is None:
            raise RuntimeError("FeedHttp is used outside `async with`")
        import httpx

        from monitor.sources.redirects import MAX_REDIRECTS

        async with self._overall, self._host_limit(url):
            started = time.monotonic()
            try:
                async with asyncio.timeout(timeout):
                    return await self._get(self._opened(), url, headers, max_size, started,
                                           follow, types, private or {}, home or url)
            except TimeoutError:
                raise FetchError(f"no complete answer within {timeout:g} s") from None
            except httpx.TooManyRedirects:
                raise FetchError(f"more than {MAX_REDIRECTS} redirects") from None
            except httpx.InvalidURL as exc:
                raise FetchError(f"invalid URL: {exc}") from None
            except httpx.HTTPError as exc:
                raise FetchError(_describe(exc)) from None

    async def _get(
        self, client: httpx.AsyncClient, url: str, headers: Mapping[str, str],
        max_size: int, started: float, follow: bool = True, types: tuple[str, ...] = (),
        private: Mapping[str, str] | None = None, home: str | None = None,
    ) -> Fetched:
        import httpx

        from monitor.sources.redirects import follow_hops

        timeout = httpx.Timeout(30.0, connect=CONNECT_TIMEOUT)
        async with follow_hops(client, url, headers=headers, private=private or {},
                               home=home or url, timeout=timeout, follow=follow) as (resp, hops):
            kind = resp.headers.get("content-type", "").split(";")[0].strip().lower()
            if types and resp.is_success and kind and kind not in types:
                raise UnwantedType(f"not HTML but {kind}")
            declared = resp.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_size:
                raise FetchError(f"the answer is {declared} bytes, over the limit of {max_size}")
            chunks: list[bytes] = []
            size = 0
            try:  # decoded step by step: the cap applies to decoded bytes, bombs included
                decoder = Decoder(resp.headers.get("content-encoding", ""))
                async for raw in resp.aiter_raw():
                    for chunk in decoder.feed(raw):
                        size += len(chunk)
                        if size > max_size:
                            raise FetchError(
                                f"the answer is over the limit of {max_size} bytes")
                        chunks.append(chunk)
            except DecodeError as exc:
                raise FetchError(str(exc)) from None
            return Fetched(
                status=resp.status_code,
                headers={k.lower(): v for k, v in resp.headers.items()},
                body=b"".join(chunks),
                url=str(resp.url),
                permanent_url=_permanent(resp, hops),
                redirects=tuple(h.status for h in hops),
                elapsed=time.monotonic() - started,
            )


def _permanent(resp: httpx.Response, hops: tuple[Hop, ...]) -> str | None:
    if hops and all(h.status in PERMANENT for h in hops):
        return str(resp.url)
    return None


def _describe(exc: httpx.HTTPError) -> str:
    import httpx

    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {system_reason(exc) or text}"
    if isinstance(exc, httpx.DecodingError):
        return f"cannot decompress the answer: {text}"
    return text


