"""SQLiteStore: the Store in one SQLite file (WAL mode, numbered migrations, an OS lock)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from monitor.config import SQLiteStoreConfig
from monitor.errors import StoreError, StoreUnavailable
from monitor.models import Alert, Document
from monitor.registry import Resources
from monitor.store.base import Delivery, DeliveryStatus, DocumentStatus, encoded_states
from monitor.store.lock import StateLock, resolved
from monitor.store.schema import check_header, migrate, outdated
from monitor.store.sqlite_stories import SQLiteStories


class SQLiteStore(SQLiteStories):
    """The Store in a SQLite file.

    `lock=True` (the daemon) takes the state's lock (`StateLock`: beside the file with
    links resolved), so a second daemon or a `run --once` on the same state, by whatever
    path, refuses to start (LockedError).
    `lock=False` (commands that only look) upgrades an older schema only when no daemon
    holds the lock; under a running daemon it refuses an older schema rather than change
    the file beneath it.
    """

    config_model = SQLiteStoreConfig

    @classmethod
    def from_config(cls, cfg: SQLiteStoreConfig, ctx: Resources) -> SQLiteStore:
        """The store for a config section; no lock when `ctx.read_only`."""
        if cfg.path is None:
            raise StoreError("the SQLite store needs a `path` (or the config's `state`)")
        return cls(cfg.path, lock=not ctx.read_only)

    def __init__(self, path: Path | str, *, lock: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        real = resolved(self.path)  # the WAL and its index live beside the real file
        real.parent.mkdir(parents=True, exist_ok=True)
        self._lock = StateLock(self.path)
        if lock:
            self._lock.acquire()
        try:
            check_header(self.path)
            self._db = sqlite3.connect(real, isolation_level=None, timeout=10)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            if lock or not outdated(self._db):
                migrate(self._db, self.path, self._tx)
            else:  # only upgrade a file no daemon is using
                with self._lock.if_free() as free:
                    migrate(self._db, self.path, self._tx, upgrade=free)
        except sqlite3.DatabaseError as exc:
            self._lock.release()
            raise StoreError(f"{self.path}: not a usable state file ({exc})") from exc
        except BaseException:
            self._lock.release()
            raise

    # ------------------------------------------------------------ lifecycle

    def close(self) -> None:
        self._db.close()
        self._lock.release()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._errors():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's errors as the store's: StoreUnavailable when the file cannot be written
        for now (a full disk, a lock held too long), StoreError otherwise."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"{self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    # ------------------------------------------------------------ documents

    def document_status(self, doc: Document) -> DocumentStatus:
        """What `put_document` would answer, without recording anything."""
        with self._errors():
            row = self._db.execute(
                "SELECT content_hash FROM documents WHERE id = ?", (doc.id,)
            ).fetchone()
            if row is not None:
                return "unchanged" if row["content_hash"] == doc.content_hash else "changed"
            dup = self._db.execute(
                "SELECT 1 FROM documents WHERE content_hash = ? LIMIT 1", (doc.content_hash,)
            ).fetchone()
        return "duplicate" if dup else "new"

    def document_statuses(self, docs: Sequence[Document]) -> list[DocumentStatus]:
        return [self.document_status(d) for d in docs]

    def batch(self) -> AbstractContextManager[bool]:
        return nullcontext(False)  # each call is its own (quick) transaction

    def put_document(self, doc: Document) -> DocumentStatus:
        now = time.time()
        digest = doc.content_hash
        data = doc.model_dump_json()
        with self._tx() as db:
            row = db.execute(
                "SELECT content_hash FROM documents WHERE id = ?", (doc.id,)
            ).fetchone()
            if row is not None:
                if row["content_hash"] == digest:
                    return "unchanged"
                db.execute(
                    "UPDATE documents SET content_hash = ?, data = ?, updated = ? WHERE id = ?",
                    (digest, data, now, doc.id),
                )
                return "changed"
            dup = db.execute(
                "SELECT 1 FROM documents WHERE content_hash = ? LIMIT 1", (digest,)
            ).fetchone()
            db.execute(
                "INSERT INTO documents (id, source, content_hash, data, first_seen, updated)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (doc.id, doc.source, digest, data, now, now),
            )
            return "duplicate" if dup else "new"

    def get_document(self, doc_id: str) -> Document | None:
        row = self._db.execute("SELECT data FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return Document.model_validate_json(row["data"]) if row and row["data"] else None

    def documents_since(self, since: float) -> list[Document]:
        rows = self._db.execute(
            "SELECT data FROM documents WHERE updated >= ? AND data != '' ORDER BY updated",
            (since,),
        )
        return [Document.model_validate_json(r["data"]) for r in rows]

    # ------------------------------------------------------------ alerts and outbox

    def add_alert(self, alert: Alert, deliveries: Sequence[tuple[str, str]]) -> bool:
        now = time.time()
        digest = alert.document.content_hash
        with self._tx() as db:
            seen = db.execute(
                "SELECT 1 FROM alerts WHERE id = ? OR (rule = ? AND document_id = ?)",
                (alert.id, alert.rule, alert.document.id),
            ).fetchone()
            if seen:
                return False
            db.execute(
                "INSERT INTO alerts (id, rule, document_id, content_hash, created, data, story,"
                " attached_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (alert.id, alert.rule, alert.document.id, digest, alert.created.timestamp(),
                 alert.model_dump_json(), alert.story, alert.attached_to),
            )
            db.executemany(
                "INSERT INTO deliveries (alert_id, notifier, digest, next_attempt, created)"
                " VALUES (?, ?, ?, ?, ?)",
                [(alert.id, notifier, digest_, now, now) for notifier, digest_ in deliveries],
            )
        return True

    _DELIVERY_SELECT = (
        "SELECT d.*, a.data AS alert_data FROM deliveries d JOIN alerts a ON a.id = d.alert_id"
    )

    def due_deliveries(
        self, now: float, limit: int = 100, notifier: str | None = None
    ) -> list[Delivery]:
        which = "" if notifier is None else " AND d.notifier = ?"
        rows = self._db.execute(
            f"{self._DELIVERY_SELECT} WHERE d.status = 'pending' AND d.digest = 'immediate'"
            f" AND d.next_attempt <= ?{which} ORDER BY d.id LIMIT ?",
            (now, limit) if notifier is None else (now, notifier, limit),
        )
        return [_delivery(r) for r in rows]

    def digest_deliveries(self, notifier: str, digest: str) -> list[Delivery]:
        rows = self._db.execute(
            f"{self._DELIVERY_SELECT} WHERE d.status = 'pending' AND d.notifier = ?"
            " AND d.digest = ? ORDER BY a.created DESC, d.id DESC",
            (notifier, digest),
        )
        return [_delivery(r) for r in rows]

    def deliveries(self, status: DeliveryStatus, limit: int = 1000) -> list[Delivery]:
        rows = self._db.execute(
            f"{self._DELIVERY_SELECT} WHERE d.status = ? ORDER BY d.id DESC LIMIT ?",
            (status, limit),
        )
        return [_delivery(r) for r in rows]

    def mark_delivered(self, ids: Sequence[int], now: float) -> None:
        with self._tx() as db:
            db.executemany(
                "UPDATE deliveries SET status = 'delivered', delivered_at = ?,"
                " attempts = attempts + 1, last_error = NULL WHERE id = ?",
                [(now, i) for i in ids],
            )

    def mark_retry(self, ids: Sequence[int], error: str, next_attempt: float) -> None:
        with self._tx() as db:
            db.executemany(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ?,"
                " next_attempt = ? WHERE id = ? AND status = 'pending'",
                [(error, next_attempt, i) for i in ids],
            )

    def mark_failed(self, ids: Sequence[int], error: str) -> None:
        with self._tx() as db:
            db.executemany(
                "UPDATE deliveries SET status = 'failed', attempts = attempts + 1,"
                " last_error = ? WHERE id = ? AND status = 'pending'",
                [(error, i) for i in ids],
            )

    def retry_failed(self, now: float) -> int:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt = ?"
                " WHERE status = 'failed'",
                (now,),
            )
            return cur.rowcount

    def pending_digests(self) -> list[tuple[str, str]]:
        rows = self._db.execute(
            "SELECT DISTINCT notifier, digest FROM deliveries"
            " WHERE status = 'pending' AND digest != 'immediate' ORDER BY notifier, digest"
        )
        return [(r["notifier"], r["digest"]) for r in rows]

    def count_delivered(self, notifier: str, rule: str, since: float) -> int:
        row = self._db.execute(
            "SELECT count(*) FROM deliveries d JOIN alerts a ON a.id = d.alert_id"
            " WHERE d.notifier = ? AND a.rule = ? AND d.digest = 'immediate'"
            " AND d.status = 'delivered' AND d.delivered_at >= ?",
            (notifier, rule, since),
        ).fetchone()
        return int(row[0])

    def move_to_digest(self, ids: Sequence[int], digest: str) -> None:
        with self._tx() as db:
            db.executemany(
                "UPDATE deliveries SET digest = ? WHERE id = ? AND status = 'pending'",
                [(digest, i) for i in ids],
            )

    def alerts_since(self, since: float, rule: str | None = None) -> list[Alert]:
        sql = "SELECT data FROM alerts WHERE created >= ?"
        args: list[Any] = [since]
        if rule is not None:
            sql += " AND rule = ?"
            args.append(rule)
        rows = self._db.execute(sql + " ORDER BY created DESC", args)
        return [Alert.model_validate_json(r["data"]) for r in rows]

    def delivery_counts(self) -> dict[str, int]:
        """How many deliveries are pending, delivered and failed."""
        rows = self._db.execute("SELECT status, count(*) AS n FROM deliveries GROUP BY status")
        counts = {"pending": 0, "delivered": 0, "failed": 0}
        counts.update({r["status"]: r["n"] for r in rows})
        return counts

    def rule_counts_since(self, since: float) -> dict[str, dict[str, int]]:
        """Per rule: alerts created at or after `since`, and their deliveries by status."""
        rows = self._db.execute(
            "SELECT a.rule, count(DISTINCT a.id) AS alerts,"
            " coalesce(sum(d.status = 'pending'), 0) AS pending,"
            " coalesce(sum(d.status = 'delivered'), 0) AS delivered,"
            " coalesce(sum(d.status = 'failed'), 0) AS failed"
            " FROM alerts a LEFT JOIN deliveries d ON d.alert_id = a.id"
            " WHERE a.created >= ? GROUP BY a.rule ORDER BY a.rule",
            (since,),
        )
        keys = ("alerts", "pending", "delivered", "failed")
        return {r["rule"]: {k: int(r[k]) for k in keys} for r in rows}

    def source_counts(self) -> dict[str, dict[str, float]]:
        """Per source: documents stored and the unix time the newest was stored."""
        rows = self._db.execute(
            "SELECT source, count(*) AS documents, max(updated) AS newest"
            " FROM documents WHERE data != '' GROUP BY source ORDER BY source"
        )
        return {r["source"]: {"documents": r["documents"], "newest": r["newest"]} for r in rows}

    # ------------------------------------------------------------ state

    def get_state(self, key: str) -> dict[str, Any]:
        row = self._db.execute("SELECT data FROM state WHERE key = ?", (key,)).fetchone()
        return dict(json.loads(row["data"])) if row else {}

    def get_states(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {key: state for key in keys if (state := self.get_state(key))}  # in-process

    def set_state(self, key: str, state: dict[str, Any]) -> None:
        self.set_states({key: state})

    def set_states(self, states: Mapping[str, dict[str, Any]]) -> None:
        if not states:
            return
        with self._tx() as db:
            db.executemany(
                "INSERT INTO state (key, data, updated) VALUES (?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET data = excluded.data, updated = excluded.updated",
                encoded_states(states, time.time()),
            )

    # ------------------------------------------------------------ maintenance

    def prune(self, before: float) -> int:
        # A pruned document keeps its id and text hash (about 200 bytes), with its text
        # dropped: a folder or feed that still lists it must not raise its alert again.
        with self._tx() as db:
            n = db.execute(
                "DELETE FROM alerts WHERE created < ? AND NOT EXISTS (SELECT 1 FROM deliveries"
                " d WHERE d.alert_id = alerts.id AND d.status = 'pending')",
                (before,),
            ).rowcount
            n += db.execute(
                "UPDATE documents SET data = '' WHERE updated < ? AND data != ''", (before,)
            ).rowcount
            # pages read for full text (sources/fulltext.py) are kept as long as documents
            n += db.execute("DELETE FROM state WHERE key LIKE 'page:%' AND updated < ?",
                            (before,)).rowcount
            n += self._prune_stories(db, before)
        return n

    def vacuum(self) -> None:
        """Rebuild the file to return free pages to the filesystem. The rebuilt pages pass
        through the write-ahead log, which is emptied after, or the state would look (and
        for a while be) bigger than before."""
        self._db.execute("VACUUM")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def size_bytes(self) -> int:
        """The state file's size on disk, with its WAL."""
        return files_size(self.path)


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        id=row["id"],
        alert=Alert.model_validate_json(row["alert_data"]),
        notifier=row["notifier"],
        digest=row["digest"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt=row["next_attempt"],
        last_error=row["last_error"],
        created=row["created"],
        delivered_at=row["delivered_at"],
    )


def files_size(path: Path) -> int:
    """A SQLite state's size on disk: the file and its write-ahead log, when present."""
    found = (path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm"))
    return sum(p.stat().st_size for p in found if p.exists())
