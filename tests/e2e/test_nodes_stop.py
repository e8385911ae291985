"""A node asked to stop (SIGTERM) exits even when what it waits for does not end: while
PostgreSQL is down (its retries give up at once), and while a query waits on a lock held by
someone else (the stop deadline ends the process and the log says what it waited for).
Nothing is lost either way: a restart or another node delivers every alert, once."""

from __future__ import annotations

import collections
import signal
import subprocess
from pathlib import Path

import psycopg

from monitor.stopping import LATE_EXIT, STOP_DEADLINE
from tests.helpers import HttpTestServer, http_server
from tests.pg import PgServer
from tests.reliability.helpers import add_docs, start, terminate, wait_for, write_project

EXIT_WAIT = STOP_DEADLINE + 100  # seconds: far beyond the deadline (a hang, not a timing)


def project(tmp: Path, url: str, hook: HttpTestServer) -> Path:
    """Nodes on `url` sending to a webhook; `retry_for: 10m`: a node that waited that out
    after SIGTERM would never be seen to exit by this test."""
    notifiers = f"  - {{name: hook, type: webhook, url: '{hook.url}'}}\n"
    extra = "nodes: {lease: 2s, heartbeat: 0.5s}\n"
    cfg = write_project(tmp, notifiers=notifiers, extra=extra)
    cfg.write_text(cfg.read_text().replace(
        "state: state.db", f"store: {{type: postgresql, url: '{url}', retry_for: 10m}}"))
    return cfg


def node(cfg: Path, name: str) -> subprocess.Popen[bytes]:
    return start(cfg, "--node", name, log=cfg.parent / f"{name}.log")


def log(cfg: Path, name: str) -> str:
    path = cfg.parent / f"{name}.log"
    return path.read_text(errors="replace") if path.exists() else ""


def stopped(proc: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM, then the exit code (None: still running long after the stop deadline)."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=EXIT_WAIT)
    except subprocess.TimeoutExpired:
        return None


def delivered(hook: HttpTestServer, titles: list[str]) -> bool:
    """Every one of `titles` has reached the webhook (how often is checked at the end)."""
    return set(hook.titles()) >= set(titles)


def test_sigterm_while_postgresql_is_down_exits_and_a_restart_delivers_everything(
    tmp_path: Path, postgres: PgServer
) -> None:
    url = postgres.database()
    with http_server() as hook:
        cfg = project(tmp_path, url, hook)
        inbox = tmp_path / "inbox"
        alpha = node(cfg, "alpha")
        try:
            titles = add_docs(inbox, 2)
            assert wait_for(lambda: delivered(hook, titles), 90), log(cfg, "alpha")
            assert wait_for(lambda: recorded(url, len(titles)), 30), log(cfg, "alpha")
            postgres.stop()
            titles += add_docs(inbox, 3, start=2)  # found while the state cannot be reached
            # its poll now waits in the state's retries (`retry_for`), in the event loop
            assert wait_for(lambda: "PostgreSQL state" in log(cfg, "alpha"), 60), log(cfg, "alpha")
            code = stopped(alpha)
            assert code == 0, log(cfg, "alpha")[-3000:]
        finally:
            postgres.ensure_running()
            terminate(alpha)
        again = node(cfg, "alpha")
        try:
            assert wait_for(lambda: delivered(hook, titles), 90), log(cfg, "alpha")
        finally:
            assert terminate(again) == 0, log(cfg, "alpha")[-3000:]
    got = collections.Counter(hook.titles())
    assert set(got) == set(titles) and max(got.values()) == 1, got


def test_sigterm_while_a_query_waits_on_a_lock_exits_by_the_deadline_and_another_node_takes_over(
    tmp_path: Path, postgres: PgServer
) -> None:
    url = postgres.database()
    with http_server() as hook:
        cfg = project(tmp_path, url, hook)
        inbox = tmp_path / "inbox"
        alpha = node(cfg, "alpha")
        try:
            titles = add_docs(inbox, 2)
            assert wait_for(lambda: delivered(hook, titles), 90), log(cfg, "alpha")
            assert wait_for(lambda: recorded(url, len(titles)), 30), log(cfg, "alpha")
            with psycopg.connect(url) as admin:  # e.g. a long maintenance transaction
                admin.execute("LOCK TABLE documents IN ACCESS EXCLUSIVE MODE")
                titles += add_docs(inbox, 3, start=2)  # alpha's next poll waits on the lock
                assert wait_for(lambda: waiting_on_a_lock(url), 60), log(cfg, "alpha")
                code = stopped(alpha)
                admin.rollback()
        finally:
            terminate(alpha)
        said = log(cfg, "alpha")
        assert code == LATE_EXIT, said[-3000:]
        assert "stopping: still busy" in said and "monitor/store/postgres.py" in said, said
        beta = node(cfg, "beta")  # takes over what alpha had in hand
        try:
            assert wait_for(lambda: delivered(hook, titles), 90), log(cfg, "beta")
        finally:
            assert terminate(beta) == 0, log(cfg, "beta")[-3000:]
    got = collections.Counter(hook.titles())
    assert set(got) == set(titles) and max(got.values()) == 1, got


def recorded(url: str, count: int) -> bool:
    """At least `count` deliveries are marked delivered in the state. What reached the
    webhook is marked a moment later; a delivery sent but not yet marked when the state
    goes away is sent again after the restart (at least once, by design), so the outage
    must begin after the mark, or the test itself would make the duplicate."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM deliveries WHERE status = 'delivered'").fetchone()
    return bool(row) and int(row[0]) >= count


def waiting_on_a_lock(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity "
                           "WHERE wait_event_type = 'Lock'").fetchone()
    return bool(row and row[0])
