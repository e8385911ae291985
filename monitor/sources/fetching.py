"""What the sources fetched over HTTP share (feeds, OPML lists of feeds): the HTTP client
and its lifecycle, the backoff cap, the config's fetch limits and the uniform constructor."""

from __future__ import annotations

from typing import Any, Self

from monitor.config import FetchedSourceConfig
from monitor.registry import Resources
from monitor.sources.base import StateStore
from monitor.sources.http import FeedHttp

BACKOFF_MAX = 6 * 3600.0


class FetchingSource:
    """Base of the sources polled over HTTP. The client is the owner's (`ctx.http`, shared
    by all of them with its limits) or, used alone, one of the source's own; entering the
    source enters it (the client counts its users and closes after the last)."""

    cfg: FetchedSourceConfig

    def __init__(
        self,
        cfg: FetchedSourceConfig,
        state: StateStore,
        *,
        http: FeedHttp | None = None,
        backoff_max: float = BACKOFF_MAX,
        shared: bool = False,
    ) -> None:
        self.cfg = cfg
        self.id = cfg.id
        self.interval = cfg.interval
        self._store = state
        self._http = http or FeedHttp()
        self._backoff_max = backoff_max
        # several daemons poll it in turn: each poll starts from the state the last one
        # saved, whichever node that was (its validators: a 304, not the whole feed again)
        self._shared = shared
        self._setup()

    def _setup(self) -> None:
        """Set up what the kind keeps besides (its constructor takes no more arguments)."""

    @classmethod
    def from_config(cls, cfg: Any, ctx: Resources) -> Self:
        """The source for a config section, with the owner's store, client and backoff cap."""
        return cls(cfg, ctx.state(f"source {cfg.id!r}"), http=ctx.http,
                   backoff_max=ctx.feeds.backoff_max, shared=ctx.shared)

    async def __aenter__(self) -> Self:
        await self._http.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.__aexit__(*exc)

    def changes(self) -> None:
        """Fetched sources are only polled on their interval."""
        return None

    def settling(self) -> None:
        """A fetched source reads everything it fetched."""
        return None
