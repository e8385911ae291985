"""The only module that imports APScheduler: run coroutines on intervals; the daemon's job
table."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.errors import StoreUnavailable
from monitor.health import snapshot_every

if TYPE_CHECKING:
    from monitor.service.daemon import Daemon
    from monitor.sources.base import Source

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


class _BusyRunFilter(logging.Filter):
    """Drops APScheduler's warning that a run was skipped because the job's previous run
    is still busy: jobs never overlap here on purpose (a long feed poll, or a document whose
    language's index is being built), and it would repeat on every interval meanwhile."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in record.getMessage()


class _CancelledJobFilter(logging.Filter):
    """Drops APScheduler's "Error running job" traceback for a job cancelled by the
    scheduler's shutdown (a stop): the job runs again after the next start."""

    def filter(self, record: logging.LogRecord) -> bool:
        kind = record.exc_info[0] if record.exc_info else None
        return not (kind is not None and issubclass(kind, asyncio.CancelledError))


_BUSY_RUNS = _BusyRunFilter()
_CANCELLED_JOBS = _CancelledJobFilter()


class Scheduler:
    """Runs each job on its own interval in the running asyncio loop.

    A job never overlaps itself (max_instances=1) and missed runs are coalesced into one,
    so a slow feed cannot pile up work.
    """

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        logging.getLogger("apscheduler.scheduler").addFilter(_BUSY_RUNS)  # once: a set
        logging.getLogger("apscheduler.executors.default").addFilter(_CANCELLED_JOBS)

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
            _unavailable_logged(job_id, func),
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


def _unavailable_logged(job_id: str, func: Job) -> Job:
    """`func`, with the state out of reach (a database restarting) logged in one line rather
    than as a traceback: the job runs again at its next interval."""

    async def job() -> object:
        try:
            return await func()
        except StoreUnavailable as exc:
            log.warning("%s: the state cannot be reached (%s); trying again at the next run",
                        job_id, exc)
            return None

    return job


def job_table(d: Daemon) -> Scheduler:
    """The daemon's jobs: each source on its interval (feeds of a minute or more with ±10%
    jitter; with several nodes the turns are claimed instead), the outbox, missed rule-file
    events, pruning, the pass mark, feed health and the status snapshot."""
    t = d.timings
    scheduler = Scheduler()
    for source_id, source in d.sources.items() if not d.node.shared else ():
        # (several nodes: each claims the sources whose turn has come, service/turns.py)
        jitter = 0.1 if source.interval >= 60 else 0.0
        scheduler.every(f"source:{source_id}", source.interval,
                        functools.partial(d.poll_job, source_id), jitter=jitter)
    scheduler.every("deliver", d.config.delivery.interval, d.deliver)
    scheduler.every("rules", t.rules_every, d.live.reload, now=False)
    scheduler.every("prune", min(t.prune_every, 3600.0), _in_loop(d.prune_if_due))
    scheduler.every("pass", t.pass_every, _in_loop(d.vitals.mark_pass))
    scheduler.every("health", t.health_every, d.check_health, now=False)
    d.vitals.every = snapshot_every(len(d.sources), t.status_every)
    scheduler.every("status", d.vitals.every, _in_loop(d.save_status))
    if d.node.shared:  # several daemons: say this one is alive, renew its leases
        scheduler.every("heartbeat", d.config.nodes.heartbeat, _in_loop(d.node.heartbeat),
                        now=False)
    return scheduler


def _in_loop(func: Callable[[], object]) -> Job:
    """A quick synchronous job run in the event loop (APScheduler would use a thread)."""

    async def job() -> None:
        func()

    return job


async def watch_source(d: Daemon, source_id: str, source: Source) -> None:
    """Poll a source as soon as its file events say so (for sources that have them)."""
    changes = source.changes()
    if changes is None:
        return
    try:
        async for _ in changes:
            await d.poll_source(source_id)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("file events for source %r stopped; rescans continue", source_id)
