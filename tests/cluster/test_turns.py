"""Sources' turns claimed in batches (several nodes on PostgreSQL): each due turn goes to
one node, comes again an interval after the end of the last poll, a dead node's turns are
taken over once its lease expires, and a node claims no turn of a source it does not have."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from pathlib import Path

import psycopg

from monitor.cluster import Turn
from monitor.config_nodes import NodesConfig
from monitor.service.nodes import Node
from tests.cluster.conftest import Nodes


def _age(url: str, seconds: float, *, expire: bool = False) -> None:
    """Move every source's last turn `seconds` into the past (and end every lease)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE cluster_leases SET turn = turn - %s WHERE turn > 0", (seconds,))
        if expire:
            conn.execute("UPDATE cluster_leases SET expires = 0")


def _names(turns: list[Turn]) -> set[str]:
    return {t.lease.name for t in turns}


def test_due_turns_are_shared_out_in_batches_each_to_one_node(
    nodes: Nodes, postgres_url: str
) -> None:
    a, b = nodes("a"), nodes("b")
    every = {f"source:s{i}": 60.0 for i in range(10)}
    assert a.plan_turns(every) == 10
    b.plan_turns(every)  # the same config on another node: nothing changes
    first = a.claim_turns(4, 30.0, soonest=60.0)
    second = b.claim_turns(100, 30.0, soonest=60.0)
    assert len(first) == 4 and len(second) == 6
    assert _names(first) | _names(second) == set(every)
    assert a.claim_turns(100, 30.0, soonest=60.0) == []  # all held: nothing is due
    a.release_all([t.lease for t in first])  # a's polls ended: given back in one go
    for turn in second:
        b.release(turn.lease)
    assert b.claim_turns(100, 30.0, soonest=60.0) == []  # polled within the interval
    _age(postgres_url, 61.0)
    assert _names(b.claim_turns(100, 30.0, soonest=60.0)) == set(every)


def test_the_next_turn_comes_an_interval_after_the_end_of_the_poll(
    nodes: Nodes, postgres_url: str
) -> None:
    a, b = nodes("a"), nodes("b")
    a.plan_turns({"source:wire": 60.0, "source:slow": 60.0})
    held = {t.lease.name: t.lease for t in a.claim_turns(10, 30.0, soonest=60.0)}
    a.release(held["source:wire"])
    _age(postgres_url, 61.0)  # an interval later, the slow poll still under way
    assert _names(b.claim_turns(10, 30.0, soonest=60.0)) == {"source:wire"}
    a.release(held["source:slow"])  # it ends now: its next turn is an interval from now
    _age(postgres_url, 30.0)
    assert b.claim_turns(10, 30.0, soonest=60.0) == []
    _age(postgres_url, 31.0)
    assert _names(b.claim_turns(10, 30.0, soonest=60.0)) == {"source:slow"}


def test_a_dead_nodes_turn_is_taken_over_once_its_lease_expires(
    nodes: Nodes, postgres_url: str
) -> None:
    a, b = nodes("a"), nodes("b")
    a.plan_turns({"source:wire": 60.0})
    [dead] = a.claim_turns(10, 30.0, soonest=60.0)
    _age(postgres_url, 61.0)  # a died with the turn: due again, but its lease runs
    assert b.claim_turns(10, 30.0, soonest=60.0) == []
    _age(postgres_url, 0.0, expire=True)
    [taken] = b.claim_turns(10, 30.0, soonest=60.0)
    assert taken.lease.generation == dead.lease.generation + 1
    assert a.renew(dead.lease, 30.0) is None  # fenced


def test_a_node_leaves_the_turns_of_sources_it_does_not_have_to_the_others(
    nodes: Nodes
) -> None:
    config = NodesConfig(lease=5.0, heartbeat=1.0)
    old = Node(nodes("old"), config)
    new = Node(nodes("new"), config)
    assert new.plan_turns({"wire": 60.0, "added": 60.0})
    assert old.plan_turns({"wire": 60.0})
    assert old.claim_turns(10) == ["wire"]  # "added" was claimed, then handed back
    assert new.claim_turns(10) == ["added"]  # at once, its turn not spent
    new.give("source:added")
    assert old.claim_turns(10) == []


