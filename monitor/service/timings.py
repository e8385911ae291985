"""The service's intervals and limits, as one value the daemon is given (tests shorten them)."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.health import SNAPSHOT_EVERY
from monitor.service.ingest import MATCH_BATCH
from monitor.service.pruning import PRUNE_EVERY


@dataclass(frozen=True, kw_only=True)
class Timings:
    """Seconds between the service's own jobs, and how long a stop waits for work."""

    stop_grace: float = 5.0  # work in flight may take this long to finish after SIGTERM
    prune_every: float = PRUNE_EVERY  # between prunes of what is older than `retention`
    health_every: float = 60.0  # between checks of the feeds' health
    rules_every: float = 1.0  # between checks of the rule files (missed file events)
    pass_every: float = 5.0  # between marks that the service is alive (`/healthz`)
    status_every: float = SNAPSHOT_EVERY  # between saves of the `monitor status` snapshot
    match_batch: int = MATCH_BATCH  # documents handed to the matching thread at a time
