"""Sources: where documents come from. Each kind implements the Source protocol in base.py.

`SOURCES` is the registry of source kinds: config `type:` -> class, each made with
`from_config(cfg, ctx)`; `build_source` makes one from its config section. Fetching
sources share the HTTP client the owner (the daemon) puts in `ctx.http`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from monitor.config import FeedSourceConfig, OpmlSourceConfig, SourceSection
from monitor.errors import SourceError
from monitor.registry import Registry, Resources
from monitor.sources.base import Source, StateStore
from monitor.sources.directory import DirectorySource
from monitor.sources.feed import FeedSource
from monitor.sources.feed_state import feed_health, saved_state, state_key
from monitor.sources.opml import OpmlSource, read_opml

SOURCES: Registry[Source] = Registry(
    "source", "monitor.sources", [DirectorySource, FeedSource, OpmlSource]
)


def build_source(cfg: SourceSection, ctx: Resources) -> Source:
    """The source described by `cfg`, made with the shared resources in `ctx`."""
    return SOURCES.build(cfg, ctx)


def feeds_health(
    sources: Sequence[SourceSection],
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
    saved = saved_state(state.get_state(state_key(feed_id)), url)  # fresh: never polled
    health = feed_health(feed_id, saved, title=title, url=url)
    health["enabled"] = enabled
    if opml:
        health["opml"] = opml
    return dict(health)
