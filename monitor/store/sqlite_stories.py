"""The StoryStore part of SQLiteStore: story membership and the LSH band index."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from monitor.models import Alert, Outlet
from monitor.stories.base import StorySummary

if TYPE_CHECKING:
    from monitor.stories.grouping import Candidate

MIGRATION = """
    CREATE TABLE story_docs (
        n INTEGER PRIMARY KEY,
        document_id TEXT NOT NULL UNIQUE,
        story TEXT NOT NULL,
        source TEXT NOT NULL,
        host TEXT NOT NULL,
        url TEXT,
        title TEXT NOT NULL,
        language TEXT,
        seen REAL NOT NULL,
        shingles BLOB NOT NULL           -- 32-bit shingle hashes, in order
    );
    CREATE INDEX story_docs_story ON story_docs(story, seen);
    CREATE INDEX story_docs_seen ON story_docs(seen);
    CREATE TABLE story_bands (
        band INTEGER NOT NULL,           -- an LSH band key of the document's lead
        doc INTEGER NOT NULL,            -- story_docs.n
        PRIMARY KEY (band, doc)
    ) WITHOUT ROWID;
    ALTER TABLE alerts ADD COLUMN story TEXT;
    ALTER TABLE alerts ADD COLUMN attached_to TEXT;
    CREATE INDEX alerts_story ON alerts(story, rule)
"""


class SQLiteStories:
    """Story methods of SQLiteStore (mixed in; uses its connection and transactions)."""

    _db: sqlite3.Connection
    _tx: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def story_of(self, document: str) -> str | None:
        row = self._db.execute(
            "SELECT story FROM story_docs WHERE document_id = ?", (document,)
        ).fetchone()
        return str(row[0]) if row else None

    def story_candidates(
        self, bands: Sequence[int], *, since: float, language: str | None, limit: int
    ) -> list[Candidate]:
        if not bands:
            return []
        # the daemon's grouping, imported here: commands that only read the state skip it
        from monitor.stories.grouping import Candidate
        from monitor.stories.signature import from_bytes

        marks = ",".join("?" * len(bands))
        rows = self._db.execute(
            "SELECT document_id, story, shingles FROM story_docs WHERE n IN"
            f" (SELECT doc FROM story_bands WHERE band IN ({marks})) AND seen >= ?"
            " AND (language IS NULL OR ? IS NULL OR language = ?) ORDER BY seen DESC LIMIT ?",
            (*bands, since, language, language, limit),
        )
        return [Candidate(document=r[0], story=r[1], shingles=from_bytes(r[2])) for r in rows]

    def join_story(
        self, *, story: str, outlet: Outlet, language: str | None,
        shingles: bytes, bands: Sequence[int], index_cap: int,
    ) -> None:
        with self._tx() as db:
            if db.execute("SELECT 1 FROM story_docs WHERE document_id = ?",
                          (outlet.document,)).fetchone():
                return
            size = db.execute("SELECT count(*) FROM story_docs WHERE story = ?",
                              (story,)).fetchone()[0]
            cur = db.execute(
                "INSERT INTO story_docs (document_id, story, source, host, url, title, language,"
                " seen, shingles) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (outlet.document, story, outlet.source, outlet.host, outlet.url,
                 outlet.title, language, outlet.seen.timestamp(), shingles),
            )
            if size < index_cap:
                db.executemany("INSERT OR IGNORE INTO story_bands (band, doc) VALUES (?, ?)",
                               [(band, cur.lastrowid) for band in bands])

    def story_outlets(self, story: str, limit: int = 200) -> list[Outlet]:
        rows = self._db.execute(
            "SELECT document_id, source, host, url, title, seen FROM story_docs"
            " WHERE story = ? ORDER BY seen, n LIMIT ?", (story, limit),
        )
        return [_outlet(r) for r in rows]

    def story_alert(self, rule: str, story: str) -> str | None:
        row = self._db.execute(
            "SELECT id FROM alerts WHERE story = ? AND rule = ? AND attached_to IS NULL"
            " ORDER BY created LIMIT 1", (story, rule),
        ).fetchone()
        return str(row[0]) if row else None

    def get_alert(self, alert_id: str) -> Alert | None:
        row = self._db.execute("SELECT data FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return Alert.model_validate_json(row[0]) if row else None

    def stories_since(self, since: float, rule: str | None = None,
                      limit: int = 1000) -> list[StorySummary]:
        sql = ("SELECT story, count(*) AS size, min(seen) AS first, max(seen) AS last"
               " FROM story_docs GROUP BY story HAVING max(seen) >= ?")
        args: list[Any] = [since]
        if rule is not None:
            sql += " AND story IN (SELECT story FROM alerts WHERE rule = ?)"
            args.append(rule)
        rows = self._db.execute(sql + " ORDER BY last DESC LIMIT ?", (*args, limit)).fetchall()
        return [self._summary(r["story"], r["size"], r["first"], r["last"]) for r in rows]

    def _summary(self, story: str, size: int, first: float, last: float) -> StorySummary:
        outlets = self.story_outlets(story)
        names = tuple(dict.fromkeys(o.name for o in outlets))
        rules = tuple(r[0] for r in self._db.execute(
            "SELECT DISTINCT rule FROM alerts WHERE story = ? ORDER BY rule", (story,)))
        return StorySummary(id=story, title=outlets[0].title if outlets else "", size=size,
                            outlets=names, first_seen=first, last_seen=last, rules=rules)

    def story_counts(self) -> dict[str, int]:
        stories, docs = self._db.execute(
            "SELECT count(DISTINCT story), count(*) FROM story_docs").fetchone()
        attached = self._db.execute(
            "SELECT count(*) FROM alerts WHERE attached_to IS NOT NULL").fetchone()[0]
        return {"stories": stories, "documents": docs, "attached": attached}

    def _prune_stories(self, db: sqlite3.Connection, before: float) -> int:
        """Forget story documents first seen before `before` (in the caller's transaction)."""
        db.execute("DELETE FROM story_bands WHERE doc IN"
                   " (SELECT n FROM story_docs WHERE seen < ?)", (before,))
        return db.execute("DELETE FROM story_docs WHERE seen < ?", (before,)).rowcount


def _outlet(row: sqlite3.Row) -> Outlet:
    return Outlet(document=row[0], source=row[1], host=row[2], url=row[3], title=row[4],
                  seen=datetime.fromtimestamp(row[5], UTC))
