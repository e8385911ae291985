"""OpmlSource: every feed listed in an OPML file (what feed readers export), as one source.

Each listed feed is polled like a `type: feed` source with the settings of the OPML
section; its state is kept under its own id `<opml id>.<8 hex digits of its URL>`, and its
documents carry the OPML section's id as their source. The file is read again when it
changes; a feed that fails is logged and does not hold up the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.config import FeedSourceConfig, FetchedSourceConfig, OpmlSourceConfig
from monitor.config_values import check_web_url
from monitor.errors import SourceError
from monitor.models import Document
from monitor.sources.feed import FeedSource
from monitor.sources.fetching import FetchingSource

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class OpmlFeed:
    """One feed listed in an OPML file."""

    id: str
    url: str
    title: str
    language: str | None = None


def read_opml(path: Path, prefix: str) -> list[OpmlFeed]:
    """The feeds an OPML file lists (nested outlines too), each URL once.

    Raises SourceError naming the file when it cannot be read or parsed.
    """
    try:
        root = ET.parse(path).getroot()
    except OSError as exc:
        raise SourceError(prefix, f"cannot read {path}: {exc.strerror or exc}") from exc
    except ET.ParseError as exc:
        raise SourceError(prefix, f"{path}: not valid OPML: {exc}") from exc
    feeds: dict[str, OpmlFeed] = {}
    for outline in root.iter("outline"):
        attrs = {k.lower(): v for k, v in outline.attrib.items()}
        url = (attrs.get("xmlurl") or "").strip()
        if not url.startswith(("http://", "https://")) or url in feeds:
            continue
        try:
            check_web_url(url)
        except ValueError as exc:  # it would fail on every poll: say so once per read
            log.warning("%s: the outline %r is skipped: %s", path, attrs.get("title") or url,
                        exc, extra={"source": prefix})
            continue
        digest = hashlib.sha256(url.encode()).hexdigest()[:8]
        feeds[url] = OpmlFeed(
            id=f"{prefix}.{digest}", url=url,
            title=(attrs.get("title") or attrs.get("text") or url).strip(),
            language=(attrs.get("language") or "").split("-")[0].lower() or None,
        )
    return list(feeds.values())


class OpmlSource(FetchingSource):
    """The feeds of an OPML file, polled together on the section's interval."""

    config_model = OpmlSourceConfig
    cfg: OpmlSourceConfig

    def _setup(self) -> None:
        self._feeds: dict[str, FeedSource] = {}
        self._mtime: int | None = None
        self._error: str | None = None

    def _reload(self) -> None:
        """Read the OPML file again when it changed; keep the feeds already polling."""
        path = Path(self.cfg.path)
        try:
            mtime = path.stat().st_mtime_ns
        except OSError as exc:
            self._error = f"cannot read {path}: {exc.strerror or exc}"
            raise SourceError(self.id, self._error) from exc
        if mtime == self._mtime:
            return
        listed = read_opml(path, self.id)
        feeds: dict[str, FeedSource] = {}
        for item in listed:
            feeds[item.id] = self._feeds.get(item.id) or self._feed(item)
        self._feeds, self._mtime, self._error = feeds, mtime, None
        log.info("source %r: %d feeds listed in %s", self.id, len(feeds), path)

    def _feed(self, item: OpmlFeed) -> FeedSource:
        limits = self.cfg.model_dump(include=set(FetchedSourceConfig.model_fields))
        cfg = FeedSourceConfig(**{**limits, "type": "feed", "id": item.id, "url": item.url,
                                  "language": self.cfg.language or item.language})
        feed = FeedSource(cfg, self._store, http=self._http, backoff_max=self._backoff_max,
                          shared=self._shared)
        return feed.listed_in(self.id, item.title)

    async def poll(self) -> list[Document]:
        """Poll every listed feed (within the shared limits); a failing one is only logged."""
        try:
            self._reload()
        except SourceError as exc:
            self._error = str(exc)
            if not self._feeds:
                raise
            log.warning("%s; polling the feeds read before", exc)
        results = await asyncio.gather(*(f.poll() for f in self._feeds.values()),
                                       return_exceptions=True)
        docs: list[Document] = []
        for feed, result in zip(self._feeds.values(), results, strict=True):
            if isinstance(result, SourceError):
                log.warning("%s", result)
            elif isinstance(result, BaseException):
                log.error("source %r: feed %s failed unexpectedly: %r", self.id, feed.id,
                          result)
            else:
                docs.extend(result)
        return docs

    def health(self) -> dict[str, Any]:
        """The OPML file, its last error, and the health of each listed feed."""
        return {
            "id": self.id, "type": "opml", "path": str(self.cfg.path), "error": self._error,
            "feeds": [f.health() for f in self._feeds.values()],
        }
