"""Sources: where documents come from. Each kind implements the Source protocol in base.py.

`SOURCES` maps the config `type:` to the class; `build_source` makes one from its config.
All feeds built here share one HTTP client and its limits (`feeds:` in config.yaml).
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.config import FeedsConfig, FeedSourceConfig, FolderSourceConfig, OpmlSourceConfig
from monitor.sources.base import Source, StateStore
from monitor.sources.directory import DirectorySource
from monitor.sources.feed import FeedSource
from monitor.sources.http import FeedHttp
from monitor.sources.opml import OpmlSource

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
