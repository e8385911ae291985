"""Sources: where documents come from. Each kind implements the Source protocol in base.py.

`SOURCES` maps the config `type:` to the class; `build_source` makes one from its config.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.config import FeedSourceConfig, FolderSourceConfig
from monitor.sources.base import Source, StateStore
from monitor.sources.directory import DirectorySource

SOURCES: dict[str, type] = {
    "folder": DirectorySource,
}


def build_source(cfg: FolderSourceConfig | FeedSourceConfig, state: StateStore, *,
                 languages: Sequence[str]) -> Source:
    """The source described by `cfg`; `state` keeps what it must remember between runs."""
    if isinstance(cfg, FolderSourceConfig):
        return DirectorySource(cfg, languages=languages)
    raise TypeError(f"no source for type {cfg.type!r}")
