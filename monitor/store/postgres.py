"""PostgresStore: the Store in a PostgreSQL database (`state: postgresql://user@host/db`).

Connections come from a psycopg pool, checked before each use, so a server restart costs
the calls made while it is down, not the daemon: a call that loses its connection is
retried (with a warning logged) for `retry_for` seconds, then raises StoreUnavailable,
which the daemon treats like a full disk (the documents are kept for the next poll, the
deliveries stay pending). Every write is one transaction, and each is safe to repeat:
an alert is unique by (rule, document) and by id, so a retried insert adds nothing.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from monitor import stopping
from monitor.config import PostgresStoreConfig
from monitor.errors import StoreError, StoreUnavailable
from monitor.models import Alert, Document
from monitor.registry import Resources
from monitor.store.base import Delivery, DeliveryStatus, DocumentStatus, encoded_states
from monitor.store.pg_connect import NETWORK_TIMEOUT, STATEMENT_TIMEOUT, connection_options
from monitor.store.pg_schema import migrate
from monitor.store.pg_stories import PostgresStories

log = logging.getLogger(__name__)

T = TypeVar("T")
Conn = psycopg.Connection[dict[str, Any]]
RETRYABLE = (psycopg.OperationalError, PoolTimeout)  # lost or refused connections, deadlocks
CONNECTION_WAIT = 2.0  # seconds one try waits for a pooled connection (then tries again)


class PostgresStore(PostgresStories):
    """The Store in a PostgreSQL database; several processes may use it at once."""

    config_model = PostgresStoreConfig

    @classmethod
    def from_config(cls, cfg: PostgresStoreConfig, ctx: Resources) -> PostgresStore:
        return cls(cfg.url, pool_size=cfg.pool_size, retry_for=cfg.retry_for,
                   statement_timeout=cfg.statement_timeout, network_timeout=cfg.network_timeout)

    def __init__(self, url: str, *, pool_size: int = 4, retry_for: float = 30.0,
                 statement_timeout: float = STATEMENT_TIMEOUT,
                 network_timeout: float = NETWORK_TIMEOUT) -> None:
        self.url = url
        self.retry_for = retry_for
        self._local = threading.local()  # .conn: the connection of this thread's batch()
        self._options = connection_options(url, statement_timeout=statement_timeout,
                                           network_timeout=network_timeout)
        self._pool: ConnectionPool[Conn] = ConnectionPool(
            url, min_size=1, max_size=max(pool_size, 1), open=False, timeout=5,
            kwargs={"row_factory": dict_row, **self._options},
            check=ConnectionPool.check_connection, name="monitor-state",
        )
        try:
            with psycopg.connect(url, **self._options) as conn:
                migrate(conn, url)
            self._pool.open(wait=True, timeout=10)
        except StoreError:
            self._pool.close()
            raise
        except RETRYABLE as exc:  # not reachable now (e.g. restarting): worth a retry
            self._pool.close()
            raise StoreUnavailable(f"{url}: cannot use the PostgreSQL state ({exc})") from exc
        except psycopg.Error as exc:
            self._pool.close()
            raise StoreError(f"{url}: cannot use the PostgreSQL state ({exc})") from exc

    # ------------------------------------------------------------ lifecycle

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def batch(self) -> Iterator[bool]:
        """This thread's calls in one transaction on one connection until the end (see
        Store.batch); nested, the outer one is the transaction."""
        if getattr(self._local, "conn", None) is not None:
            yield True
            return
        with self._store_errors(), self._pool.connection(timeout=CONNECTION_WAIT) as conn:
            self._local.conn = conn
            try:
                yield True
            finally:
                self._local.conn = None

    @contextmanager
    def _store_errors(self) -> Iterator[None]:
        """psycopg's errors as the store's: a lost or refused connection StoreUnavailable,
        anything else StoreError."""
        try:
            yield
        except RETRYABLE as exc:
            raise StoreUnavailable(f"{self.url}: {exc}".strip()) from exc
        except psycopg.Error as exc:
            raise StoreError(f"{self.url}: {exc}".strip()) from exc

    def _run(self, work: Callable[[Conn], T]) -> T:
        """`work(conn)` in one transaction, retried while the server cannot be reached
        (for `retry_for` seconds, and no more once the process is asked to stop); inside
        `batch()`, on the batch's connection, not retried."""
        pinned: Conn | None = getattr(self._local, "conn", None)
        if pinned is not None:
            with self._store_errors():
                return work(pinned)
        deadline = time.monotonic() + self.retry_for
        delay = 0.1
        while True:
            try:
                wait = min(max(deadline - time.monotonic(), 0.5), CONNECTION_WAIT)
                with self._pool.connection(timeout=wait) as conn:
                    return work(conn)
            except RETRYABLE as exc:
                if time.monotonic() + delay > deadline or stopping.REQUESTED.is_set():
                    raise StoreUnavailable(f"{self.url}: {exc}".strip()) from exc
                log.warning("PostgreSQL state %s: %s; retrying in %.1f s",
                            self.url, str(exc).strip() or type(exc).__name__, delay)
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
            except psycopg.Error as exc:  # e.g. a value PostgreSQL refuses: not worth retrying
                raise StoreError(f"{self.url}: {exc}".strip()) from exc

    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self._run(lambda c: c.execute(sql.encode(), args).fetchall())

    def _one(self, sql: str, args: Sequence[Any] = ()) -> dict[str, Any] | None:
        return self._run(lambda c: c.execute(sql.encode(), args).fetchone())

    def _write(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        def work(c: Conn) -> None:
            with c.cursor() as cur:
                cur.executemany(sql.encode(), rows)

        if rows:
            self._run(work)

    # ------------------------------------------------------------ documents

    def document_status(self, doc: Document) -> DocumentStatus:
        return self._run(lambda c: _status(c, doc))

    def document_statuses(self, docs: Sequence[Document]) -> list[DocumentStatus]:
        if not docs:
            return []
        rows = self._all(
            "SELECT d.content_hash AS known, EXISTS (SELECT 1 FROM documents o"
            " WHERE o.content_hash = t.h) AS dup FROM unnest(%s::text[], %s::text[])"
            " WITH ORDINALITY AS t(id, h, n) LEFT JOIN documents d ON d.id = t.id ORDER BY t.n",
            ([d.id for d in docs], [d.content_hash for d in docs]))
        return [("unchanged" if r["known"] == doc.content_hash else "changed")
                if r["known"] is not None else ("duplicate" if r["dup"] else "new")
                for doc, r in zip(docs, rows, strict=True)]

    def put_document(self, doc: Document) -> DocumentStatus:
        now, digest, data = time.time(), doc.content_hash, doc.model_dump_json()

        def work(c: Conn) -> DocumentStatus:
            # a new document (the common case) in one statement: RETURNING's subquery sees
            # the table as it was before this insert, so it finds an earlier copy only
            added = c.execute(
                "INSERT INTO documents (id, source, content_hash, data, first_seen, updated)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING"
                " RETURNING EXISTS (SELECT 1 FROM documents o WHERE o.content_hash = %s)"
                " AS dup", (doc.id, doc.source, digest, data, now, now, digest)).fetchone()
            if added is not None:
                return "duplicate" if added["dup"] else "new"
            row = c.execute("SELECT content_hash FROM documents WHERE id = %s FOR UPDATE",
                            (doc.id,)).fetchone()
            if row is None or row["content_hash"] == digest:
                return "unchanged"
            c.execute("UPDATE documents SET content_hash = %s, data = %s, updated = %s"
                      " WHERE id = %s", (digest, data, now, doc.id))
            return "changed"

        return self._run(work)

    def get_document(self, doc_id: str) -> Document | None:
        row = self._one("SELECT data FROM documents WHERE id = %s", (doc_id,))
        return Document.model_validate_json(row["data"]) if row and row["data"] else None

    def documents_since(self, since: float) -> list[Document]:
        rows = self._all("SELECT data FROM documents WHERE updated >= %s AND data != ''"
                         " ORDER BY updated", (since,))
        return [Document.model_validate_json(r["data"]) for r in rows]

    # ------------------------------------------------------------ alerts and outbox

    def add_alert(self, alert: Alert, deliveries: Sequence[tuple[str, str]]) -> bool:
        now = time.time()

        def work(c: Conn) -> bool:
            added = c.execute(
                "INSERT INTO alerts (id, rule, document_id, content_hash, created, data, story,"
                " attached_to) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (alert.id, alert.rule, alert.document.id, alert.document.content_hash,
                 alert.created.timestamp(), alert.model_dump_json(), alert.story,
                 alert.attached_to)).fetchone()
            if added is None:
                return False
            with c.cursor() as cur:
                cur.executemany(
                    "INSERT INTO deliveries (alert_id, notifier, digest, next_attempt, created)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    [(alert.id, notifier, digest, now, now) for notifier, digest in deliveries])
            return True

        return self._run(work)

    _SELECT = ("SELECT d.*, a.data AS alert_data FROM deliveries d"
               " JOIN alerts a ON a.id = d.alert_id")

    def due_deliveries(
        self, now: float, limit: int = 100, notifier: str | None = None
    ) -> list[Delivery]:
        which = "" if notifier is None else " AND d.notifier = %s"
        rows = self._all(
            f"{self._SELECT} WHERE d.status = 'pending' AND d.digest = 'immediate'"
            f" AND d.next_attempt <= %s{which} ORDER BY d.id LIMIT %s",
            (now, limit) if notifier is None else (now, notifier, limit))
        return [_delivery(r) for r in rows]

    def digest_deliveries(self, notifier: str, digest: str) -> list[Delivery]:
        rows = self._all(
            f"{self._SELECT} WHERE d.status = 'pending' AND d.notifier = %s AND d.digest = %s"
            " ORDER BY a.created DESC, d.id DESC", (notifier, digest))
        return [_delivery(r) for r in rows]

    def deliveries(self, status: DeliveryStatus, limit: int = 1000) -> list[Delivery]:
        rows = self._all(f"{self._SELECT} WHERE d.status = %s ORDER BY d.id DESC LIMIT %s",
                         (status, limit))
        return [_delivery(r) for r in rows]

    def mark_delivered(self, ids: Sequence[int], now: float) -> None:
        self._write("UPDATE deliveries SET status = 'delivered', delivered_at = %s,"
                    " attempts = attempts + 1, last_error = NULL WHERE id = %s",
                    [(now, i) for i in ids])

    def mark_retry(self, ids: Sequence[int], error: str, next_attempt: float) -> None:
        self._write("UPDATE deliveries SET attempts = attempts + 1, last_error = %s,"
                    " next_attempt = %s WHERE id = %s AND status = 'pending'",
                    [(error, next_attempt, i) for i in ids])

    def mark_failed(self, ids: Sequence[int], error: str) -> None:
        self._write("UPDATE deliveries SET status = 'failed', attempts = attempts + 1,"
                    " last_error = %s WHERE id = %s AND status = 'pending'",
                    [(error, i) for i in ids])

    def retry_failed(self, now: float) -> int:
        return self._run(lambda c: c.execute(
            "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt = %s"
            " WHERE status = 'failed'", (now,)).rowcount)

    def pending_digests(self) -> list[tuple[str, str]]:
        rows = self._all("SELECT DISTINCT notifier, digest FROM deliveries WHERE"
                         " status = 'pending' AND digest != 'immediate' ORDER BY notifier, digest")
        return [(r["notifier"], r["digest"]) for r in rows]

    def count_delivered(self, notifier: str, rule: str, since: float) -> int:
        row = self._one(
            "SELECT count(*) AS n FROM deliveries d JOIN alerts a ON a.id = d.alert_id"
            " WHERE d.notifier = %s AND a.rule = %s AND d.digest = 'immediate'"
            " AND d.status = 'delivered' AND d.delivered_at >= %s", (notifier, rule, since))
        return int(row["n"]) if row else 0

    def move_to_digest(self, ids: Sequence[int], digest: str) -> None:
        self._write("UPDATE deliveries SET digest = %s WHERE id = %s AND status = 'pending'",
                    [(digest, i) for i in ids])

    def alerts_since(self, since: float, rule: str | None = None) -> list[Alert]:
        which = "" if rule is None else " AND rule = %s"
        rows = self._all(f"SELECT data FROM alerts WHERE created >= %s{which}"
                         " ORDER BY created DESC", (since,) if rule is None else (since, rule))
        return [Alert.model_validate_json(r["data"]) for r in rows]

    def delivery_counts(self) -> dict[str, int]:
        """How many deliveries are pending, delivered and failed."""
        rows = self._all("SELECT status, count(*) AS n FROM deliveries GROUP BY status")
        counts = {"pending": 0, "delivered": 0, "failed": 0}
        counts.update({r["status"]: int(r["n"]) for r in rows})
        return counts

    def rule_counts_since(self, since: float) -> dict[str, dict[str, int]]:
        rows = self._all(
            "SELECT a.rule, count(DISTINCT a.id) AS alerts,"
            " count(d.id) FILTER (WHERE d.status = 'pending') AS pending,"
            " count(d.id) FILTER (WHERE d.status = 'delivered') AS delivered,"
            " count(d.id) FILTER (WHERE d.status = 'failed') AS failed"
            " FROM alerts a LEFT JOIN deliveries d ON d.alert_id = a.id"
            " WHERE a.created >= %s GROUP BY a.rule ORDER BY a.rule", (since,))
        keys = ("alerts", "pending", "delivered", "failed")
        return {r["rule"]: {k: int(r[k]) for k in keys} for r in rows}

    def source_counts(self) -> dict[str, dict[str, float]]:
        rows = self._all("SELECT source, count(*) AS documents, max(updated) AS newest"
                         " FROM documents WHERE data != '' GROUP BY source ORDER BY source")
        return {r["source"]: {"documents": r["documents"], "newest": r["newest"]} for r in rows}

    # ------------------------------------------------------------ state

    def get_state(self, key: str) -> dict[str, Any]:
        row = self._one("SELECT data FROM state WHERE key = %s", (key,))
        return dict(json.loads(row["data"])) if row else {}

    def get_states(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        rows = self._all("SELECT key, data FROM state WHERE key = ANY(%s)", (list(keys),))
        return {row["key"]: dict(json.loads(row["data"])) for row in rows}

    def set_state(self, key: str, state: dict[str, Any]) -> None:
        self.set_states({key: state})

    def set_states(self, states: Mapping[str, dict[str, Any]]) -> None:
        self._write(
            "INSERT INTO state (key, data, updated) VALUES (%s, %s, %s) ON CONFLICT (key)"
            " DO UPDATE SET data = excluded.data, updated = excluded.updated",
            encoded_states(states, time.time()))

    # ------------------------------------------------------------ maintenance

    def prune(self, before: float) -> int:
        def work(c: Conn) -> int:
            n = c.execute(
                "DELETE FROM alerts WHERE created < %s AND NOT EXISTS (SELECT 1 FROM deliveries"
                " d WHERE d.alert_id = alerts.id AND d.status = 'pending')", (before,)).rowcount
            n += c.execute("UPDATE documents SET data = '' WHERE updated < %s AND data != ''",
                           (before,)).rowcount
            n += c.execute("DELETE FROM state WHERE key LIKE 'page:%%' AND updated < %s",
                           (before,)).rowcount
            return n + self._prune_stories(c, before)

        return self._run(work)

    def vacuum(self) -> None:
        """Return the space of deleted rows (VACUUM cannot run in a transaction)."""
        options = {**self._options, "options": "-c statement_timeout=0"}
        with psycopg.connect(self.url, autocommit=True, **options) as conn:
            conn.execute("VACUUM")

    def size_bytes(self) -> int:
        """The database's size on disk."""
        row = self._one("SELECT pg_database_size(current_database()) AS n")
        return int(row["n"]) if row else 0


def _status(c: Conn, doc: Document) -> DocumentStatus:
    row = c.execute("SELECT content_hash FROM documents WHERE id = %s", (doc.id,)).fetchone()
    if row is not None:
        return "unchanged" if row["content_hash"] == doc.content_hash else "changed"
    dup = c.execute("SELECT 1 FROM documents WHERE content_hash = %s LIMIT 1",
                    (doc.content_hash,)).fetchone()
    return "duplicate" if dup else "new"


def _delivery(row: dict[str, Any]) -> Delivery:
    return Delivery(
        id=row["id"], alert=Alert.model_validate_json(row["alert_data"]),
        notifier=row["notifier"], digest=row["digest"], status=row["status"],
        attempts=row["attempts"], next_attempt=row["next_attempt"],
        last_error=row["last_error"], created=row["created"], delivered_at=row["delivered_at"],
    )
