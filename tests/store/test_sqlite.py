"""SQLiteStore on a real file: document identity, alert de-duplication, outbox, lock, safety."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.errors import LockedError, StoreError
from monitor.models import Alert, Document
from monitor.store import SQLiteStore, schema


def doc(id: str = "seeds:a.txt", title: str = "Headline", body: str = "Body") -> Document:
    return Document(id=id, source="seeds", title=title, body=body)


def alert(d: Document, rule: str = "r1") -> Alert:
    return Alert(id=Alert.make_id(rule, d.content_hash), rule=rule, rule_title="R", document=d)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "state.db")
    yield s
    s.close()


def test_document_versions_and_duplicates(store: SQLiteStore) -> None:
    assert store.put_document(doc()) == "new"
    assert store.put_document(doc()) == "unchanged"
    assert store.put_document(doc(body="Changed")) == "changed"
    assert store.put_document(doc(id="seeds:copy.txt", body="Changed")) == "duplicate"
    assert store.document_status(doc(id="seeds:b.txt", body="Other")) == "new"
    stored = store.get_document("seeds:a.txt")
    assert stored is not None and stored.body == "Changed"


def test_same_alert_is_never_recorded_twice(store: SQLiteStore) -> None:
    d = doc()
    assert store.add_alert(alert(d), [("mail", "immediate"), ("atom", "immediate")])
    assert not store.add_alert(alert(d), [("mail", "immediate")])
    # the same rule on a new version of the same document does not alert again
    assert not store.add_alert(alert(doc(body="v2")), [("mail", "immediate")])
    # another rule does
    assert store.add_alert(alert(d, rule="r2"), [("mail", "immediate")])
    assert len(store.due_deliveries(now=1e12)) == 3


def test_outbox_lifecycle(store: SQLiteStore) -> None:
    store.add_alert(alert(doc()), [("mail", "immediate"), ("digest", "daily")])
    [due] = store.due_deliveries(now=1e12)
    assert due.notifier == "mail" and due.alert.document.title == "Headline"
    store.mark_retry([due.id], "connection refused", next_attempt=2e12)
    assert store.due_deliveries(now=1e12) == []
    [again] = store.due_deliveries(now=3e12)
    assert again.attempts == 1 and again.last_error == "connection refused"
    store.mark_failed([again.id], "gave up")
    assert [d.id for d in store.deliveries("failed")] == [again.id]
    assert store.retry_failed(now=0) == 1
    store.mark_delivered([again.id], now=5)
    assert store.due_deliveries(now=1e12) == []
    assert store.delivery_counts() == {"pending": 1, "delivered": 1, "failed": 0}
    assert [d.notifier for d in store.digest_deliveries("digest", "daily")] == ["digest"]


def test_state_survives_reopen(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "s.db") as s:
        s.set_state("source:feed", {"etag": '"abc"', "failures": 2})
        s.put_document(doc())
    with SQLiteStore(tmp_path / "s.db") as s:
        assert s.get_state("source:feed") == {"etag": '"abc"', "failures": 2}
        assert s.get_state("missing") == {}
        assert s.document_status(doc()) == "unchanged"


def test_second_writer_is_refused(store: SQLiteStore) -> None:
    with pytest.raises(LockedError, match="in use"):
        SQLiteStore(store.path)
    reader = SQLiteStore(store.path, lock=False)  # status commands read while it runs
    reader.close()


def test_foreign_files_are_refused_not_recreated(tmp_path: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("hello, this is not a database\n" * 10)
    with pytest.raises(StoreError, match="not a monitor state file"):
        SQLiteStore(text)
    assert text.read_text().startswith("hello")

    other = tmp_path / "other.db"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="another application"):
        SQLiteStore(other)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    SQLiteStore(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=999")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer monitor"):
        SQLiteStore(path)


CURRENT = len(schema.MIGRATIONS)


def _upgrade(monkeypatch: pytest.MonkeyPatch) -> None:
    """This version of monitor gains a second schema step."""
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, "CREATE TABLE extra (x)"))


def _version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


def test_a_command_that_only_looks_upgrades_no_file_a_daemon_is_using(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.db"
    daemon = SQLiteStore(path)  # an older daemon: it holds the lock
    _upgrade(monkeypatch)
    with pytest.raises(StoreError, match="older schema"):
        SQLiteStore(path, lock=False)
    assert _version(path) == CURRENT  # untouched beneath the running daemon
    daemon.close()
    SQLiteStore(path, lock=False).close()  # nobody holds it now: upgraded
    assert _version(path) == CURRENT + 1


def test_the_daemon_upgrades_its_state_on_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.db"
    SQLiteStore(path).close()
    _upgrade(monkeypatch)
    with SQLiteStore(path) as store:
        store.put_document(doc())
    assert _version(path) == CURRENT + 1
