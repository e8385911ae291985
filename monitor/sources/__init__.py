"""Sources: where documents come from. Each kind implements the Source protocol in base.py.

`SOURCES` is the registry of source kinds: config `type:` -> class, each made with
`from_config(cfg, ctx)`; `build_source` makes one from its config section. Fetching
sources share the HTTP client the owner (the daemon) puts in `ctx.http`. A kind's module
(and the HTTP client, feed parser or file watcher it needs) is imported when the first
source of that kind is built: commands that only read the state never pay for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from monitor.config import (
    FeedSourceConfig,
    FolderSourceConfig,
    OpmlSourceConfig,
    PageSourceConfig,
    SitemapSourceConfig,
    SourceSection,
)
from monitor.errors import SourceError
from monitor.registry import Registry, Resources
from monitor.sources.base import Source, StateStore
from monitor.sources.feed_state import feed_health, saved_state, state_key

SOURCES: Registry[Source] = Registry("source", "monitor.sources", [
    (FolderSourceConfig, "monitor.sources.directory:DirectorySource"),
    (FeedSourceConfig, "monitor.sources.feed:FeedSource"),
    (OpmlSourceConfig, "monitor.sources.opml:OpmlSource"),
    (SitemapSourceConfig, "monitor.sources.sitemap:SitemapSource"),
    (PageSourceConfig, "monitor.sources.page:PageSource"),
])


def build_source(cfg: SourceSection, ctx: Resources) -> Source:
    """The source described by `cfg`, made with the shared resources in `ctx`; a source
    whose entries link to articles reads them from their pages (fulltext.py): feeds as
    their `full_text:` says, sitemaps and listing pages always."""
    source = SOURCES.build(cfg, ctx)
    mode = getattr(type(source), "reads_pages", None) or getattr(cfg, "full_text", None)
    if not mode:
        return source
    from monitor.sources.fulltext import with_full_text  # pages: HTTP, extraction, workers

    return with_full_text(source, mode, ctx)


def feeds_health(
    sources: Sequence[SourceSection],
    state: StateStore,
) -> list[dict[str, Any]]:
    """The saved health of every feed (those of OPML files included), without fetching.

    What `monitor feeds` shows; works from the state alone, so it runs beside the daemon.
    """
    out: list[dict[str, Any]] = []
    for cfg in sources:
        if isinstance(cfg, FeedSourceConfig | SitemapSourceConfig | PageSourceConfig):
            out.append(_saved(cfg.id, cfg.url, state, enabled=cfg.enabled))
        elif isinstance(cfg, OpmlSourceConfig):
            from monitor.sources.opml import read_opml

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
    saved = saved_state(state.get_state(state_key(feed_id)), url)  # fresh: never polled
    health = feed_health(feed_id, saved, title=title, url=url)
    health["enabled"] = enabled
    if opml:
        health["opml"] = opml
    return dict(health)
