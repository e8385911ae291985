"""SQLiteStore on a real file: the lock, foreign files, schema upgrades (the contract both
stores keep is tested in test_contract.py)."""

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
