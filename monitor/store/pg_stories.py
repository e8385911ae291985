"""The StoryStore part of PostgresStore: story membership and the LSH band index."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from monitor.models import Alert, Outlet
from monitor.stories.base import StorySummary

if TYPE_CHECKING:
    import psycopg

    from monitor.stories.grouping import Candidate

    Conn = psycopg.Connection[dict[str, Any]]

T = TypeVar("T")


class PostgresStories:
    """Story methods of PostgresStore (mixed in; uses its pooled, retried transactions)."""

    def _run(self, work: Callable[[Conn], T]) -> T:
        raise NotImplementedError

    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _one(self, sql: str, args: Sequence[Any] = ()) -> dict[str, Any] | None:
        raise NotImplementedError

    def story_of(self, document: str) -> str | None:
        row = self._one("SELECT story FROM story_docs WHERE document_id = %s", (document,))
        return str(row["story"]) if row else None

    def story_candidates(
        self, bands: Sequence[int], *, since: float, language: str | None, limit: int
    ) -> list[Candidate]:
        if not bands:
            return []
        from monitor.stories.grouping import Candidate
        from monitor.stories.signature import from_bytes

        # from the bands to the documents by primary key: as a join (or `n IN (...)`) the
        # plan read every document of the window by `seen` for each new one, a cost that
        # grew with the window (0.5 ms a query at 1,500 documents, 40 ms at 3,000 with a
        # table without statistics yet); the array is a handful of numbers
        rows = self._all(
            "SELECT document_id, story, shingles FROM story_docs WHERE n = ANY(ARRAY("
            "SELECT doc FROM story_bands WHERE band = ANY(%s))) AND seen >= %s"
            " AND (language IS NULL OR %s::text IS NULL OR language = %s)"
            " ORDER BY seen DESC LIMIT %s",
            (list(bands), since, language, language, limit))
        return [Candidate(document=r["document_id"], story=r["story"],
                          shingles=from_bytes(bytes(r["shingles"]))) for r in rows]

    def join_story(
        self, *, story: str, outlet: Outlet, language: str | None,
        shingles: bytes, bands: Sequence[int], index_cap: int,
    ) -> None:
        # one statement: the story's size is read before the insert (the statement's
        # snapshot), and the bands are indexed only for a document newly added to a story
        # under the cap
        sql = ("WITH size AS (SELECT count(*) AS n FROM story_docs WHERE story = %s),"
               " added AS (INSERT INTO story_docs (document_id, story, source, host, url,"
               " title, language, seen, shingles) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
               " ON CONFLICT (document_id) DO NOTHING RETURNING n)"
               " INSERT INTO story_bands (band, doc) SELECT t.b, added.n FROM added, size,"
               " unnest(%s::bigint[]) AS t(b) WHERE size.n < %s ON CONFLICT DO NOTHING")
        args = (story, outlet.document, story, outlet.source, outlet.host, outlet.url,
                outlet.title, language, outlet.seen.timestamp(), shingles, list(bands),
                index_cap)

        def work(c: Conn) -> None:
            c.execute(sql, args)

        self._run(work)

    def story_outlets(self, story: str, limit: int = 200) -> list[Outlet]:
        rows = self._all("SELECT document_id, source, host, url, title, seen FROM story_docs"
                         " WHERE story = %s ORDER BY seen, n LIMIT %s", (story, limit))
        return [Outlet(document=r["document_id"], source=r["source"], host=r["host"],
                       url=r["url"], title=r["title"], seen=datetime.fromtimestamp(r["seen"], UTC))
                for r in rows]

    def story_alert(self, rule: str, story: str) -> str | None:
        row = self._one("SELECT id FROM alerts WHERE story = %s AND rule = %s AND attached_to"
                        " IS NULL ORDER BY created LIMIT 1", (story, rule))
        return str(row["id"]) if row else None

    def get_alert(self, alert_id: str) -> Alert | None:
        row = self._one("SELECT data FROM alerts WHERE id = %s", (alert_id,))
        return Alert.model_validate_json(row["data"]) if row else None

    def stories_since(self, since: float, rule: str | None = None,
                      limit: int = 1000) -> list[StorySummary]:
        which = "" if rule is None else " AND story IN (SELECT story FROM alerts WHERE rule = %s)"
        args: tuple[Any, ...] = (since,) if rule is None else (since, rule)
        rows = self._all(
            "SELECT story, count(*) AS size, min(seen) AS first, max(seen) AS last"
            f" FROM story_docs GROUP BY story HAVING max(seen) >= %s{which}"
            " ORDER BY last DESC LIMIT %s", (*args, limit))
        return [self._summary(r["story"], r["size"], r["first"], r["last"]) for r in rows]

    def _summary(self, story: str, size: int, first: float, last: float) -> StorySummary:
        outlets = self.story_outlets(story)
        names = tuple(dict.fromkeys(o.name for o in outlets))
        rules = tuple(r["rule"] for r in self._all(
            "SELECT DISTINCT rule FROM alerts WHERE story = %s ORDER BY rule", (story,)))
        return StorySummary(id=story, title=outlets[0].title if outlets else "", size=size,
                            outlets=names, first_seen=first, last_seen=last, rules=rules)

    def story_counts(self) -> dict[str, int]:
        row = self._one(
            "SELECT (SELECT count(DISTINCT story) FROM story_docs) AS stories,"
            " (SELECT count(*) FROM story_docs) AS documents,"
            " (SELECT count(*) FROM alerts WHERE attached_to IS NOT NULL) AS attached")
        return {k: int(row[k]) if row else 0 for k in ("stories", "documents", "attached")}

    def _prune_stories(self, c: Conn, before: float) -> int:
        """Forget story documents first seen before `before` (in the caller's transaction)."""
        c.execute("DELETE FROM story_bands WHERE doc IN (SELECT n FROM story_docs"
                  " WHERE seen < %s)", (before,))
        return c.execute("DELETE FROM story_docs WHERE seen < %s", (before,)).rowcount
