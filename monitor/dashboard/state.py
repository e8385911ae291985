"""Read-only queries over the state file for the dashboard.

Each request opens its own read-only SQLite connection (`mode=ro`): the daemon's own
connection belongs to the event loop's thread, and a reader never blocks the writer in
WAL mode. Only alerts of kind "match" are shown (feed-health and test alerts are not
matches).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from monitor.errors import StoreError
from monitor.models import Alert, Document

MATCH = "json_extract(data, '$.kind') = 'match'"


@dataclass(frozen=True, kw_only=True)
class MatchFilter:
    """What the matches page narrows to; None means any."""

    rule: str | None = None
    source: str | None = None
    language: str | None = None
    since: float = 0.0  # unix time
    until: float | None = None
    min_score: float | None = None

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition and its arguments."""
        sql, args = [MATCH, "created >= ?"], list[Any]([self.since])
        for column, value in (("rule", self.rule),
                              ("json_extract(data, '$.document.source')", self.source),
                              ("json_extract(data, '$.language')", self.language)):
            if value:
                sql.append(f"{column} = ?")
                args.append(value)
        if self.until is not None:
            sql.append("created < ?")
            args.append(self.until)
        if self.min_score is not None:
            sql.append("json_extract(data, '$.score') >= ?")
            args.append(self.min_score)
        return " AND ".join(sql), args


class StateReader:
    """The dashboard's view of a state file; use `with StateReader.open(path) as r:`."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    @staticmethod
    @contextmanager
    def open(path: Path) -> Iterator[StateReader]:
        if not path.exists():
            raise StoreError(f"{path} does not exist yet: the daemon has not stored anything")
        uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
        try:
            db = sqlite3.connect(uri, uri=True, timeout=5)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot be read ({exc})") from exc
        db.row_factory = sqlite3.Row
        try:
            yield StateReader(db)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot be read ({exc})") from exc
        finally:
            db.close()

    def matches(self, f: MatchFilter, *, limit: int = 50, offset: int = 0) -> list[Alert]:
        """Matching alerts, newest first."""
        where, args = f.where()
        rows = self._db.execute(
            f"SELECT data FROM alerts WHERE {where} ORDER BY created DESC, id LIMIT ? OFFSET ?",
            [*args, limit, offset],
        )
        return [Alert.model_validate_json(r["data"]) for r in rows]

    def count(self, f: MatchFilter) -> int:
        where, args = f.where()
        return int(self._db.execute(f"SELECT count(*) FROM alerts WHERE {where}", args)
                   .fetchone()[0])

    def times(self, since: float, rule: str | None = None) -> list[tuple[str, float]]:
        """(rule, created) of every match since `since` (for per-day counts)."""
        sql = f"SELECT rule, created FROM alerts WHERE {MATCH} AND created >= ?"
        args: list[Any] = [since]
        if rule is not None:
            sql += " AND rule = ?"
            args.append(rule)
        return [(r["rule"], float(r["created"])) for r in self._db.execute(sql, args)]

    def outlets(self, rule: str, since: float) -> list[tuple[str, str | None]]:
        """(source, url) of a rule's matches since `since`."""
        rows = self._db.execute(
            "SELECT json_extract(data, '$.document.source') AS source,"
            " json_extract(data, '$.document.url') AS url"
            f" FROM alerts WHERE {MATCH} AND rule = ? AND created >= ?", (rule, since))
        return [(str(r["source"]), r["url"]) for r in rows]

    def facets(self, since: float) -> dict[str, list[str]]:
        """The sources and languages seen in matches since `since` (for the filter lists)."""
        row = self._db.execute(
            "SELECT group_concat(DISTINCT json_extract(data, '$.document.source')) AS sources,"
            " group_concat(DISTINCT json_extract(data, '$.language')) AS languages"
            f" FROM alerts WHERE {MATCH} AND created >= ?", (since,)).fetchone()
        return {k: sorted(set((row[k] or "").split(",")) - {""}) for k in ("sources", "languages")}

    def documents_since(self, since: float, limit: int) -> tuple[list[Document], int]:
        """The newest `limit` documents stored since `since` (oldest first), and how many
        there are in all."""
        total = int(self._db.execute(
            "SELECT count(*) FROM documents WHERE updated >= ? AND data != ''", (since,)
        ).fetchone()[0])
        rows = self._db.execute(
            "SELECT data FROM documents WHERE updated >= ? AND data != ''"
            " ORDER BY updated DESC LIMIT ?", (since, limit))
        docs = [Document.model_validate_json(r["data"]) for r in rows]
        return docs[::-1], total

    def alerted(self, rule: str, document_ids: Sequence[str]) -> set[str]:
        """Which of these documents the rule has already alerted on."""
        known: set[str] = set()
        ids = list(document_ids)
        for first in range(0, len(ids), 500):
            chunk = ids[first : first + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT document_id FROM alerts WHERE rule = ? AND document_id IN ({marks})",
                [rule, *chunk])
            known.update(r["document_id"] for r in rows)
        return known

    def source_counts(self) -> dict[str, dict[str, float]]:
        rows = self._db.execute(
            "SELECT source, count(*) AS documents, max(updated) AS newest"
            " FROM documents WHERE data != '' GROUP BY source ORDER BY source")
        return {r["source"]: {"documents": r["documents"], "newest": r["newest"]} for r in rows}

    def get_state(self, key: str) -> dict[str, Any]:
        row = self._db.execute("SELECT data FROM state WHERE key = ?", (key,)).fetchone()
        return dict(json.loads(row["data"])) if row else {}

    def set_state(self, key: str, state: dict[str, Any]) -> None:
        raise StoreError("the dashboard only reads the state")
