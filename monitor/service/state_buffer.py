"""The sources' saved states on a node sharing the state with others: written in batches,
and read with the claim of their turns.

With several nodes a feed is polled by whichever node claims its turn, so each poll must
start from the state the last poll saved, on any node (its ETag and Last-Modified: a node
that sent its own stale validators got a full answer, 200, where 304 was due, and parsed
and queued the feed again). And writing each poll's state at once cost a round trip (a
connection check, the write, the commit) on the event loop for every poll: with 10,000
feeds a minute on three nodes, more than the polls themselves.

So the node reads the states of the turns it claims in one query (`prefetch`), each
source reads its own at the start of its poll (`get_state`), and what the polls save is
written a batch at a time (`flush`) before their leases are given back, so the next node
to claim a source reads what this one saved.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from monitor.errors import MonitorError
from monitor.sources.feed_state import state_key
from monitor.store import Store

log = logging.getLogger(__name__)


class StateBuffer:
    """A StateStore in front of the store: reads from the claim's prefetch, writes held
    until the next `flush`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: dict[str, dict[str, Any]] = {}  # saved, not yet written
        self._fetched: dict[str, dict[str, Any]] = {}  # read with a claim, not yet used
        self._failing = False  # the last flush failed (said once)

    def get_state(self, key: str) -> dict[str, Any]:
        """The state last saved under `key`: this node's unwritten one, else the one read
        with the claim (once), else the store's."""
        if key in self._pending:
            return dict(self._pending[key])
        if key in self._fetched:
            return self._fetched.pop(key)
        return self.store.get_state(key)

    def set_state(self, key: str, state: dict[str, Any]) -> None:
        """Saved now, written at the next `flush`."""
        self._pending[key] = dict(state)
        self._fetched.pop(key, None)

    def get_states(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        out = self.store.get_states([k for k in keys if k not in self._pending])
        out.update({k: dict(self._pending[k]) for k in keys if self._pending.get(k)})
        return out

    def prefetch(self, keys: Sequence[str]) -> None:
        """Read the states of `keys` in one query, for the polls about to start (a key
        this node saved and has not written yet keeps its own)."""
        wanted = [k for k in keys if k not in self._pending]
        if not wanted:
            return
        try:
            found = self.store.get_states(wanted)
        except MonitorError as exc:  # each poll reads its own then (and may fail alone)
            log.debug("could not read the claimed sources' states: %s", exc)
            return
        self._fetched.update({k: found.get(k, {}) for k in wanted})

    def forget(self, keys: Sequence[str]) -> None:
        """Drop what was read for `keys` and not used (turns handed back untaken)."""
        for key in keys:
            self._fetched.pop(key, None)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self) -> bool:
        """Write what was saved since the last flush, in one transaction; False when the
        store cannot take it (kept for the next flush, newer saves replacing older)."""
        if not self._pending:
            return True
        batch, self._pending = self._pending, {}
        try:
            self.store.set_states(batch)
        except MonitorError as exc:
            self._pending = {**batch, **self._pending}
            if not self._failing:
                log.warning("could not save %d source state(s), kept for the next try: %s",
                            len(batch), exc)
            self._failing = True
            return False
        self._failing = False
        return True



def saved_keys(source_ids: Iterable[str]) -> list[str]:
    """The state keys a node's sources read when they open (a feed's state, the page
    counters of its full text): read in one query at start, where one query each made a
    node with 10,000 feeds wait 20,000 round trips before running."""
    from monitor.sources.fulltext import counts_key  # (pages: imported with a source)

    return [key for sid in source_ids for key in (state_key(sid), counts_key(sid))]
