"""Is the daemon healthy? `/healthz`, and the snapshot `monitor status` reads.

The running daemon saves `snapshot(...)` in the store under `STATUS_KEY` every
`SNAPSHOT_EVERY` seconds (longer with thousands of sources: `snapshot_every`) and when it
stops, so `monitor status` (another process) can show sources, rules and the last pass
without talking to it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

STATUS_KEY = "daemon:status"  # the service's report (with several nodes, the last one's)
SNAPSHOT_EVERY = 15.0
# seconds between snapshots per source, when that is longer: building and encoding a
# source's line costs about 20 us of CPU (10,000 feeds: 0.2 s, plus writing 6 MB), which
# every 15 s took a sixth of a node's CPU polling them; this keeps it near 0.4% of a core
SNAPSHOT_PER_SOURCE = 0.005
MAX_PASS_AGE = 60.0  # the daemon marks a pass every 5 s; a minute without one is a hang


@dataclass(kw_only=True)
class PollLog:
    """What happened at the last polls of each source (kept by the daemon, in memory)."""

    last_poll: dict[str, float] = field(default_factory=dict)
    last_ok: dict[str, float] = field(default_factory=dict)
    last_error: dict[str, tuple[float, str]] = field(default_factory=dict)
    documents: dict[str, int] = field(default_factory=dict)

    def ok(self, source: str, at: float, documents: int) -> None:
        """A poll of `source` returned `documents` new or changed documents."""
        self.last_poll[source] = self.last_ok[source] = at
        self.documents[source] = self.documents.get(source, 0) + documents

    def failed(self, source: str, at: float, error: str) -> None:
        """A poll of `source` failed with `error` (a message naming the source)."""
        self.last_poll[source] = at
        self.last_error[source] = (at, error)

    def of(self, source: str) -> dict[str, Any]:
        """The JSON-able record of one source."""
        error = self.last_error.get(source)
        return {
            "last_poll": self.last_poll.get(source),
            "last_ok": self.last_ok.get(source),
            "last_error": error[1] if error else None,
            "last_error_at": error[0] if error else None,
            "documents": self.documents.get(source, 0),
            "healthy": error is None or self.last_ok.get(source, 0.0) > error[0],
        }


def source_status(polls: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """One source's line in `monitor status`: the daemon's poll record (`PollLog.of`)
    merged with what the source reports itself (`Source.health()`, whose keys win).

    `healthy` needs both the last poll to have succeeded and the source to report no
    problem (a feed handles its own failures and reports them as `ok: false`);
    `problem` says what is wrong, or is None.
    """
    out = {**polls, **own}
    quiet = not own.get("last_error") and not own.get("error")
    own_ok = bool(own["ok"]) if "ok" in own else quiet
    out["healthy"] = bool(polls.get("healthy", True)) and own_ok
    problem = None
    if not polls.get("healthy", True):
        problem = polls.get("last_error")
    elif not own_ok:
        problem = own.get("problem") or own.get("last_error") or own.get("error")
        problem = problem or "reported unhealthy"
    out["problem"] = problem
    return out


def healthz(
    *, running: bool, last_pass: float, now: float | None = None, max_age: float = MAX_PASS_AGE,
    rules_error: str | None = None, nodes_error: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """The `/healthz` answer: (200, {"status": "ok"}) when the scheduler runs and passed
    recently; (200, {"status": "degraded", "rules_error": ...}) when it does so with the
    last good rules because the rule files are broken, or (..., "nodes_error": ...) when
    nodes sharing the state run different rules; else (503, {"status": "unhealthy",
    "reason": ...})."""
    now = time.time() if now is None else now
    age = now - last_pass if last_pass else None
    body: dict[str, Any] = {
        "last_pass": last_pass or None,
        "last_pass_age": None if age is None else round(age, 3),
    }
    if not running:
        return 503, {"status": "unhealthy", "reason": "the scheduler is not running", **body}
    if age is None:
        return 503, {"status": "unhealthy", "reason": "no pass completed yet", **body}
    if age > max_age:
        reason = f"the last pass was {age:.0f} s ago (more than {max_age:.0f} s)"
        return 503, {"status": "unhealthy", "reason": reason, **body}
    if rules_error:
        first = rules_error.splitlines()[0] if rules_error.strip() else rules_error
        reason = f"the rule files are broken, the last good rules are in force: {first}"
        return 200, {"status": "degraded", "reason": reason, "rules_error": rules_error, **body}
    if nodes_error:
        return 200, {"status": "degraded", "reason": nodes_error, "nodes_error": nodes_error,
                     **body}
    return 200, {"status": "ok", **body}


def snapshot_every(sources: int, every: float = SNAPSHOT_EVERY) -> float:
    """Seconds between snapshots of a daemon with `sources` sources: `every`, or
    SNAPSHOT_PER_SOURCE a source when that is longer (10,000 sources: 50 s)."""
    return max(every, sources * SNAPSHOT_PER_SOURCE)


def quiet(snap: Mapping[str, Any], now: float) -> bool:
    """Whether a running daemon's snapshot is older than three of its periods (the daemon
    was killed, or its event loop is stuck)."""
    every = float(snap.get("every") or SNAPSHOT_EVERY)
    return now - float(snap.get("updated") or 0) > 3 * every


def live(snap: Mapping[str, Any] | None, now: float) -> bool:
    """Whether a saved snapshot is a running daemon's that reported lately (not one that
    stopped, or was killed and went quiet)."""
    return bool(snap and snap.get("running") and not quiet(snap, now))


def snapshot(
    *,
    started: float,
    running: bool,
    last_pass: float,
    rules: int,
    rules_loaded_at: float,
    rules_error: str | None,
    sources: Mapping[str, Mapping[str, Any]],
    now: float | None = None,
    every: float = SNAPSHOT_EVERY,
) -> dict[str, Any]:
    """The daemon's state as `monitor status` shows it (JSON-able); `every`: seconds until
    the next one."""
    return {
        "pid": os.getpid(),
        "started": started,
        "updated": time.time() if now is None else now,
        "every": every,
        "running": running,
        "last_pass": last_pass or None,
        "rules": {"count": rules, "loaded_at": rules_loaded_at, "error": rules_error},
        "sources": {sid: dict(info) for sid, info in sources.items()},
    }


# With several nodes, each reports only the sources it polled, under a key of its own; the
# common report names the nodes' reports ("reports"), and a reader shows each source's
# freshest line among them (a node writing every source's line, as it last saw it, showed
# other nodes' feeds stale, and cost it thousands of lines it did not poll).


class _States(Protocol):
    def get_states(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]: ...


def report_key(node: str) -> str:
    """The state key of one node's own report."""
    return f"{STATUS_KEY}:{node}"


def status_sources(state: _States, snap: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each source's line in the common report `snap`, merged with the reports of the
    nodes it names (one daemon's report names none: nothing more is read)."""
    names = snap.get("reports") or []
    if not names:
        return dict(snap.get("sources") or {})
    return freshest([snap, *state.get_states([report_key(n) for n in names]).values()])


def freshest(reports: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each source's line from the report whose last poll of it is the latest."""
    out: dict[str, dict[str, Any]] = {}
    for report in reports:
        for sid, line in (report.get("sources") or {}).items():
            have = out.get(sid)
            if have is None or (line.get("last_poll") or 0) > (have.get("last_poll") or 0):
                out[sid] = dict(line)
    return out
