"""Sources: where documents come from. Each kind implements the Source protocol in base.py.

`SOURCES` maps the config `type:` to the class; `build_source` makes one from its config.
All feeds built here share one HTTP client and its limits (`feeds:` in config.yaml).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from monitor.config import FeedsConfig, FeedSourceConfig, FolderSourceConfig, OpmlSourceConfig
from monitor.errors import SourceError
from monitor.sources.base import Source, StateStore
from monitor.sources.directory import DirectorySource
from monitor.sources.feed import FeedSource, feed_health, state_key
from monitor.sources.http import FeedHttp
from monitor.sources.opml import OpmlSource, read_opml

SOURCES: dict[str, type] = {
    "folder": DirectorySource,
    "feed": FeedSource,
    "opml": OpmlSource,
}

_SHARED: dict[tuple[int, int], FeedHttp] = {}


def shared_http(feeds: FeedsConfig | None = None) -> FeedHttp:
    """The HTTP client shared by all feeds with these limits (opened by the first feed
    entered, closed when the last one exits)."""
    feeds = feeds or FeedsConfig()
    key = (feeds.max_concurrent, feeds.per_host)
    if key not in _SHARED:
        _SHARED[key] = FeedHttp(max_concurrent=feeds.max_concurrent, per_host=feeds.per_host)
    return _SHARED[key]


def build_source(
    cfg: FolderSourceConfig | FeedSourceConfig | OpmlSourceConfig,
    state: StateStore,
    *,
    languages: Sequence[str],
    feeds: FeedsConfig | None = None,
) -> Source:
    """The source described by `cfg`; `state` keeps what it must remember between runs.

    `feeds` (config.yaml's `feeds:` section) sets the shared limits and backoff of feeds.
    """
    feeds = feeds or FeedsConfig()
    if isinstance(cfg, FolderSourceConfig):
        return DirectorySource(cfg, languages=languages)
    if isinstance(cfg, FeedSourceConfig):
        return FeedSource(cfg, state, http=shared_http(feeds), backoff_max=feeds.backoff_max)
    if isinstance(cfg, OpmlSourceConfig):
        return OpmlSource(cfg, state, http=shared_http(feeds), backoff_max=feeds.backoff_max)
    raise TypeError(f"no source for type {cfg.type!r}")


def feeds_health(
    sources: Sequence[FolderSourceConfig | FeedSourceConfig | OpmlSourceConfig],
    state: StateStore,
) -> list[dict[str, Any]]:
    """The saved health of every feed (those of OPML files included), without fetching.

    What `monitor feeds` shows; works from the state alone, so it runs beside the daemon.
    """
    out: list[dict[str, Any]] = []
    for cfg in sources:
        if isinstance(cfg, FeedSourceConfig):
            out.append(_saved(cfg.id, cfg.url, state, enabled=cfg.enabled))
        elif isinstance(cfg, OpmlSourceConfig):
            try:
                listed = read_opml(Path(cfg.path), cfg.id)
            except SourceError as exc:
                out.append({"id": cfg.id, "type": "opml", "ok": False, "last_error": str(exc),
                            "failures": 0, "entries_total": 0})
                continue
            for item in listed:
                out.append(_saved(item.id, item.url, state, enabled=cfg.enabled,
                                  title=item.title, opml=cfg.id))
    return out


def _saved(feed_id: str, url: str, state: StateStore, *, enabled: bool,
           title: str | None = None, opml: str | None = None) -> dict[str, Any]:
    saved = state.get_state(state_key(feed_id))
    if saved.get("config_url") != url:  # never polled at this URL
        saved = {}
    health = feed_health(feed_id, saved, title=title, url=url)
    health["enabled"] = enabled
    if opml:
        health["opml"] = opml
    return health
