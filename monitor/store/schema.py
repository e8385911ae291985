"""The state file's schema: numbered migrations, and the checks that refuse a file that is
not ours (another application's SQLite file, a newer schema, corruption)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from monitor.errors import StoreError
from monitor.store.sqlite_stories import MIGRATION as STORIES_MIGRATION

APPLICATION_ID = 0x4D4F4E31  # "MON1": marks the file as ours

MIGRATIONS: tuple[str, ...] = (
    # 1: the initial schema
    """
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        data TEXT NOT NULL,              -- the Document as JSON
        first_seen REAL NOT NULL,
        updated REAL NOT NULL
    );
    CREATE INDEX documents_hash ON documents(content_hash);
    CREATE INDEX documents_updated ON documents(updated);
    CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        rule TEXT NOT NULL,
        document_id TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        created REAL NOT NULL,
        data TEXT NOT NULL               -- the Alert as JSON
    );
    CREATE UNIQUE INDEX alerts_rule_document ON alerts(rule, document_id);
    CREATE INDEX alerts_created ON alerts(created);
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
        notifier TEXT NOT NULL,
        digest TEXT NOT NULL DEFAULT 'immediate',
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt REAL NOT NULL,
        last_error TEXT,
        created REAL NOT NULL,
        delivered_at REAL,
        UNIQUE (alert_id, notifier)
    );
    CREATE INDEX deliveries_due ON deliveries(status, digest, next_attempt);
    CREATE TABLE state (
        key TEXT PRIMARY KEY,
        data TEXT NOT NULL,
        updated REAL NOT NULL
    );
    """,
    # 2: stories (copies of one text grouped), alerts attached to a story
    STORIES_MIGRATION,
)


def check_header(path: Path) -> None:
    """Refuse, before opening it, a file that is not SQLite or belongs to another application."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as f:
        header = f.read(100)
    if not header.startswith(b"SQLite format 3\x00"):
        raise StoreError(
            f"{path} is not a monitor state file (not SQLite); "
            "move it away or set `state:` to another path"
        )
    app_id = int.from_bytes(header[68:72], "big")
    if app_id not in (0, APPLICATION_ID):
        raise StoreError(f"{path} is a SQLite file of another application")


def outdated(db: sqlite3.Connection) -> bool:
    """Whether the schema is older than this version's (a new, empty file included)."""
    return int(db.execute("PRAGMA user_version").fetchone()[0]) < len(MIGRATIONS)


def migrate(
    db: sqlite3.Connection,
    path: Path,
    tx: Callable[[], AbstractContextManager[object]],
    *,
    upgrade: bool = True,
) -> None:
    """Bring the schema up to date, one numbered migration per transaction; with
    `upgrade=False`, refuse an out-of-date schema instead (StoreError)."""
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if app_id == 0 and tables:
        raise StoreError(f"{path} is a SQLite file of another application")
    if version > len(MIGRATIONS):
        raise StoreError(
            f"{path} was written by a newer monitor (schema {version}); upgrade monitor"
        )
    if app_id == APPLICATION_ID and version:
        check = db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise StoreError(f"{path} is corrupt ({check}); restore it from a backup")
    if version < len(MIGRATIONS) and not upgrade:
        raise StoreError(
            f"{path} has an older schema ({version}) than this monitor ({len(MIGRATIONS)}) "
            "and the running daemon has not upgraded it; restart the daemon with this version"
        )
    for number in range(version, len(MIGRATIONS)):
        with tx():
            _exec_script(db, MIGRATIONS[number])
            db.execute(f"PRAGMA user_version={number + 1}")
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")


def _exec_script(db: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT our transaction; run statement by statement instead
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)
