"""Feed tests' fixtures: the test HTTP server (tests/helpers.py: routes with validators,
redirects, scripted failures, gzip, slow and oversize answers; it records every request),
an in-memory state store and an RSS writer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from monitor.sources.base import MemoryState
from tests.helpers import HttpTestServer, Route, http_server

__all__ = ["FeedServer", "MemoryState", "Route", "feed_server", "rss"]


FeedServer = HttpTestServer


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """The test HTTP server on a free port of 127.0.0.1."""
    with http_server() as server:
        yield server


def rss(entries: list[dict[str, str]], *, title: str = "Test feed", encoding: str = "utf-8",
        declared: str | None = None) -> bytes:
    """An RSS 2.0 document; each entry dict may have guid, link, title, description, pubDate."""
    items = []
    for e in entries:
        parts = [f"<{k}>{v}</{k}>" for k, v in e.items()]
        items.append("<item>" + "".join(parts) + "</item>")
    xml = (f'<?xml version="1.0" encoding="{declared or encoding}"?>\n'
           f"<rss version=\"2.0\"><channel><title>{title}</title><link>http://example.org/</link>"
           f"<description>d</description>{''.join(items)}</channel></rss>")
    return xml.encode(encoding)
