"""A feed's redirects, followed hop by hop so that its configured headers (credentials, API
keys, cookies) reach only the origin they were configured for.

Each hop is a new request: the feed's own headers (`private`) go with it only when its URL
is on the configured URL's origin (the same scheme, host and port, or the same host moved
from http to https on the default ports); everything else (validators, the shared client's
defaults) goes everywhere. httpx, left to follow redirects itself, drops only
`Authorization`, and only on the hop that leaves the origin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

MAX_REDIRECTS = 10
DEFAULT_PORTS = {"http": 80, "https": 443}


def same_origin(url: str, home: str) -> bool:
    """Whether `url` may receive the headers configured for `home`."""
    a, b = httpx.URL(url), httpx.URL(home)
    if a.host != b.host:
        return False
    port_a = a.port or DEFAULT_PORTS.get(a.scheme)
    port_b = b.port or DEFAULT_PORTS.get(b.scheme)
    if a.scheme == b.scheme:
        return port_a == port_b
    # the same host moved to https on the default ports: safer than before
    return (b.scheme, a.scheme) == ("http", "https") and (port_b, port_a) == (80, 443)


@dataclass(frozen=True)
class Hop:
    """One redirect on the way: its status and where it pointed."""

    status: int
    location: str


@asynccontextmanager
async def follow_hops(
    client: httpx.AsyncClient, url: str, *, headers: Mapping[str, str],
    private: Mapping[str, str], home: str, timeout: httpx.Timeout, follow: bool = True,
) -> AsyncIterator[tuple[httpx.Response, tuple[Hop, ...]]]:
    """GET `url`, following up to MAX_REDIRECTS redirects (none when not `follow`); yield
    the final answer (its body not read yet) and the redirects on the way."""
    hops: list[Hop] = []
    while True:
        sent = {**headers, **(private if same_origin(url, home) else {})}
        request = client.build_request("GET", url, headers=sent, timeout=timeout)
        response = await client.send(request, stream=True, follow_redirects=False)
        following = response.next_request
        if following is None or not follow:
            break
        await response.aclose()
        if len(hops) == MAX_REDIRECTS:
            raise httpx.TooManyRedirects("too many redirects", request=request)
        url = str(following.url)
        hops.append(Hop(response.status_code, url))
    try:
        yield response, tuple(hops)
    finally:
        await response.aclose()
