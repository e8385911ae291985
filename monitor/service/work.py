"""Work in flight and the graceful stop: polls and outbox passes count themselves busy;
on SIGTERM nothing new starts and what is under way gets a grace period to finish."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

log = logging.getLogger(__name__)


class Work:
    """Counts the work under way; `stopping` once a stop began."""

    def __init__(self) -> None:
        self.stopping = False  # finish the document or send in hand, start nothing
        self._inflight = 0

    @contextlib.asynccontextmanager
    async def busy(self) -> AsyncIterator[None]:
        """Hold while a poll or an outbox pass is under way."""
        self._inflight += 1
        try:
            yield
        finally:
            self._inflight -= 1

    async def finish(self, grace: float, busy: Callable[[], bool] = lambda: False) -> None:
        """Stop starting work; wait up to `grace` seconds for what is under way (and while
        `busy()`, e.g. the outbox's sends started without waiting)."""
        self.stopping = True
        deadline = time.monotonic() + grace
        while (self._inflight or busy()) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if self._inflight:
            log.warning("stopping: work still busy after %.0f s is abandoned; it is done "
                        "again at the next start", grace)
