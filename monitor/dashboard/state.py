"""Read-only queries over the state for the dashboard, on either store.

On SQLite each request opens its own read-only connection (`mode=ro`): the daemon's own
connection belongs to the event loop's thread, and a reader never blocks the writer in
WAL mode. On PostgreSQL the requests share one small connection pool per process. The
queries are the same; a `Dialect` says how each store reads a field of the stored JSON.
Only alerts of kind "match" are shown (feed-health and test alerts are not matches).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from monitor.errors import StoreError
from monitor.models import Alert, Document

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.store.postgres import PostgresStore

Rows = Callable[[str, Sequence[Any]], Sequence[Mapping[str, Any]]]


@dataclass(frozen=True, kw_only=True)
class Dialect:
    """How a store reads a field of the alerts' JSON (`document.source`), as text or number,
    and joins distinct values."""

    text: Callable[[str], str]
    number: Callable[[str], str]
    distinct: Callable[[str], str]


SQLITE = Dialect(text=lambda path: f"json_extract(data, '$.{path}')",
                 number=lambda path: f"json_extract(data, '$.{path}')",
                 distinct=lambda expr: f"group_concat(DISTINCT {expr})")
POSTGRES = Dialect(text=lambda path: f"(data::json #>> '{{{path.replace('.', ',')}}}')",
                   number=lambda path: f"(data::json #>> '{{{path}}}')::float8",
                   distinct=lambda expr: f"string_agg(DISTINCT {expr}, ',')")


@dataclass(frozen=True, kw_only=True)
class MatchFilter:
    """What the matches page narrows to; None means any."""

    rule: str | None = None
    source: str | None = None
    language: str | None = None
    since: float = 0.0  # unix time
    until: float | None = None
    min_score: float | None = None

    def where(self, dialect: Dialect = SQLITE) -> tuple[str, list[Any]]:
        """The SQL condition and its arguments."""
        sql, args = [_match(dialect), "created >= ?"], list[Any]([self.since])
        for column, value in (("rule", self.rule),
                              (dialect.text("document.source"), self.source),
                              (dialect.text("language"), self.language)):
            if value:
                sql.append(f"{column} = ?")
                args.append(value)
        if self.until is not None:
            sql.append("created < ?")
            args.append(self.until)
        if self.min_score is not None:
            sql.append(f"{dialect.number('score')} >= ?")
            args.append(self.min_score)
        return " AND ".join(sql), args


def _match(dialect: Dialect) -> str:
    return f"{dialect.text('kind')} = 'match'"


class StateReader:
    """The dashboard's view of the state; use `with open_reader(config) as r:`."""

    def __init__(self, rows: Rows, dialect: Dialect = SQLITE) -> None:
        self._rows = rows
        self._dialect = dialect
        self._match = _match(dialect)

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
            yield StateReader(lambda sql, args: db.execute(sql, args).fetchall())
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot be read ({exc})") from exc
        finally:
            db.close()

    def matches(self, f: MatchFilter, *, limit: int = 50, offset: int = 0) -> list[Alert]:
        """Matching alerts, newest first."""
        where, args = f.where(self._dialect)
        rows = self._rows(
            f"SELECT data FROM alerts WHERE {where} ORDER BY created DESC, id LIMIT ? OFFSET ?",
            [*args, limit, offset],
        )
        return [Alert.model_validate_json(r["data"]) for r in rows]

    def count(self, f: MatchFilter) -> int:
        where, args = f.where(self._dialect)
        return int(self._rows(f"SELECT count(*) AS n FROM alerts WHERE {where}", args)[0]["n"])

    def times(self, since: float, rule: str | None = None) -> list[tuple[str, float]]:
        """(rule, created) of every match since `since` (for per-day counts)."""
        sql = f"SELECT rule, created FROM alerts WHERE {self._match} AND created >= ?"
        args: list[Any] = [since]
        if rule is not None:
            sql += " AND rule = ?"
            args.append(rule)
        return [(r["rule"], float(r["created"])) for r in self._rows(sql, args)]

    def outlets(self, rule: str, since: float) -> list[tuple[str, str | None]]:
        """(source, url) of a rule's matches since `since`."""
        text = self._dialect.text
        rows = self._rows(
            f"SELECT {text('document.source')} AS source, {text('document.url')} AS url"
            f" FROM alerts WHERE {self._match} AND rule = ? AND created >= ?", (rule, since))
        return [(str(r["source"]), r["url"]) for r in rows]

    def facets(self, since: float) -> dict[str, list[str]]:
        """The sources and languages seen in matches since `since` (for the filter lists)."""
        text, distinct = self._dialect.text, self._dialect.distinct
        row = self._rows(
            f"SELECT {distinct(text('document.source'))} AS sources,"
            f" {distinct(text('language'))} AS languages"
            f" FROM alerts WHERE {self._match} AND created >= ?", (since,))[0]
        return {k: sorted(set((row[k] or "").split(",")) - {""}) for k in ("sources", "languages")}

    def documents_since(self, since: float, limit: int) -> tuple[list[Document], int]:
        """The newest `limit` documents stored since `since` (oldest first), and how many
        there are in all."""
        total = int(self._rows(
            "SELECT count(*) AS n FROM documents WHERE updated >= ? AND data != ''", (since,)
        )[0]["n"])
        rows = self._rows(
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
            rows = self._rows(
                f"SELECT document_id FROM alerts WHERE rule = ? AND document_id IN ({marks})",
                [rule, *chunk])
            known.update(r["document_id"] for r in rows)
        return known

    def source_counts(self) -> dict[str, dict[str, float]]:
        rows = self._rows(
            "SELECT source, count(*) AS documents, max(updated) AS newest"
            " FROM documents WHERE data != '' GROUP BY source ORDER BY source", ())
        return {r["source"]: {"documents": r["documents"], "newest": r["newest"]} for r in rows}

    def get_state(self, key: str) -> dict[str, Any]:
        rows = self._rows("SELECT data FROM state WHERE key = ?", (key,))
        return dict(json.loads(rows[0]["data"])) if rows else {}

    def get_states(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {key: state for key in keys if (state := self.get_state(key))}

    def set_state(self, key: str, state: dict[str, Any]) -> None:
        raise StoreError("the dashboard only reads the state")


_SHARED: dict[str, PostgresStore] = {}
_SHARED_LOCK = threading.Lock()


@contextmanager
def open_reader(config: Config) -> Iterator[StateReader]:
    """The dashboard's reader of the config's state: the SQLite file, or the PostgreSQL
    database (through one store per process, opened at the first request)."""
    url = config.state_url
    if url is None:
        with StateReader.open(config.state) as reader:
            yield reader
        return
    from monitor.store.postgres import PostgresStore

    with _SHARED_LOCK:
        store = _SHARED.get(url) or _SHARED.setdefault(url, PostgresStore(url, pool_size=2))
    yield StateReader(lambda sql, args: store._all(sql.replace("?", "%s"), args), POSTGRES)