def test_a_node_does_not_claim_a_turn_of_a_source_it_is_still_polling(
    nodes: Nodes, postgres_url: str
) -> None:
    node = Node(nodes("a"), NodesConfig(lease=5.0, heartbeat=1.0))
    node.plan_turns({"wire": 60.0})
    assert node.claim_turns(10) == ["wire"]
    node.held.clear()  # its lease lost (the node stood still), its poll still running
    _age(postgres_url, 61.0, expire=True)
    assert node.claim_turns(10, busy={"wire"}) == []
    assert node.claim_turns(10) == ["wire"]  # handed back untaken: due at once


async def test_turns_a_stop_came_before_go_back_untaken_to_the_other_nodes(
    nodes: Nodes
) -> None:
    from monitor.service.turns import Turns

    config = NodesConfig(lease=30.0, heartbeat=1.0)
    stopping, other = Node(nodes("stopping"), config), Node(nodes("other"), config)
    every = {f"s{i}": 60.0 for i in range(6)}
    polled: list[str] = []
    hold, go = asyncio.Event(), asyncio.Event()  # hold: never set; go: after the stop
    state = {"stopping": False}

    async def poll(source_id: str) -> bool:  # as the daemon's poll_turn answers
        if source_id == "s2":  # a poll under way when the stop's grace period ends
            try:
                await hold.wait()
            except asyncio.CancelledError:
                return False
        if source_id == "s3":  # waiting for its turn to begin (a slot, the source's lock)
            await go.wait()
            if state["stopping"]:
                return False
        polled.append(source_id)
        return True

    turns = Turns(stopping, every, poll, room=6, stopping=lambda: state["stopping"])
    running = asyncio.create_task(turns.run())
    while len(polled) < 4 or set(turns.polls) != {"s2", "s3"}:
        await asyncio.sleep(0.01)
    state["stopping"] = True
    go.set()
    await running
    await turns.end()
    assert sorted(polled) == ["s0", "s1", "s4", "s5"]
    assert other.plan_turns(every)
    # the turns the stop came before are due at once; the polled ones an interval later
    assert sorted(other.claim_turns(10)) == ["s2", "s3"]

class _Feeds:
    """Tiny feeds on 127.0.0.1 answering 304 to their ETag; records each GET's time, and
    the GETs without the ETag."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.hits: dict[str, list[float]] = {}
        self.unconditional: dict[str, int] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits.setdefault(self.path, []).append(time.monotonic())
                if self.headers.get("If-None-Match") is None:
                    outer.unconditional[self.path] = outer.unconditional.get(self.path, 0) + 1
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.end_headers()
                    return
                body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>'
                        b"</channel></rss>")
                self.send_response(200)
                self.send_header("ETag", '"v1"')
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]


async def test_two_daemons_poll_each_feed_once_per_interval_between_them(
    tmp_path: Path, postgres_url: str
) -> None:
    from monitor.config import load_config
    from monitor.service import Daemon

    feeds = _Feeds()
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text("rules:\n  - {id: r, query: turnstest}\n")
    sources = "".join(f"  - {{id: f{i}, type: feed, interval: 2s, "
                      f"url: 'http://127.0.0.1:{feeds.port}/f{i}.xml'}}\n" for i in range(20))
    configs = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        path = tmp_path / name / "config.yaml"
        path.write_text(f"languages: [en]\nstate: {postgres_url}\nrules: ../rules/\n"
                        f"nodes: {{name: {name}, lease: 5s, heartbeat: 1s}}\n"
                        f"sources:\n{sources}")
        configs.append(load_config(path))
    stop = asyncio.Event()
    try:
        async with Daemon(configs[0]) as one, Daemon(configs[1]) as two:
            runs = [asyncio.create_task(d.run(stop)) for d in (one, two)]
            await asyncio.sleep(7.0)
            stop.set()
            await asyncio.gather(*runs)
    finally:
        feeds.server.shutdown()
    every = 2.0 - 0.1  # the interval less the slack
    assert len(feeds.hits) == 20
    for feed, times in feeds.hits.items():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert len(times) >= 2, f"{feed} polled {len(times)} time(s) in 7 s"
        assert min(gaps) >= every, f"{feed} polled twice within {min(gaps):.2f} s"
    # each poll sent the ETag the last one saved, whichever node that was: one 200 a feed
    assert feeds.unconditional == dict.fromkeys(feeds.hits, 1)
