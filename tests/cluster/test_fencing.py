"""Fencing: a node that stood still (SIGSTOP, a partition) while another took its notifier
over must not send, when it wakes up, what it had in hand: the other node sent it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from monitor.cluster.postgres import PostgresCoordinator
from monitor.config import DeliveryConfig, NodesConfig
from monitor.delivery.outbox import Outbox
from monitor.models import Alert
from monitor.service.nodes import Node
from monitor.store.postgres import PostgresStore
from tests.delivery.conftest import make_alert


class Receiver:
    """A notifier that keeps what it was given (the receiving end of one node)."""

    name = "hook"
    last_answer = ""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def __aenter__(self) -> Receiver:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def send(self, alert: Alert) -> None:
        self.sent.append(alert.id)

    async def send_digest(self, alerts: Sequence[Alert], title: str) -> None:
        self.sent += [a.id for a in alerts]


def node(url: str, name: str, lease: float) -> Node:
    return Node(PostgresCoordinator(url, name, lease=lease),
                NodesConfig(lease=lease, heartbeat=lease / 2))


async def test_a_node_waking_after_a_takeover_sends_nothing_the_other_sent(
    postgres_url: str,
) -> None:
    store = PostgresStore(postgres_url)
    alerts = [make_alert(f"Story {n}", n=n) for n in range(3)]
    for alert in alerts:
        assert store.add_alert(alert, [("hook", "immediate")])
    a, b = node(postgres_url, "a", 0.5), node(postgres_url, "b", 30.0)
    at_a, at_b = Receiver(), Receiver()
    outbox_a = Outbox(store, {"hook": at_a}, DeliveryConfig(), lanes=a)
    outbox_b = Outbox(store, {"hook": at_b}, DeliveryConfig(), lanes=b)
    try:
        # a takes the notifier and reads what is due, then stands still
        assert a.take_lane("hook")
        in_hand = store.due_deliveries(time.time(), notifier="hook")
        assert len(in_hand) == 3
        assert await outbox_b.run_once() == 0  # b waits while a's lease lasts
        while not await outbox_b.run_once():  # a's lease expires: b takes over
            await asyncio.sleep(0.1)
        assert sorted(at_b.sent) == sorted(x.id for x in alerts)
        # a wakes up with its rows: its lease changed hands, it sends none of them
        assert await outbox_a._send_rows("hook", in_hand, time.time()) == 0
        assert at_a.sent == []
        assert not a.keep_lane("hook")
    finally:
        for n in (a, b):
            n.coordinator.close()
        store.close()


async def test_a_node_holding_its_lease_sends_what_it_has_in_hand(postgres_url: str) -> None:
    store = PostgresStore(postgres_url)
    assert store.add_alert(make_alert("Story", n=1), [("hook", "immediate")])
    a = node(postgres_url, "a", 30.0)
    at_a = Receiver()
    try:
        assert a.take_lane("hook")
        in_hand = store.due_deliveries(time.time(), notifier="hook")
        outbox = Outbox(store, {"hook": at_a}, DeliveryConfig(), lanes=a)
        assert await outbox._send_rows("hook", in_hand, time.time()) == 1
        assert len(at_a.sent) == 1
    finally:
        a.coordinator.close()
        store.close()
