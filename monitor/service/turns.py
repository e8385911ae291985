"""Sources' turns with several nodes: each node claims the sources whose turn has come, a
batch at a time, and polls them.

A lone daemon runs every source on its own interval (scheduler.py). With a shared state
that would make every node ask for every source's turn, a statement each, whether or not
the turn had come: the statements grew as sources times nodes (10,000 feeds on 3 nodes:
about 1,000 a second for 167 polls). Here one statement a second or so per node claims
the due turns (cluster `claim_turns`), and a node claims no more than it has room for, so
a busy node leaves turns to the others.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping

from monitor.service.nodes import Node

log = logging.getLogger(__name__)

CLAIM_EVERY = 1.0  # seconds between claims when the last one found less than room for
MORE_SOON = 0.05  # ... and when it filled the room (more turns are likely due)


class Turns:
    """Claims due turns for this node's sources and polls them, at most `room` at once."""

    def __init__(self, node: Node, intervals: Mapping[str, float],
                 poll: Callable[[str], Awaitable[object]], *, room: int,
                 stopping: Callable[[], bool]) -> None:
        self.node = node
        self.intervals = dict(intervals)
        self._poll = poll  # polls a source whose turn this node holds, then gives it back
        self.room = max(room, 1)
        self._stopping = stopping
        self.polls: dict[str, asyncio.Task[object]] = {}  # source id -> its poll under way

    async def run(self) -> None:
        """Claim and poll until the daemon stops (or this is cancelled)."""
        planned = False
        wait = min(CLAIM_EVERY, min(self.intervals.values(), default=CLAIM_EVERY) / 2)
        while not self._stopping():
            planned = planned or self.node.plan_turns(self.intervals)
            free = self.room - len(self.polls)
            taken = self.node.claim_turns(free, busy=self.polls) if planned else []
            for source_id in taken:
                task = asyncio.ensure_future(self._poll(source_id))
                self.polls[source_id] = task
                task.add_done_callback(functools.partial(self._ended, source_id))
            await asyncio.sleep(MORE_SOON if taken and len(taken) >= free else max(wait, 0.1))

    def _ended(self, source_id: str, task: asyncio.Future[object]) -> None:
        self.polls.pop(source_id, None)

    async def end(self) -> None:
        """Cancel the polls under way (a stop, after its grace period)."""
        for task in list(self.polls.values()):
            task.cancel()
        if self.polls:
            await asyncio.wait(list(self.polls.values()), timeout=5.0)
