"""The daemon moved to `monitor.service` (lifecycle, ingest, live rules, scheduler, status,
feed-health alerts, pruning); this name stays for code written against the old module."""

from __future__ import annotations

from monitor.service import Daemon, Timings

__all__ = ["Daemon", "Timings"]
