"""The running service: the daemon's lifecycle (daemon.py), ingest, live rules, the
scheduler and its job table, status and health, feed-health alerts and pruning."""

from __future__ import annotations

from monitor.service.daemon import Daemon
from monitor.service.timings import Timings

__all__ = ["Daemon", "Timings"]
