"""The Coordinator protocol: how daemons sharing one state divide the work.

A *lease* is a named, exclusive and expiring claim: `source:<id>` (a poll), `notifier:<name>`
(a notifier's deliveries, digests and feed files), `job:<name>` (pruning, feed health). Its
`generation` grows each time it changes hands, so a node that hung and wakes up after its
lease expired finds out (`renew` answers None) before it acts: that is the fence.

With several nodes, each node claims the sources whose turn has come in batches
(`claim_turns`, every second or so) and polls them: the statements are as many as the
polls, not as the sources times the nodes.

Documents found by a poll go through a queue: any node claims a batch, matches it and
marks it done; a batch claimed by a node that dies is claimed again once its lease expires.

The single-node implementation (local.py, used with SQLite) grants everything at once and
queues nothing; the PostgreSQL one (postgres.py) coordinates through the shared database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from monitor.models import Document

START_WAIT = 30.0  # seconds a starting node waits for an unreachable server


@dataclass(frozen=True, kw_only=True, slots=True)
class Lease:
    """A claim on `name` held by `node` until `expires` (unix time), as its `generation`-th
    holder."""

    name: str
    node: str
    generation: int
    expires: float


@dataclass(frozen=True, kw_only=True, slots=True)
class NodeInfo:
    """A node as its last heartbeat described it."""

    node: str
    pid: int
    host: str
    started: float  # unix time
    seen: float  # unix time of the last heartbeat
    rules_hash: str  # the content hash of the rule files in force (rules_hash())
    rules: int  # how many rules
    alive: bool  # heard from within the lease time
    stopped: bool = False  # said goodbye (a graceful stop)


@dataclass(frozen=True, kw_only=True, slots=True)
class Claim:
    """A document claimed from the queue: its queue row id and the document."""

    id: int
    document: Document


@dataclass(frozen=True, kw_only=True, slots=True)
class Turn:
    """A source's turn claimed by this node: its lease, and when its previous turn began or
    ended (`last`, unix time), to put back if the node cannot take it."""

    lease: Lease
    last: float


class Coordinator(Protocol):
    """The nodes' shared view of who does what. Every method may raise ClusterError when
    the coordination store cannot be reached; the caller logs it and tries again later."""

    node: str  # this node's name
    shared: bool  # False: one daemon only (every lease granted, no queue)

    def heartbeat(self, *, rules_hash: str, rules: int, started: float) -> None:
        """Say this node is alive (and which rules it runs)."""
        ...

    def goodbye(self) -> None:
        """A graceful stop: release this node's leases and queue claims, mark it stopped."""
        ...

    def nodes(self) -> list[NodeInfo]:
        """Every node heard from recently, alive or not, by name."""
        ...

    def acquire(self, name: str, ttl: float, *, every: float = 0.0) -> Lease | None:
        """The lease on `name` for `ttl` seconds, or None when another node holds it. With
        `every`, only when its last turn ended (was released) at least `every` seconds
        ago, or began that long ago when it never ended (its node died): a source is
        polled once per interval, by whichever node comes first, and a poll that waited
        long for a connection does not let another node's next turn catch up with it."""
        ...

    def renew(self, lease: Lease, ttl: float) -> Lease | None:
        """The lease extended by `ttl` seconds, or None when it changed hands (fenced:
        the caller must stop acting on it)."""
        ...

    def renew_all(self, leases: Sequence[Lease], ttl: float) -> list[Lease]:
        """`renew` for many leases in one go (a heartbeat): the ones still held, extended."""
        ...

    def release(self, lease: Lease) -> None:
        """Let the lease go; a turn (a lease taken with `every`) is recorded as ended now."""
        ...

    def release_all(self, leases: Sequence[Lease]) -> None:
        """`release` for many leases in one go (the turns of a node's last polls)."""
        ...

    def plan_turns(self, every: Mapping[str, float]) -> int:
        """Record each source lease's interval in seconds (`source:<id>` -> interval less
        the slack) for `claim_turns`; a source new to the state is due at once."""
        ...

    def claim_turns(self, limit: int, ttl: float, *, soonest: float,
                    skip: Sequence[str] = ()) -> list[Turn]:
        """Up to `limit` source leases whose turn has come (the last one began or ended at
        least their interval ago, and no live node holds them), oldest first, each held for
        `ttl` seconds as a turn (`release` records its end). `soonest` is the shortest
        interval this node polls at, `skip` names it does not poll."""
        ...

    def hand_back(self, turns: Sequence[Turn]) -> None:
        """Let claimed turns go untaken, in one go: their leases released, their previous
        turns restored, so another node takes them at once."""
        ...

    def leases(self) -> list[Lease]:
        """The leases held now, by name."""
        ...

    def enqueue(self, docs: Sequence[Document]) -> int:
        """Queue documents for matching (a document already queued with the same text is
        not queued again); return how many were queued."""
        ...

    def claim(self, limit: int, ttl: float) -> list[Claim]:
        """Up to `limit` queued documents no live node has claimed, oldest first, claimed
        for `ttl` seconds."""
        ...

    def done(self, ids: Sequence[int]) -> None:
        """These claimed documents are matched and recorded: remove them from the queue."""
        ...

    def depths(self) -> dict[str, Any]:
        """Queue depths for `monitor status`: queued and claimed documents."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
