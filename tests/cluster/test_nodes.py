"""The daemon's side of the coordination, on one node (SQLite) and with peers that disagree."""

from __future__ import annotations

import time
from pathlib import Path

from monitor import health
from monitor.cluster import LocalCoordinator, NodeInfo
from monitor.config import NodesConfig
from monitor.service.nodes import Node, rules_hash


def peer(name: str, rules: str, *, alive: bool = True) -> NodeInfo:
    return NodeInfo(node=name, pid=1, host="h", started=0.0, seen=time.time(),
                    rules_hash=rules, rules=1, alive=alive)


def test_the_rules_hash_follows_the_files_content_not_their_dates(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("rules: []\n")
    first = rules_hash(tmp_path)
    (tmp_path / "a.yaml").write_text("rules: []\n")  # saved again, same bytes
    assert rules_hash(tmp_path) == first
    (tmp_path / "b.yaml").write_text("rules: []\n")
    assert rules_hash(tmp_path) != first
    assert len(first) == 16


def test_a_lone_node_holds_every_lease_and_queues_nothing() -> None:
    node = Node(LocalCoordinator("solo"), NodesConfig())
    assert not node.shared
    assert node.take("source:wire", every=60.0) is not None
    assert node.take("source:wire", every=60.0) is not None  # no turns: its scheduler decides
    assert node.take_lane("mail") and node.keep_lane("mail")
    node.give_lane("mail")
    assert node.claim(10) == []


def test_a_node_running_other_rules_is_named_in_health(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("rules: []\n")
    node = Node(LocalCoordinator("one"), NodesConfig())
    node.set_rules(tmp_path, 0)
    node.peers = [peer("one", node.rules_hash), peer("two", node.rules_hash),
                  peer("three", "0123456789abcdef"), peer("gone", "ffff", alive=False)]
    problem = node.rules_mismatch()
    assert problem == (f"nodes run different rules: {node.rules_hash} on one, two; "
                       "0123456789abcdef on three")
    code, body = health.healthz(running=True, last_pass=time.time(), nodes_error=problem)
    assert (code, body["status"]) == (200, "degraded")
    assert "three" in body["reason"]
    node.peers = node.peers[:2]
    assert node.rules_mismatch() is None
