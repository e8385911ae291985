"""The shared document queue of several daemons: the node that polls a source queues what
is new, and every node claims batches from the queue, matches them and records their
alerts, so matching spreads over the nodes' cores.

A batch is marked done only once its alerts and documents are recorded; a node that dies
with a batch in hand loses its claim when its lease expires and another node matches the
batch again (the store keeps one alert per rule and document, so nothing is sent twice).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from itertools import groupby

from monitor.models import Document
from monitor.service.ingest import Ingest
from monitor.service.nodes import Node
from monitor.store import Store

log = logging.getLogger(__name__)

IDLE_WAIT = 0.5  # seconds between looks at an empty queue (a local poll wakes it at once)


class SharedQueue:
    """Queues this node's finds and matches whatever any node queued."""

    def __init__(self, node: Node, store: Store, ingest: Ingest, *, batch: int,
                 stopping: Callable[[], bool], matched: Callable[[int], None]) -> None:
        self.node = node
        self.store = store
        self.ingest = ingest
        self.batch = batch
        self._stopping = stopping
        self._matched = matched  # called with the number of new alerts of a batch
        self._kept: dict[str, list[Document]] = {}  # could not be queued: the next poll's
        self.wake = asyncio.Event()

    def take_kept(self, source_id: str) -> list[Document]:
        """The documents of a source that could not be queued at its last poll."""
        return self._kept.pop(source_id, [])

    def put(self, source_id: str, docs: list[Document]) -> int:
        """Queue the documents not matched before; return how many were queued (kept for
        the source's next poll when the state cannot be reached)."""
        try:
            fresh = [d for d, status in zip(docs, self.store.document_statuses(docs),
                                            strict=True) if status in ("new", "changed")]
        except Exception as exc:  # the state is unreachable (a restarting server)
            return self._keep(source_id, docs, exc)
        queued = self.node.enqueue(fresh)
        if queued is None:
            return self._keep(source_id, docs, "the queue cannot be reached")
        if fresh:
            log.debug("source %r: %d document(s) queued for matching", source_id, len(fresh))
            self.wake.set()
        return queued

    def _keep(self, source_id: str, docs: list[Document], why: object) -> int:
        self._kept[source_id] = docs
        log.warning("node %s, source %r: %d document(s) kept for the next poll (%s)",
                    self.node.name, source_id, len(docs), why, extra={"source": source_id})
        return 0

    async def drain(self) -> int:
        """Claim and match batches until the queue is empty (or the daemon stops); return
        the number of new alerts."""
        total = 0
        while not self._stopping():
            claims = self.node.claim(self.batch)
            if not claims:
                break
            done: list[int] = []
            for source_id, group in groupby(claims, key=lambda c: c.document.source):
                if self._stopping():  # the rest goes back to the queue at goodbye
                    break
                batch = list(group)
                count = await self.ingest.ingest(source_id, [c.document for c in batch])
                kept = {d.id for d in self.ingest.take_kept(source_id)}
                done += [c.id for c in batch if c.document.id not in kept]
                total += count
                if count:
                    self._matched(count)
            self.node.done(done)
        return total

    async def run(self) -> None:
        """Match what the nodes queue, until the daemon stops (or this is cancelled)."""
        while not self._stopping():
            await self._idle()
            try:
                await self.drain()
            except Exception:  # e.g. the state unreachable: the claims expire, retried
                log.exception("node %s: matching from the queue failed; retrying",
                              self.node.name)

    async def _idle(self) -> None:
        """Wait until a local poll queues something, at most IDLE_WAIT seconds.

        Not `asyncio.wait_for`: on Python 3.11 it swallows a cancellation that arrives just
        as the event is set, and the daemon's stop then waited for this loop forever."""
        woken = asyncio.ensure_future(self.wake.wait())
        try:
            await asyncio.wait({woken}, timeout=IDLE_WAIT)
        finally:
            woken.cancel()
        self.wake.clear()
