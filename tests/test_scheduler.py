"""The scheduler: jobs on intervals, never overlapping themselves."""

from __future__ import annotations

import asyncio
import logging

import pytest

from monitor.service.scheduler import Scheduler


async def test_a_busy_job_is_not_run_again_and_not_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs = 0
    busy = 0
    most = 0

    async def slow() -> None:
        nonlocal runs, busy, most
        runs += 1
        busy += 1
        most = max(most, busy)
        await asyncio.sleep(0.35)
        busy -= 1

    scheduler = Scheduler()
    scheduler.every("slow", 0.05, slow)
    with caplog.at_level(logging.INFO):
        scheduler.start()
        try:
            await asyncio.sleep(1.0)
        finally:
            scheduler.shutdown()
    assert 2 <= runs <= 4 and most == 1  # one at a time; later runs did happen
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
