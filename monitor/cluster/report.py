"""What `monitor status` shows about the nodes sharing a state: each node with its leases
and rules' content hash, the rules mismatch if any, and the queue's depth (JSON-able)."""

from __future__ import annotations

from typing import Any

from monitor.cluster.base import Coordinator, Lease, NodeInfo


def node_state(info: NodeInfo) -> str:
    """running, stopped (said goodbye) or not responding (no heartbeat within a lease)."""
    if info.stopped:
        return "stopped"
    return "running" if info.alive else "not responding"


def mismatch(nodes: list[NodeInfo]) -> str | None:
    """Which running nodes run which rules, when they do not all run the same."""
    running = [n for n in nodes if n.alive and not n.stopped]
    hashes = {n.rules_hash for n in running}
    if len(hashes) <= 1:
        return None
    groups = sorted(hashes, key=lambda h: (-sum(n.rules_hash == h for n in running), h))
    parts = [f"{h or 'unreadable'} on " + ", ".join(n.node for n in running if n.rules_hash == h)
             for h in groups]
    return "nodes run different rules: " + "; ".join(parts)


def nodes_report(coordinator: Coordinator) -> dict[str, Any]:
    """The nodes, their leases, the rules mismatch and the queue, for `monitor status`."""
    nodes = coordinator.nodes()
    leases = coordinator.leases()
    return {
        "nodes": [_node(n, [x for x in leases if x.node == n.node]) for n in nodes],
        "rules_mismatch": mismatch(nodes),
        "queue": coordinator.depths(),
    }


def _node(info: NodeInfo, leases: list[Lease]) -> dict[str, Any]:
    return {"node": info.node, "host": info.host, "pid": info.pid, "state": node_state(info),
            "started": info.started, "seen": info.seen, "rules_hash": info.rules_hash,
            "rules": info.rules, "leases": [x.name for x in leases]}
