"""Bounded state: retention prunes old documents and alerts, a pruned document that its source
still lists raises no alert again, and the state file stays bounded over a long run."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.models import Alert, Document
from monitor.service import Daemon, Timings
from monitor.service.pruning import PRUNE_KEY
from monitor.store import SQLiteStore
from tests.reliability.helpers import add_docs, running, until, write_project
from tests.servers import http_server

DAY = 86400.0
MAILDIR = "  - {name: mail, type: email, transport: maildir, maildir: mail/, to: [a@example.org]}\n"


def doc(i: int, body: str = "") -> Document:
    return Document(id=f"wire:{i}", source="wire", title=f"Story {i}", body=body or f"Body {i}")


def alert(d: Document, created: float) -> Alert:
    return Alert(id=Alert.make_id("r", d.content_hash), rule="r", rule_title="R", document=d,
                 created=datetime.fromtimestamp(created, UTC))


def mails(tmp: Path) -> list[Path]:
    new = tmp / "mail" / "new"
    return sorted(new.iterdir()) if new.is_dir() else []


def test_a_pruned_document_keeps_its_identity_but_not_its_text(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "state.db") as store:
        d = doc(1)
        store.put_document(d)
        assert store.add_alert(alert(d, 0.0), [("mail", "immediate")])
        [row] = store.due_deliveries(now=1e12)
        store.mark_delivered([row.id], 1.0)
        assert store.prune(before=1e12) == 2  # the alert and the document's text
        assert store.get_document(d.id) is None
        assert store.documents_since(0) == []
        assert store.source_counts() == {}
        assert store.alerts_since(0) == []
        assert store.document_status(d) == "unchanged"  # still listed: no new alert
        assert store.document_status(doc(2, body=d.body).model_copy(
            update={"title": d.title})) == "duplicate"  # the same text under another id
        assert store.document_status(doc(1, body="Rewritten")) == "changed"  # an update
        assert store.prune(before=1e12) == 0  # nothing left to prune


def test_pending_alerts_are_never_pruned(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "state.db") as store:
        d = doc(1)
        store.put_document(d)
        store.add_alert(alert(d, 0.0), [("mail", "immediate")])
        store.prune(before=1e12)
        [row] = store.due_deliveries(now=1e12)
        assert row.alert.document.title == "Story 1"  # the alert still carries its text


async def test_folder_still_listing_a_pruned_document_does_not_realert(tmp_path: Path) -> None:
    cfg = write_project(tmp_path, notifiers=MAILDIR, extra="retention: 1s\n")
    add_docs(tmp_path / "inbox", 2)
    await until(lambda: False, 0.5)  # settled
    async with Daemon(load_config(cfg)) as daemon:
        assert await daemon.run_once() == 2
    assert len(mails(tmp_path)) == 2
    await until(lambda: False, 1.2)  # older than the retention now
    async with Daemon(load_config(cfg)) as daemon:
        await daemon.prune()
        assert daemon.store.alerts_since(0) == []
    async with Daemon(load_config(cfg)) as daemon:  # a restart reads the folder afresh
        assert await daemon.run_once() == 0
    assert len(mails(tmp_path)) == 2


async def test_feed_still_listing_a_pruned_entry_does_not_realert(tmp_path: Path) -> None:
    rss = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>w</title>'
           b"<item><guid>urn:x:1</guid><title>Old reliabilitytest story</title>"
           b"<description>Body.</description></item></channel></rss>")
    with http_server() as http:
        http.routes["/feed.xml"] = (200, {}, rss)
        cfg = write_project(
            tmp_path, notifiers=MAILDIR, extra="retention: 1s\n",
            sources=f"  - {{id: wire, type: feed, url: '{http.base}/feed.xml'}}\n",
        )
        async with Daemon(load_config(cfg)) as daemon:
            assert await daemon.run_once() == 1
        await until(lambda: False, 1.2)
        async with Daemon(load_config(cfg)) as daemon:
            await daemon.prune()
        async with Daemon(load_config(cfg)) as daemon:
            assert await daemon.run_once() == 0
    assert len(mails(tmp_path)) == 1


async def test_the_daemon_prunes_on_its_schedule(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The prune job runs every `prune_every` seconds (a day); shortened here to 0.5 s."""
    caplog.set_level(logging.INFO)
    cfg = write_project(tmp_path, notifiers=MAILDIR, extra="retention: 1s\n")
    add_docs(tmp_path / "inbox", 3)
    async with running(cfg, Timings(prune_every=0.5)) as (daemon, _task):
        assert await until(lambda: len(mails(tmp_path)) == 3, 30)
        assert await until(lambda: daemon.store.alerts_since(0) == [], 10)
        assert daemon.store.documents_since(0) == []
        # 3 alerts, 3 texts and 3 story memberships
        assert any("pruned 9 old rows" in r.getMessage() for r in caplog.records)
        await until(lambda: False, 1.0)
    assert len(mails(tmp_path)) == 3


