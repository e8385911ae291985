"""Sources' turns with several nodes: each node claims the sources whose turn has come, a
batch at a time, and polls them.

A lone daemon runs every source on its own interval (scheduler.py). With a shared state
that would make every node ask for every source's turn, a statement each, whether or not
the turn had come: the statements grew as sources times nodes (10,000 feeds on 3 nodes:
about 1,000 a second for 167 polls). Here one statement a second or so per node claims
the due turns (cluster `claim_turns`), and a node claims no more than it has room for, so
a busy node leaves turns to the others.

Around each claim, a round trip or two per batch, not per poll: the claimed sources' saved
states are read in one query (so each poll sends the validators the last poll saved, on
whichever node), and the turns that ended are given back together every tenth of a second
or so, after the states their polls saved are written in one transaction (state_buffer.py).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping

from monitor.service.nodes import Node
from monitor.service.state_buffer import StateBuffer
from monitor.sources.feed_state import state_key

log = logging.getLogger(__name__)

CLAIM_EVERY = 1.0  # seconds between claims when the last one found less than room for
MORE_SOON = 0.05  # ... and when it filled the room (more turns are likely due)
END_DELAY = 0.1  # seconds a turn that ended waits to be given back with others (its next
#                  turn comes an interval after that: keep it well under the turn's slack)


class Turns:
    """Claims due turns for this node's sources and polls them, at most `room` at once."""

    def __init__(self, node: Node, intervals: Mapping[str, float],
                 poll: Callable[[str], Awaitable[bool]], *, room: int,
                 stopping: Callable[[], bool], states: StateBuffer | None = None) -> None:
        self.node = node
        self.intervals = dict(intervals)
        self._poll = poll  # polls a source whose turn this node holds; False: it did not
        self.room = max(room, 1)
        self._stopping = stopping
        self.states = states  # the sources' saved states (read with the claim, written late)
        self.polls: dict[str, asyncio.Task[bool]] = {}  # source id -> its poll under way
        self._ended: list[str] = []  # sources whose poll ended, their turns not yet given back
        self._unpolled: list[str] = []  # ... and whose turn a stop came before (or cut short)
        self._ending = asyncio.Event()

    async def run(self) -> None:
        """Claim and poll until the daemon stops (or this is cancelled)."""
        planned = False
        wait = min(CLAIM_EVERY, min(self.intervals.values(), default=CLAIM_EVERY) / 2)
        giving = asyncio.ensure_future(self._give_back())
        try:
            while not self._stopping():
                planned = planned or self.node.plan_turns(self.intervals)
                free = self.room - len(self.polls)
                taken = self.node.claim_turns(free, busy=self.polls) if planned else []
                if taken and self.states is not None:
                    self.states.prefetch([state_key(sid) for sid in taken])
                for source_id in taken:
                    task: asyncio.Task[bool] = asyncio.ensure_future(self._poll(source_id))
                    self.polls[source_id] = task
                    task.add_done_callback(functools.partial(self._done, source_id))
                await asyncio.sleep(MORE_SOON if taken and len(taken) >= free
                                    else max(wait, 0.1))
        finally:
            giving.cancel()

    def _done(self, source_id: str, task: asyncio.Future[bool]) -> None:
        self.polls.pop(source_id, None)
        polled = not task.cancelled() and (task.exception() is not None or task.result())
        (self._ended if polled else self._unpolled).append(source_id)
        self._ending.set()

    async def _give_back(self) -> None:
        """Give the ended turns back a batch at a time, their states written first."""
        while True:
            await self._ending.wait()
            await asyncio.sleep(END_DELAY)
            self._ending.clear()
            self.give_back()

    def give_back(self) -> None:
        """Write the states the ended polls saved, then give their turns back (the next
        node to claim one reads what this one saved); a turn not polled (a stop came
        first) goes back untaken, due again at once for the other nodes."""
        ended, self._ended = self._ended, []
        unpolled, self._unpolled = self._unpolled, []
        if self.states is not None:
            self.states.flush()
            self.states.forget([state_key(sid) for sid in unpolled])
        self.node.end_turns([f"source:{sid}" for sid in ended])
        self.node.hand_back_turns([f"source:{sid}" for sid in unpolled])

    async def end(self) -> None:
        """Cancel the polls under way (a stop, after its grace period), then give every
        ended turn back."""
        for task in list(self.polls.values()):
            task.cancel()
        if self.polls:
            await asyncio.wait(list(self.polls.values()), timeout=5.0)
        self.give_back()

