"""LocalCoordinator: one daemon on its own state (SQLite, whose lock admits one process).

Every lease is granted at once and never lost, nothing is queued: the daemon works as it
always has, and its scheduler alone decides when each source runs.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping, Sequence
from typing import Any

from monitor.cluster.base import Claim, Lease, NodeInfo, Turn
from monitor.models import Document

NEVER = float("inf")


class LocalCoordinator:
    """The Coordinator of a single node."""

    shared = False

    def __init__(self, node: str) -> None:
        self.node = node
        self._info: NodeInfo | None = None

    def heartbeat(self, *, rules_hash: str, rules: int, started: float) -> None:
        self._info = NodeInfo(node=self.node, pid=os.getpid(), host=socket.gethostname(),
                              started=started, seen=time.time(), rules_hash=rules_hash,
                              rules=rules, alive=True)

    def goodbye(self) -> None:
        self._info = None

    def nodes(self) -> list[NodeInfo]:
        return [self._info] if self._info is not None else []

    def acquire(self, name: str, ttl: float, *, every: float = 0.0) -> Lease | None:
        return Lease(name=name, node=self.node, generation=1, expires=NEVER)

    def renew(self, lease: Lease, ttl: float) -> Lease | None:
        return lease

    def renew_all(self, leases: Sequence[Lease], ttl: float) -> list[Lease]:
        return list(leases)

    def release(self, lease: Lease) -> None:
        return None

    def release_all(self, leases: Sequence[Lease]) -> None:
        return None

    def plan_turns(self, every: Mapping[str, float]) -> int:
        return 0  # one node: its scheduler runs each source on its interval

    def claim_turns(self, limit: int, ttl: float, *, soonest: float,
                    skip: Sequence[str] = ()) -> list[Turn]:
        return []

    def hand_back(self, turns: Sequence[Turn]) -> None:
        return None

    def leases(self) -> list[Lease]:
        return []

    def enqueue(self, docs: Sequence[Document]) -> int:
        raise NotImplementedError("a single node matches what it polls; nothing is queued")

    def claim(self, limit: int, ttl: float) -> list[Claim]:
        return []

    def done(self, ids: Sequence[int]) -> None:
        return None

    def depths(self) -> dict[str, Any]:
        return {}

    def close(self) -> None:
        return None