async def test_run_once_from_cron_prunes_once_a_day(tmp_path: Path) -> None:
    """The last prune's time is kept in the state, so short-lived runs prune too."""
    cfg = write_project(tmp_path, notifiers=MAILDIR, extra="retention: 1s\n")
    add_docs(tmp_path / "inbox", 2)
    await until(lambda: False, 0.5)  # settled
    async with Daemon(load_config(cfg)) as daemon:
        assert await daemon.run_once() == 2  # prunes too (nothing old yet), noting the time
        pruned_at = daemon.store.get_state(PRUNE_KEY)["at"]
    await until(lambda: False, 1.2)
    async with Daemon(load_config(cfg)) as daemon:
        await daemon.run_once()  # less than a day since the last prune: nothing pruned
        assert len(daemon.store.alerts_since(0)) == 2
        daemon.store.set_state(PRUNE_KEY, {"at": pruned_at - DAY})
    async with Daemon(load_config(cfg)) as daemon:
        assert await daemon.run_once() == 0
        assert daemon.store.alerts_since(0) == [] and daemon.store.documents_since(0) == []
    assert len(mails(tmp_path)) == 2


class Clock:
    def __init__(self) -> None:
        self.now = 1.7e9

    def time(self) -> float:
        return self.now


def test_state_file_stays_bounded_over_a_long_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """35 simulated days of 80 documents a day (2 KB each, one delivered alert each), pruned
    daily with a 5-day retention and vacuumed weekly: once the retention window is full the
    file stops growing, apart from a small fingerprint (id and text hash) per document."""
    clock = Clock()
    monkeypatch.setattr("monitor.store.sqlite.time", clock)
    retention, per_day, days = 5 * DAY, 80, 35
    sizes = []
    with SQLiteStore(tmp_path / "state.db") as store:
        for day in range(days):
            for i in range(per_day):
                clock.now += DAY / per_day
                d = doc(day * per_day + i, body=f"day {day} item {i} " + "x" * 2000)
                store.put_document(d)
                store.add_alert(alert(d, clock.now), [("mail", "immediate")])
            store.mark_delivered([r.id for r in store.due_deliveries(clock.now, 1000)],
                                 clock.now)
            store.prune(clock.now - retention)
            if day % 7 == 6:
                store.vacuum()
                sizes.append(store.size_bytes())
        texts = store._db.execute("SELECT count(*) FROM documents WHERE data != ''").fetchone()
        assert texts[0] <= 6 * per_day
        assert len(store.alerts_since(0)) <= 6 * per_day
    # the window is full in week 1; from then on only fingerprints are added
    first, last = sizes[0], sizes[-1]
    fingerprint = (last - first) / ((days - 7) * per_day)
    assert fingerprint < 400, f"{fingerprint:.0f} bytes per pruned document ({sizes})"
    assert last < 1.5 * first, sizes


def test_state_vacuum_command_shrinks_a_pruned_state(tmp_path: Path) -> None:
    cfg = write_project(tmp_path, notifiers=MAILDIR)
    state = tmp_path / "state.db"
    with SQLiteStore(state) as store:
        for i in range(400):
            store.put_document(doc(i, body="y" * 4000))
        store.prune(before=1e12)
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = store.size_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "state", "--config", str(cfg), "--vacuum"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("vacuumed ")
    with SQLiteStore(state) as store:
        after = store.size_bytes()
        assert store.document_status(doc(7, body="y" * 4000)) == "unchanged"
    assert after < before / 5, (before, after)
    assert sqlite3.connect(state).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_vacuum_leaves_the_state_smaller_as_the_store_counts_it(tmp_path: Path) -> None:
    """The daemon's store reports its size with the write-ahead log: right after a vacuum it
    must not count the rebuilt pages twice (the state looked bigger than before)."""
    with SQLiteStore(tmp_path / "state.db") as store:
        for i in range(300):
            store.put_document(doc(i, body="z" * 4000))
        store.prune(before=1e12)
        before = store.size_bytes()
        store.vacuum()
        assert store.size_bytes() < before / 3, (before, store.size_bytes())
