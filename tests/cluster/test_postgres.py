"""PostgresCoordinator on a real, throwaway PostgreSQL: leases change hands only when free or
expired, a hung holder is fenced off, turns keep a source to one poll per interval, the
queue hands each document to one claimer, and a restarted server is survived."""

from __future__ import annotations

import time

import pytest

from monitor.cluster.postgres import PostgresCoordinator
from monitor.errors import ClusterError
from monitor.models import Document
from tests.cluster.conftest import Nodes
from tests.pg import PgServer


def doc(n: int, text: str = "body") -> Document:
    return Document(id=f"doc-{n}", source="wire", title=f"Story {n}", body=text)


def test_a_lease_is_exclusive_and_changes_hands_with_a_new_generation(nodes: Nodes) -> None:
    a, b = nodes("a"), nodes("b")
    held = a.acquire("notifier:mail", 30.0)
    assert held is not None and held.node == "a"
    assert b.acquire("notifier:mail", 30.0) is None
    assert a.renew(held, 30.0) is not None
    a.release(held)
    taken = b.acquire("notifier:mail", 30.0)
    assert taken is not None and taken.generation == held.generation + 1
    assert a.renew(held, 30.0) is None  # fenced: it changed hands
    assert [(lease.name, lease.node) for lease in a.leases()] == [("notifier:mail", "b")]


def test_a_hung_holder_loses_its_lease_when_it_expires_and_cannot_renew_it(nodes: Nodes) -> None:
    a, b = nodes("a"), nodes("b")
    held = a.acquire("source:wire", 0.3)
    assert held is not None
    assert b.acquire("source:wire", 30.0) is None
    while b.acquire("source:wire", 30.0) is None:  # a stands still (SIGSTOP) meanwhile
        time.sleep(0.05)
    assert a.renew(held, 30.0) is None, "a node waking after a takeover must be fenced"


def test_a_turn_comes_once_per_interval_whichever_node_asks(nodes: Nodes) -> None:
    a, b = nodes("a"), nodes("b")
    first = a.acquire("source:wire", 30.0, every=3600.0)
    assert first is not None
    a.release(first)
    assert b.acquire("source:wire", 30.0, every=3600.0) is None  # polled within the hour
    assert a.acquire("source:wire", 30.0, every=3600.0) is None
    event = b.acquire("source:wire", 30.0)  # a file event: exclusive, not a turn
    assert event is not None
    b.release(event)
    second = a.acquire("source:wire", 30.0, every=0.0)
    assert second is not None and second.generation == first.generation + 2


def test_the_next_turn_counts_from_the_end_of_a_slow_poll(nodes: Nodes) -> None:
    """A poll that waited for a connection longer than its interval does not let another
    node's next turn start at once: both requests would leave together."""
    a, b = nodes("a"), nodes("b")
    slow = a.acquire("source:wire", 30.0, every=2.0)
    assert slow is not None
    time.sleep(2.2)  # the poll is still under way when the interval has passed
    assert b.acquire("source:wire", 30.0, every=2.0) is None  # a still holds it
    a.release(slow)
    assert b.acquire("source:wire", 30.0, every=2.0) is None, "a turn right after a poll"
    while (turn := b.acquire("source:wire", 30.0, every=2.0)) is None:  # an interval later
        time.sleep(0.05)
    assert turn.node == "b"


def test_each_queued_document_goes_to_one_claimer_until_its_claim_expires(nodes: Nodes) -> None:
    a, b = nodes("a"), nodes("b")
    assert a.enqueue([doc(i) for i in range(5)]) == 5
    assert b.enqueue([doc(0), doc(1)]) == 0  # queued already, same text
    assert b.enqueue([doc(0, "updated text")]) == 1  # a changed document is matched again
    mine = a.claim(3, 0.5)
    theirs = b.claim(10, 30.0)
    assert len(mine) == 3 and len(theirs) == 3
    assert not {c.id for c in mine} & {c.id for c in theirs}
    first = mine[0].document
    assert (first.id, first.title, first.content_hash) == ("doc-0", "Story 0", doc(0).content_hash)
    assert a.depths() == {"queued": 0, "claimed": 6}
    b.done([c.id for c in theirs])
    while not (again := b.claim(10, 30.0)):  # a died with its batch: it expires
        time.sleep(0.05)
    assert sorted(c.id for c in again) == sorted(c.id for c in mine)
    b.done([c.id for c in again])
    assert a.depths() == {"queued": 0, "claimed": 0}


def test_heartbeats_list_the_nodes_and_a_goodbye_frees_everything(nodes: Nodes) -> None:
    a, b = nodes("a"), nodes("b")
    a.heartbeat(rules_hash="1111", rules=3, started=1.0)
    b.heartbeat(rules_hash="2222", rules=4, started=2.0)
    held = a.acquire("notifier:mail", 30.0)
    a.enqueue([doc(1)])
    assert len(a.claim(5, 30.0)) == 1
    listed = {n.node: n for n in b.nodes()}
    assert set(listed) == {"a", "b"} and listed["a"].alive
    assert (listed["a"].rules_hash, listed["b"].rules) == ("1111", 4)
    a.goodbye()
    after = {n.node: n for n in b.nodes()}
    assert after["a"].stopped and not after["a"].alive
    assert held is not None and b.acquire("notifier:mail", 30.0) is not None
    assert [c.document.id for c in b.claim(5, 30.0)] == ["doc-1"]


def test_nodes_starting_together_create_the_tables_once(postgres_url: str) -> None:
    import threading

    errors: list[BaseException] = []

    def start(n: int) -> None:
        try:
            PostgresCoordinator(postgres_url, f"n{n}").close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_a_restarted_server_is_an_error_naming_the_node_then_works_again(
    postgres: PgServer, nodes: Nodes
) -> None:
    a = nodes("a")
    assert a.acquire("job:prune", 30.0) is not None
    postgres.stop()
    try:
        with pytest.raises(ClusterError) as caught:
            a.acquire("job:health", 30.0)
        assert "node 'a'" in str(caught.value) and "PostgreSQL at 127.0.0.1" in str(caught.value)
        assert "password" not in str(caught.value)
    finally:
        postgres.start_again()
    assert a.acquire("job:health", 30.0) is not None  # reconnected by itself


def test_a_heartbeat_renews_every_lease_still_held_in_one_call(nodes: Nodes) -> None:
    a, b = nodes("a"), nodes("b")
    short = a.acquire("source:one", 0.3)
    long = a.acquire("source:two", 30.0)
    assert short is not None and long is not None
    while b.acquire("source:one", 30.0) is None:  # a hangs: source:one changes hands
        time.sleep(0.05)
    renewed = a.renew_all([short, long], 30.0)
    assert [x.name for x in renewed] == ["source:two"]
    assert renewed[0].expires > long.expires
    assert a.renew_all([], 30.0) == []
