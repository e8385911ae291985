"""Work in flight and the graceful stop: polls and outbox passes count themselves busy;
on SIGTERM nothing new starts and what is under way gets a grace period to finish."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Collection
from typing import Any

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

    async def end(self, tasks: Collection[asyncio.Task[Any]], wait: float) -> None:
        """Cancel the daemon's own tasks and wait up to `wait` seconds for them to end;
        one that does not is named in the log and left behind (the exit ends it)."""
        for task in tasks:
            task.cancel()
        if not tasks:
            return
        ended, late = await asyncio.wait(tasks, timeout=wait)
        for task in ended:
            if not task.cancelled() and task.exception() is not None:
                log.error("stopping: %s had failed", task.get_name(), exc_info=task.exception())
        for task in sorted(late, key=lambda t: t.get_name()):
            log.warning("stopping: %s did not end %.0f s after it was cancelled; left behind",
                        task.get_name(), wait)
