"""This daemon as one node among several: its heartbeat, the leases it holds, the shared
queue of documents it helps to match, and what it knows of the other nodes.

With a SQLite state (LocalCoordinator) every lease is granted and nothing is queued, so the
daemon runs exactly as a lone daemon. With PostgreSQL, a source is polled by the node that
takes its lease when its turn comes, a notifier sends from the node holding its lease
(checked again before every send: the fence), and found documents are queued and matched
by whichever node claims them.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from monitor.cluster import Claim, Coordinator, Lease, NodeInfo, Turn
from monitor.cluster.report import mismatch
from monitor.config_nodes import NodesConfig
from monitor.errors import ClusterError, RuleError
from monitor.models import Document
from monitor.service import rule_memory

log = logging.getLogger(__name__)
T = TypeVar("T")

TURN_SLACK = 0.05  # a turn comes this fraction of the interval early (at most 1 s): timers
#                    firing a few ms before the interval is over must not skip a turn


def rules_hash(path: Path) -> str:
    """The content hash of the rule files under `path` (names and bytes), 16 hex digits;
    "" when they cannot be read."""
    try:
        files = rule_memory.snapshot(path)
    except (OSError, RuleError):
        return ""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()[:16]


class Node:
    """The daemon's side of the coordination; `coordinator` decides, this keeps track."""

    def __init__(self, coordinator: Coordinator, config: NodesConfig,
                 clock: Callable[[], float] = time.time) -> None:
        self.coordinator = coordinator
        self.name = coordinator.node
        self.where: str | None = getattr(coordinator, "where", None)  # the shared state
        self.config = config
        self.clock = clock
        self.started = clock()
        self.rules_hash = ""
        self.rules = 0
        self.held: dict[str, Lease] = {}  # lease name -> the lease this node holds
        self.peers: list[NodeInfo] = []  # as of the last heartbeat
        self._down: str | None = None  # the coordination's error while it is unreachable
        self._turns: set[str] = set()  # the source leases whose turns this node claims
        self._foreign: set[str] = set()  # turns claimed once that this node does not poll
        self._last: dict[str, float] = {}  # turn held -> when the one before it ended
        self.soonest = 0.0  # the shortest turn among them (seconds)

    @property
    def shared(self) -> bool:
        return self.coordinator.shared

    def set_rules(self, path: Path, count: int) -> None:
        """The rule set in force changed (start or reload)."""
        self.rules_hash, self.rules = rules_hash(path), count

    # ------------------------------------------------------------ leases

    def take(self, name: str, *, every: float = 0.0) -> Lease | None:
        """The lease `name` if this node may act now (its turn, with `every`); else None."""
        if self.shared and name in self.held:
            return None  # this node is at it already (a file event during a poll)
        if every:
            every = self.turn_every(every)
        lease = self._call(lambda: self.coordinator.acquire(name, self.config.lease,
                                                            every=every))
        if lease is not None:
            self.held[name] = lease
        return lease

    def keep(self, name: str) -> bool:
        """Whether this node still holds `name` (renewed now); False once it changed hands,
        and then the holder must not act on it (the fence)."""
        lease = self.held.get(name)
        if lease is None:
            return False
        if not self.shared:
            return True
        renewed = self._call(lambda: self.coordinator.renew(lease, self.config.lease))
        if renewed is None:
            self.held.pop(name, None)
            if self._down is None:  # (unreachable: said once already, by _call)
                log.warning("node %s: lost the lease on %s (generation %d) to another node; "
                            "it stops acting on it", self.name, name, lease.generation)
            return False
        self.held[name] = renewed
        return True

    def give(self, name: str) -> None:
        """Release `name` if held (its turn stays recorded)."""
        lease = self.held.pop(name, None)
        if lease is not None and self.shared:
            self._call(lambda: self.coordinator.release(lease))

    def end_turns(self, names: Collection[str]) -> None:
        """Give back the leases of turns whose polls ended, in one call (each turn is
        recorded as ended now)."""
        leases = [lease for name in names if (lease := self.held.pop(name, None))]
        for name in names:
            self._last.pop(name, None)
        if leases and self.shared:
            self._call(lambda: self.coordinator.release_all(leases))

    def hand_back_turns(self, names: Collection[str]) -> None:
        """Give back turns this node claimed and did not poll (a stop came first): each
        as untaken, its previous end restored, so another node polls it at once rather
        than an interval later."""
        turns = []
        for name in names:
            lease, last = self.held.pop(name, None), self._last.pop(name, None)
            if lease is not None and last is not None:
                turns.append(Turn(lease=lease, last=last))
        if turns and self.shared:
            self._call(functools.partial(self.coordinator.hand_back, turns))

    # sources' turns, claimed in batches (a shared state; one node runs its own schedule)

    def turn_every(self, interval: float) -> float:
        """A turn's length for a source polled every `interval` seconds: the interval less
        the slack."""
        return max(interval - min(interval * TURN_SLACK, 1.0), 0.0)

    def plan_turns(self, intervals: Mapping[str, float]) -> bool:
        """Record this node's sources (id -> interval) in the state so their turns can be
        claimed; False when the coordination cannot be reached (try again later)."""
        every = {f"source:{sid}": self.turn_every(iv) for sid, iv in intervals.items()}
        self._turns = set(every)
        self.soonest = min(every.values(), default=0.0)
        return self._call(lambda: self.coordinator.plan_turns(every)) is not None

    def claim_turns(self, limit: int, busy: Collection[str] = ()) -> list[str]:
        """The ids of up to `limit` sources whose turn has come, their leases held now.
        A turn of a source this node does not have (another node's config) or is still
        polling (`busy` ids) is handed back untaken."""
        if limit <= 0 or not self._turns:
            return []
        turns = self._call(lambda: self.coordinator.claim_turns(
            limit, self.config.lease, soonest=self.soonest, skip=sorted(self._foreign)))
        taken, untaken = [], []
        for turn in turns or []:
            name = turn.lease.name
            source_id = name.removeprefix("source:")
            if name in self._turns and source_id not in busy and name not in self.held:
                self.held[name] = turn.lease
                self._last[name] = turn.last
                taken.append(source_id)
                continue
            if name not in self._turns:
                self._foreign.add(name)
                log.warning("node %s: %s is not among this node's sources (its config "
                            "differs from another node's); left to the others",
                            self.name, name)
            untaken.append(turn)
        if untaken:
            self._call(functools.partial(self.coordinator.hand_back, untaken))
        return taken

    # the outbox's lanes (delivery/outbox.py `Lanes`): one lease per notifier

    def take_lane(self, notifier: str) -> bool:
        return self.take(f"notifier:{notifier}") is not None

    def keep_lane(self, notifier: str) -> bool:
        return self.keep(f"notifier:{notifier}")

    def give_lane(self, notifier: str) -> None:
        self.give(f"notifier:{notifier}")

    # ------------------------------------------------------------ heartbeat

    def heartbeat(self) -> None:
        """Say this node is alive, renew every lease it holds, and look at the others."""
        if not self.shared:
            return
        self._call(lambda: self.coordinator.heartbeat(
            rules_hash=self.rules_hash, rules=self.rules, started=self.started))
        self._renew_held()
        self.peers = self._call(self.coordinator.nodes) or self.peers

    def _renew_held(self) -> None:
        """Renew every lease held, in one call; say which were lost to other nodes."""
        held = list(self.held.values())
        renewed = self._call(lambda: self.coordinator.renew_all(held, self.config.lease))
        if renewed is None:
            return  # unreachable: said by _call; the leases may expire meanwhile
        kept = {x.name: x for x in renewed}
        lost = [x.name for x in held if x.name not in kept]
        for x in held:
            if x.name in kept and self.held.get(x.name) == x:
                self.held[x.name] = kept[x.name]
            elif x.name not in kept and self.held.get(x.name) == x:
                del self.held[x.name]
        if lost:
            shown = ", ".join(sorted(lost)[:5]) + (", ..." if len(lost) > 5 else "")
            log.warning("node %s: lost %d lease(s) to other nodes (%s); it stops acting on "
                        "them", self.name, len(lost), shown)

    def goodbye(self) -> None:
        """A graceful stop: every lease and claimed document goes back at once."""
        if self.shared:
            self.held.clear()
            self._call(self.coordinator.goodbye)

    def rules_mismatch(self) -> str | None:
        """Which running nodes run which rules, when they do not all run the same (as of
        the last heartbeat); None when they agree."""
        return mismatch(self.peers)

    def status(self) -> dict[str, Any]:
        """This node's part of the `monitor status` snapshot."""
        return {"node": self.name, "shared": self.shared, "rules_hash": self.rules_hash,
                "leases": sorted(self.held), "coordination_error": self._down,
                "rules_mismatch": self.rules_mismatch()}

    # ------------------------------------------------------------ the document queue

    def enqueue(self, docs: Sequence[Document]) -> int | None:
        """Queue found documents for any node to match; None when the queue cannot be
        reached (the caller keeps them)."""
        return self._call(lambda: self.coordinator.enqueue(docs)) if docs else 0

    def claim(self, limit: int) -> list[Claim]:
        return self._call(lambda: self.coordinator.claim(limit, self.config.lease)) or []

    def done(self, ids: Sequence[int]) -> None:
        if ids:
            self._call(lambda: self.coordinator.done(ids))

    # ------------------------------------------------------------ errors

    def _call(self, func: Callable[[], T]) -> T | None:
        """`func()`, or None when the coordination cannot be reached (logged once per
        outage, and once when it is back)."""
        try:
            out = func()
        except ClusterError as exc:
            if self._down is None:
                log.warning("%s; retrying", exc)
            self._down = str(exc)
            return None
        if self._down is not None:
            log.info("node %s: the coordination is reachable again", self.name)
            self._down = None
        return out
