"""Status and health of the running service: the poll record of each source, the last
pass, the `/healthz` answer and the snapshot `monitor status` reads from the store."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from monitor import health, metrics
from monitor.errors import StoreUnavailable
from monitor.service.live_rules import LiveRules
from monitor.sources.base import Source
from monitor.store import Store

log = logging.getLogger(__name__)


class ServiceStatus:
    """What the service knows about itself; `clock()` is unix time now."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.started = clock()
        self.last_pass = 0.0
        self.running = False  # the scheduler runs
        self.every = health.SNAPSHOT_EVERY  # seconds between saved snapshots
        self.polls = health.PollLog()

    def record_poll(
        self, source_id: str, started: float, *, documents: int = 0, error: str | None = None
    ) -> None:
        """A poll begun at `started` (monotonic time) ended with documents or an error."""
        metrics.record_poll(source_id, time.monotonic() - started, ok=error is None)
        if error is None:
            self.polls.ok(source_id, self.clock(), documents)
        else:
            self.polls.failed(source_id, self.clock(), error)

    def mark_pass(self) -> None:
        """The service is alive and moving (what `/healthz` checks)."""
        self.last_pass = self.clock()
        metrics.record_pass(self.last_pass)

    def _common_free(self, store: Store, name: str) -> bool:
        """Whether the common snapshot is not another running node's (none yet, stopped,
        gone quiet, or this node's own)."""
        common = store.get_state(health.STATUS_KEY)
        return not health.live(common, self.clock()) or _node_of(common) == name

    def healthz(self, rules_error: str | None = None,
                nodes_error: str | None = None) -> tuple[int, dict[str, Any]]:
        """The `/healthz` answer: (200 or 503, a JSON-able body with the reason);
        `rules_error` says the rule files are broken (the last good rules in force),
        `nodes_error` that the nodes sharing the state run different rules."""
        return health.healthz(running=self.running, last_pass=self.last_pass,
                              rules_error=rules_error, nodes_error=nodes_error)

    def snapshot(self, sources: Mapping[str, Source], live: LiveRules, *,
                 polled: bool = False) -> dict[str, Any]:
        """What `monitor status` shows about the running daemon (JSON-able); `polled`:
        only the sources this daemon polled (a node among several)."""
        if polled:
            sources = {sid: s for sid, s in sources.items() if sid in self.polls.last_poll}
        states = {sid: health.source_status(self.polls.of(sid), source_health(s))
                  for sid, s in sources.items()}
        return health.snapshot(
            started=self.started, running=self.running, last_pass=self.last_pass,
            rules=len(live.current.rules), rules_loaded_at=live.loaded_at,
            rules_error=live.error, sources=states, every=self.every,
        )

    def save(self, store: Store, sources: Mapping[str, Source], live: LiveRules,
             node: dict[str, Any] | None = None, *, others_running: bool = False,
             reports: Sequence[str] = ()) -> None:
        """Save the snapshot in the store for `monitor status`; a failure is only logged.
        With `node` (one daemon among several) it holds only the sources this node polled
        and is also kept under a key of its own; `reports` names the nodes whose reports
        a reader merges (health.status_sources). The common one is written by a running
        node, and by one that is not running (a `--once` pass, a stop) only when no other
        node runs: a node stopping while others run must not make the service look
        stopped."""
        snap = self.snapshot(sources, live, polled=node is not None)
        if node is not None:
            snap |= {"node": node, "reports": sorted({*reports, node["node"]})}
        try:
            keys = []
            if node is None or self.running or (
                    not others_running and self._common_free(store, node["node"])):
                keys.append(health.STATUS_KEY)
            if node is not None:
                keys.append(health.report_key(node["node"]))
            store.set_states(dict.fromkeys(keys, snap))  # one write, encoded once
        except StoreUnavailable as exc:  # a server restarting: the next save will do
            log.warning("could not save the status that `monitor status` shows (%s)", exc)
        except Exception:
            log.exception("could not save the status that `monitor status` shows")


def _node_of(snap: Mapping[str, Any] | None) -> str | None:
    node = (snap or {}).get("node")
    return node.get("node") if isinstance(node, dict) else None


def source_health(source: Source) -> dict[str, Any]:
    """A source's own health; a status page must not fail because of one source."""
    try:
        return dict(source.health())
    except Exception as exc:
        return {"health_error": repr(exc)}
