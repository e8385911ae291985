"""Moving a state between stores: `monitor state --migrate-to postgresql://...` copies a
SQLite state into PostgreSQL (`copy_state`), and `--migrate-to PATH` with the state in
PostgreSQL copies it back into a SQLite file (`copy_back`).

Every row is copied as it is, in one transaction of the target (all or nothing): seen
documents with their text hashes (also those whose text was pruned, so nothing alerts
again), alerts, the outbox with each row's status, attempts and id, source and component
state, stories and their band index. The target must be empty: a second run, or a state
already in use, is refused rather than merged. The cluster's tables (nodes, leases) stay
behind: they mean nothing to one daemon.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from monitor.errors import StoreError

if TYPE_CHECKING:
    import sqlite3

    from monitor.store.postgres import Conn, PostgresStore
    from monitor.store.sqlite import SQLiteStore

# table -> columns, in an order that keeps references valid (deliveries need their alerts)
TABLES: dict[str, tuple[str, ...]] = {
    "documents": ("id", "source", "content_hash", "data", "first_seen", "updated"),
    "alerts": ("id", "rule", "document_id", "content_hash", "created", "data", "story",
               "attached_to"),
    "deliveries": ("id", "alert_id", "notifier", "digest", "status", "attempts",
                   "next_attempt", "last_error", "created", "delivered_at"),
    "state": ("key", "data", "updated"),
    "story_docs": ("n", "document_id", "story", "source", "host", "url", "title", "language",
                   "seen", "shingles"),
    "story_bands": ("band", "doc"),
}
IDENTITIES = {"deliveries": "id", "story_docs": "n"}  # ids kept, so their counters move on
BATCH = 2000


def copy_state(source: SQLiteStore, target: PostgresStore) -> dict[str, int]:
    """Copy every row of `source` into the empty `target`; return the rows copied per
    table. StoreError (nothing copied) when the target already holds a state."""

    def work(conn: Conn) -> dict[str, int]:
        _refuse_filled(conn, target.url)
        copied = {table: _copy_table(source, conn, table, columns)
                  for table, columns in TABLES.items()}
        for table, column in IDENTITIES.items():
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)".encode())
        return copied

    return target._run(work)


def _refuse_filled(conn: Conn, where: str) -> None:
    for table in TABLES:
        row = conn.execute(f"SELECT count(*) AS n FROM {table}".encode()).fetchone()
        if row and row["n"]:
            raise StoreError(
                f"{where} already holds a monitor state ({row['n']} rows in {table}); "
                "migrate into a new, empty database (createdb), or drop this one first")


def _copy_table(source: SQLiteStore, conn: Conn, table: str, columns: tuple[str, ...]) -> int:
    names = ", ".join(columns)
    count = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN".encode()) as copy:
        for row in _rows(source, f"SELECT {names} FROM {table}"):
            copy.write_row(row)
            count += 1
    return count


def _rows(source: SQLiteStore, sql: str) -> Iterator[tuple[Any, ...]]:
    with source._errors():
        cursor = source._db.execute(sql)
        while batch := cursor.fetchmany(BATCH):
            yield from (tuple(row) for row in batch)


def copy_back(source: PostgresStore, target: SQLiteStore) -> dict[str, int]:
    """Copy every row of `source` into the empty SQLite `target`; return the rows copied per
    table. The rows are one snapshot of `source`: daemons may go on using it meanwhile, and
    what they write after the copy began is not in it. StoreError (nothing copied) when the
    target already holds a state."""

    def work(conn: Conn) -> dict[str, int]:
        conn.execute(b"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with target._tx() as db:
            for table in TABLES:
                if db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                    raise StoreError(
                        f"{target.path} already holds a monitor state (rows in {table}); "
                        "give the path of a new file")
            return {table: _copy_rows(conn, db, table, columns)
                    for table, columns in TABLES.items()}

    return source._run(work)


def _copy_rows(conn: Conn, db: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> int:
    from psycopg.rows import tuple_row

    names = ", ".join(columns)
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    count = 0
    with conn.cursor(name=f"copy_{table}", row_factory=tuple_row) as cur:
        cur.execute(f"SELECT {names} FROM {table}".encode())
        while batch := cur.fetchmany(BATCH):
            db.executemany(insert, batch)
            count += len(batch)
    return count
