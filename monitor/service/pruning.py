"""Pruning: what is older than `retention` leaves the state, once a day.

The last prune's time is kept in the state, so a daemon restarted every night, or
`monitor run --once` from cron, prunes too.
"""

from __future__ import annotations

import logging

from monitor.store import Store

log = logging.getLogger(__name__)

PRUNE_EVERY = 86400.0  # seconds between prunes
PRUNE_KEY = "prune"  # the state key of the last prune's time


def prune(store: Store, retention: float, now: float) -> int:
    """Drop what is older than `retention` seconds; return the rows removed."""
    removed = store.prune(now - retention)
    store.set_state(PRUNE_KEY, {"at": now})
    log.info("pruned %d old rows from the state", removed)
    return removed


def prune_if_due(store: Store, retention: float, now: float, every: float = PRUNE_EVERY) -> int:
    """Prune once `every` seconds have passed since the last prune recorded in the state;
    return the rows removed (0 when not due)."""
    last = float(store.get_state(PRUNE_KEY).get("at") or 0.0)
    return prune(store, retention, now) if now - last >= every else 0
