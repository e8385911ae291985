"""`monitor status` on a shared state: the nodes, their leases and rules hash, the queue, and
a warning when the running nodes' rules differ."""

from __future__ import annotations

import time
from pathlib import Path

from monitor.cli.ops import collect_status, render_status
from monitor.cluster.postgres import PostgresCoordinator
from monitor.config import Config, load_config
from monitor.models import Document
from monitor.store.postgres import PostgresStore


def shared_config(tmp_path: Path, url: str) -> Config:
    (tmp_path / "rules").mkdir()
    (tmp_path / "config.yaml").write_text(f"state: {url}\nrules: rules/\n")
    return load_config(tmp_path / "config.yaml")


def test_status_lists_the_nodes_their_leases_the_queue_and_a_rules_mismatch(
    tmp_path: Path, postgres_url: str
) -> None:
    config = shared_config(tmp_path, postgres_url)
    alpha = PostgresCoordinator(postgres_url, "alpha")
    beta = PostgresCoordinator(postgres_url, "beta")
    gone = PostgresCoordinator(postgres_url, "gone")
    store = PostgresStore(postgres_url)
    try:
        alpha.heartbeat(rules_hash="aaaa000011112222", rules=5, started=time.time())
        beta.heartbeat(rules_hash="bbbb000011112222", rules=6, started=time.time())
        gone.heartbeat(rules_hash="aaaa000011112222", rules=5, started=time.time())
        gone.goodbye()
        assert alpha.acquire("notifier:desk", 30.0) is not None
        assert beta.acquire("source:wire", 30.0) is not None
        beta.enqueue([Document(id=f"d{i}", source="wire", title=f"T{i}", body="b")
                      for i in range(3)])
        assert len(alpha.claim(1, 30.0)) == 1
        data = collect_status(config, store, time.time())  # type: ignore[arg-type]
        text = render_status(data, time.time())
    finally:
        for c in (alpha, beta, gone):
            c.close()
        store.close()
    nodes = {n["node"]: n for n in data["nodes"]["nodes"]}
    assert nodes["alpha"]["leases"] == ["notifier:desk"]
    assert nodes["beta"]["leases"] == ["source:wire"]
    rows = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    assert rows["alpha"].endswith("notifier:desk") and rows["beta"].endswith("source:wire")
    assert nodes["gone"]["state"] == "stopped"
    assert data["nodes"]["queue"] == {"queued": 2, "claimed": 1}
    assert "nodes:       2 running, 1 stopped; queue: 2 to match, 1 being matched" in text
    assert "WARNING: nodes run different rules:" in text
    assert "aaaa000011112222 on alpha" in text and "bbbb000011112222 on beta" in text


def test_a_node_polling_many_sources_shows_their_count_and_json_lists_them(
    tmp_path: Path, postgres_url: str
) -> None:
    config = shared_config(tmp_path, postgres_url)
    busy = PostgresCoordinator(postgres_url, "busy")
    store = PostgresStore(postgres_url)
    try:
        busy.heartbeat(rules_hash="aaaa000011112222", rules=5, started=time.time())
        for name in ["notifier:desk"] + [f"source:feed{n}" for n in range(40)]:
            assert busy.acquire(name, 30.0) is not None
        data = collect_status(config, store, time.time())  # type: ignore[arg-type]
        text = render_status(data, time.time())
    finally:
        busy.close()
        store.close()
    assert len(data["nodes"]["nodes"][0]["leases"]) == 41
    [row] = [line for line in text.splitlines() if line.lstrip().startswith("busy ")]
    assert row.endswith("notifier:desk, 40 source polls"), row


def test_status_of_a_sqlite_state_has_no_nodes(tmp_path: Path) -> None:
    from monitor.store.sqlite import SQLiteStore

    (tmp_path / "rules").mkdir()
    (tmp_path / "config.yaml").write_text("state: state.db\nrules: rules/\n")
    config = load_config(tmp_path / "config.yaml")
    with SQLiteStore(tmp_path / "state.db", lock=False) as store:
        data = collect_status(config, store, time.time())
    assert data["nodes"] is None
    assert "nodes:" not in render_status(data, time.time())


async def test_a_once_pass_on_a_shared_state_shows_in_the_daemon_line_unless_a_node_runs(
    tmp_path: Path, postgres_url: str
) -> None:
    from monitor import health
    from monitor.service import Daemon

    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text("rules:\n  - {id: r, query: statustest}\n")
    (tmp_path / "inbox").mkdir()
    (tmp_path / "config.yaml").write_text(
        f"languages: [en]\nstate: {postgres_url}\nrules: rules/\nnodes: {{name: cron}}\n"
        "sources:\n  - {id: inbox, type: folder, path: inbox/}\n")
    config = load_config(tmp_path / "config.yaml")
    async with Daemon(config) as daemon:
        await daemon.run_once()
    store = PostgresStore(postgres_url)
    try:
        once = collect_status(config, store, time.time())["daemon"]
        # a node running elsewhere: its snapshot stays the daemon line after another pass
        running = {**store.get_state(health.STATUS_KEY), "running": True,
                   "updated": time.time(), "pid": 4242, "node": {"node": "alpha"}}
        store.set_state(health.STATUS_KEY, running)
        async with Daemon(config) as daemon:
            await daemon.run_once()
        during = collect_status(config, store, time.time())["daemon"]
    finally:
        store.close()
    assert once["state"] == "stopped" and once["last_pass"] is not None, once
    assert (during["state"], during["pid"]) == ("running", 4242)


async def test_status_shows_each_source_as_the_node_that_polled_it_last_saw_it(
    tmp_path: Path, postgres_url: str
) -> None:
    from monitor import health
    from monitor.service import Daemon

    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text("rules:\n  - {id: r, query: statustest}\n")
    configs = []
    for name in ("alpha", "beta"):
        (tmp_path / name / "wire").mkdir(parents=True)
        (tmp_path / name / "desk").mkdir()
        (tmp_path / name / "config.yaml").write_text(
            f"languages: [en]\nstate: {postgres_url}\nrules: ../rules/\n"
            f"nodes: {{name: {name}}}\nsources:\n  - {{id: wire, type: folder, path: wire/}}\n"
            "  - {id: desk, type: folder, path: desk/}\n")
        configs.append(load_config(tmp_path / name / "config.yaml"))
    async with Daemon(configs[0]) as alpha, Daemon(configs[1]) as beta:
        alpha.vitals.record_poll("wire", time.monotonic(), error="wire: connection refused")
        time.sleep(0.01)
        beta.vitals.record_poll("wire", time.monotonic(), documents=2)  # later, and fine
        beta.vitals.record_poll("desk", time.monotonic(), documents=1)
        for node in (beta, alpha):
            node.node.heartbeat()
            node.vitals.running = True
        beta.save_status()
        alpha.save_status()  # the common report is alpha's: it never polled desk
        store = beta.store
        mine = store.get_state(health.report_key("alpha"))["sources"]
        data = collect_status(configs[0], store, time.time())
        for node in (alpha, beta):
            node.vitals.running = False
    assert set(mine) == {"wire"}  # a node reports only the sources it polled
    lines = {s["id"]: s for s in data["sources"]}
    assert lines["wire"]["healthy"] and lines["wire"]["last_error"] is None, lines["wire"]
    assert lines["desk"]["last_poll"] is not None, lines["desk"]
