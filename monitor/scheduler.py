"""The only module that imports APScheduler: run coroutines on intervals."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


class _BusyRunFilter(logging.Filter):
    """Drops APScheduler's warning that a run was skipped because the job's previous run
    is still busy: jobs never overlap here on purpose (a long feed poll, or a document whose
    language's index is being built), and it would repeat on every interval meanwhile."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_BusyRunFilter())


class Scheduler:
    """Runs each job on its own interval in the running asyncio loop.

    A job never overlaps itself (max_instances=1) and missed runs are coalesced into one,
    so a slow feed cannot pile up work.
    """

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)

    def every(
        self, job_id: str, seconds: float, func: Job, *, jitter: float = 0.0, now: bool = True
    ) -> None:
        """Run `func` every `seconds` (± `jitter` as a fraction), first run at once if `now`."""
        first = datetime.now(UTC)
        if not now:
            first += timedelta(seconds=seconds)
        if jitter and not now:
            first += timedelta(seconds=random.uniform(0, seconds * jitter))
        self._scheduler.add_job(
            func,
            "interval",
            seconds=max(seconds, 0.05),
            jitter=seconds * jitter or None,
            id=job_id,
            name=job_id,
            next_run_time=first,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
        )

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)
