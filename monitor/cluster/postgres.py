"""PostgresCoordinator: nodes coordinate through the PostgreSQL database holding their state.

Three tables of its own (numbered migrations, applied under an advisory lock so nodes
starting together do not race): `cluster_nodes` (heartbeats), `cluster_leases` (one row per
lease: holder, generation, expiry, when its last turn began or ended, and for a source
its interval) and `cluster_queue` (found
documents waiting to be matched). Every time is the server's clock, so the nodes' clocks
need not agree. Documents and sources' due turns are claimed in batches with `FOR UPDATE
SKIP LOCKED`: nodes claiming at once get different rows and never wait for each other.

One connection per node, used from the event loop only; a broken one (a restarted server)
is dropped and made again at the next call, and the failure is a ClusterError.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from monitor.cluster.base import START_WAIT, Claim, Lease, NodeInfo, Turn
from monitor.errors import ClusterError
from monitor.models import Document
from monitor.store.pg_connect import connection_options

log = logging.getLogger(__name__)

MAX_CLAIMS = 10  # a document claimed this often without being done (it kills its matcher)
FORGET_NODES = 86400.0  # a node not heard from for a day leaves the list
NOW = "extract(epoch from clock_timestamp())"

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE cluster_nodes (
        node text PRIMARY KEY, pid integer NOT NULL, host text NOT NULL,
        started float8 NOT NULL, seen float8 NOT NULL, rules_hash text NOT NULL,
        rules integer NOT NULL, stopped boolean NOT NULL DEFAULT false
    );
    CREATE TABLE cluster_leases (
        name text PRIMARY KEY, node text NOT NULL, generation bigint NOT NULL,
        expires float8 NOT NULL, turn float8 NOT NULL
    );
    CREATE TABLE cluster_queue (
        id bigserial PRIMARY KEY, doc_id text NOT NULL, content_hash text NOT NULL,
        data text NOT NULL, queued float8 NOT NULL, node text, claimed_until float8,
        claims integer NOT NULL DEFAULT 0, UNIQUE (doc_id, content_hash)
    );
    """,
    # turns claimed in batches: a source's interval (less the slack) beside its lease, and
    # the oldest turns found without reading the others
    """
    ALTER TABLE cluster_leases ADD COLUMN every float8 NOT NULL DEFAULT 0;
    CREATE INDEX cluster_leases_turns ON cluster_leases (turn) WHERE every > 0;
    """,
)

_PLAN = """
INSERT INTO cluster_leases AS l (name, node, generation, expires, turn, every)
SELECT n, '', 0, 0, 0, e FROM unnest(%s::text[], %s::float8[]) AS t(n, e)
ON CONFLICT (name) DO UPDATE SET every = excluded.every WHERE l.every <> excluded.every
"""

_CLAIM_TURNS = f"""
UPDATE cluster_leases l SET node = %(node)s, generation = l.generation + 1,
    expires = {NOW} + %(ttl)s, turn = {NOW}
FROM (SELECT name, turn FROM cluster_leases
      WHERE every > 0 AND turn <= {NOW} - %(soonest)s AND turn <= {NOW} - every
        AND expires <= {NOW} AND name <> ALL(%(skip)s::text[])
      ORDER BY turn LIMIT %(limit)s FOR UPDATE SKIP LOCKED) c
WHERE l.name = c.name
RETURNING l.name, l.generation, l.expires, c.turn
"""

_ACQUIRE = f"""
INSERT INTO cluster_leases AS l (name, node, generation, expires, turn)
VALUES (%(name)s, %(node)s, 1, {NOW} + %(ttl)s, CASE WHEN %(every)s > 0 THEN {NOW} ELSE 0 END)
ON CONFLICT (name) DO UPDATE SET
    node = excluded.node,
    generation = CASE WHEN l.node = excluded.node AND l.expires > {NOW}
                 THEN l.generation ELSE l.generation + 1 END,
    expires = excluded.expires,
    turn = CASE WHEN %(every)s > 0 THEN {NOW} ELSE l.turn END
WHERE (l.expires <= {NOW} OR l.node = excluded.node) AND l.turn <= {NOW} - %(every)s
RETURNING generation, expires
"""

_RELEASE = f"""
UPDATE cluster_leases l SET expires = {NOW},
    turn = CASE WHEN l.turn > 0 THEN {NOW} ELSE l.turn END
FROM unnest(%s::text[], %s::text[], %s::bigint[]) AS h(name, node, generation)
WHERE l.name = h.name AND l.node = h.node AND l.generation = h.generation
"""

_HAND_BACK = f"""
UPDATE cluster_leases l SET expires = {NOW}, turn = h.last
FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::double precision[])
    AS h(name, node, generation, last)
WHERE l.name = h.name AND l.node = h.node AND l.generation = h.generation
"""

_CLAIM = f"""
UPDATE cluster_queue q SET node = %(node)s, claimed_until = {NOW} + %(ttl)s,
    claims = q.claims + 1
FROM (SELECT id FROM cluster_queue
      WHERE claimed_until IS NULL OR claimed_until < {NOW}
      ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED) c
WHERE q.id = c.id
RETURNING q.id, q.data, q.claims
"""


def describe(url: str) -> str:
    """The server and database of a connection string, without any password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error:
        return "PostgreSQL"
    host = parts.get("host") or "localhost"
    return f"PostgreSQL at {host}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}"


class PostgresCoordinator:
    """The Coordinator of nodes sharing one PostgreSQL database."""

    shared = True

    def __init__(self, url: str, node: str, *, lease: float = 30.0,
                 options: dict[str, Any] | None = None, wait: float = START_WAIT) -> None:
        """Connect and create the tables; a server that cannot be reached (restarting) is
        tried again for `wait` seconds, then ClusterError. `options`: psycopg.connect's
        keywords (store/pg_connect.py: timeouts, keepalives)."""
        self.url = url
        self.node = node
        self.lease = lease
        self.where = describe(url)
        self._options = connection_options(url) if options is None else options
        self._db: psycopg.Connection[Any] | None = None
        deadline, said = time.monotonic() + wait, False
        while True:
            try:
                with self._cursor() as cur:
                    migrate(cur)
                return
            except ClusterError as exc:
                if time.monotonic() >= deadline:
                    raise
                if not said:
                    log.warning("%s; retrying for %.0f s", exc, wait)
                said = True
                time.sleep(1.0)

    @contextmanager
    def _cursor(self) -> Iterator[psycopg.Cursor[Any]]:
        """A cursor in autocommit mode; psycopg's errors become ClusterError, and a broken
        connection is made again at the next call."""
        try:
            if self._db is None or self._db.closed or self._db.broken:
                self._db = psycopg.connect(self.url, autocommit=True, **self._options)
            with self._db.cursor() as cur:
                yield cur
        except psycopg.Error as exc:
            if self._db is not None and (self._db.broken or isinstance(
                    exc, psycopg.OperationalError)):
                self._db.close()
                self._db = None
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ClusterError(self.node, f"{self.where}: {first}") from exc

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # ------------------------------------------------------------ nodes

    def heartbeat(self, *, rules_hash: str, rules: int, started: float) -> None:
        with self._cursor() as cur:
            cur.execute(
                f"INSERT INTO cluster_nodes (node, pid, host, started, seen, rules_hash, rules)"
                f" VALUES (%s, %s, %s, %s, {NOW}, %s, %s) ON CONFLICT (node) DO UPDATE SET"
                " pid = excluded.pid, host = excluded.host, started = excluded.started,"
                " seen = excluded.seen, rules_hash = excluded.rules_hash,"
                " rules = excluded.rules, stopped = false",
                (self.node, os.getpid(), socket.gethostname(), started, rules_hash, rules))
            cur.execute(f"DELETE FROM cluster_nodes WHERE seen < {NOW} - %s", (FORGET_NODES,))

    def goodbye(self) -> None:
        with self._cursor() as cur:
            cur.execute(f"UPDATE cluster_leases SET expires = {NOW}"
                        f" WHERE node = %s AND expires > {NOW}", (self.node,))
            cur.execute("UPDATE cluster_queue SET node = NULL, claimed_until = NULL,"
                        " claims = greatest(claims - 1, 0) WHERE node = %s", (self.node,))
            cur.execute(f"UPDATE cluster_nodes SET stopped = true, seen = {NOW}"
                        " WHERE node = %s", (self.node,))

    def nodes(self) -> list[NodeInfo]:
        with self._cursor() as cur:
            cur.execute(f"SELECT node, pid, host, started, seen, rules_hash, rules, stopped,"
                        f" seen > {NOW} - %s AS alive FROM cluster_nodes ORDER BY node",
                        (self.lease,))
            rows = cur.fetchall()
        return [NodeInfo(node=r[0], pid=r[1], host=r[2], started=r[3], seen=r[4],
                         rules_hash=r[5], rules=r[6], stopped=r[7], alive=r[8] and not r[7])
                for r in rows]

    # ------------------------------------------------------------ leases

    def acquire(self, name: str, ttl: float, *, every: float = 0.0) -> Lease | None:
        with self._cursor() as cur:
            cur.execute(_ACQUIRE, {"name": name, "node": self.node, "ttl": ttl,
                                   "every": every})
            row = cur.fetchone()
        if row is None:
            return None
        return Lease(name=name, node=self.node, generation=row[0], expires=row[1])

    def renew(self, lease: Lease, ttl: float) -> Lease | None:
        with self._cursor() as cur:
            cur.execute(f"UPDATE cluster_leases SET expires = {NOW} + %s"
                        " WHERE name = %s AND node = %s AND generation = %s RETURNING expires",
                        (ttl, lease.name, lease.node, lease.generation))
            row = cur.fetchone()
        if row is None:
            return None
        return Lease(name=lease.name, node=lease.node, generation=lease.generation,
                     expires=row[0])

    def renew_all(self, leases: Sequence[Lease], ttl: float) -> list[Lease]:
        if not leases:
            return []
        with self._cursor() as cur:
            cur.execute(
                f"UPDATE cluster_leases l SET expires = {NOW} + %s"
                " FROM unnest(%s::text[], %s::bigint[]) AS h(name, generation)"
                " WHERE l.name = h.name AND l.generation = h.generation AND l.node = %s"
                " RETURNING l.name, l.expires",
                (ttl, [x.name for x in leases], [x.generation for x in leases], self.node))
            kept = dict(cur.fetchall())
        return [Lease(name=x.name, node=x.node, generation=x.generation, expires=kept[x.name])
                for x in leases if x.name in kept]

    def release(self, lease: Lease) -> None:
        self.release_all([lease])

    def release_all(self, leases: Sequence[Lease]) -> None:
        if not leases:
            return
        with self._cursor() as cur:
            cur.execute(_RELEASE, ([x.name for x in leases], [x.node for x in leases],
                                   [x.generation for x in leases]))

    def plan_turns(self, every: Mapping[str, float]) -> int:
        with self._cursor() as cur:
            cur.execute(_PLAN, (list(every), list(every.values())))
            return max(cur.rowcount, 0)

    def claim_turns(self, limit: int, ttl: float, *, soonest: float,
                    skip: Sequence[str] = ()) -> list[Turn]:
        if limit <= 0:
            return []
        with self._cursor() as cur:
            cur.execute(_CLAIM_TURNS, {"node": self.node, "ttl": ttl, "limit": limit,
                                       "soonest": soonest, "skip": list(skip)})
            rows = cur.fetchall()
        return [Turn(lease=Lease(name=r[0], node=self.node, generation=r[1], expires=r[2]),
                     last=r[3]) for r in sorted(rows, key=lambda r: r[3])]

    def hand_back(self, turns: Sequence[Turn]) -> None:
        if not turns:
            return
        with self._cursor() as cur:
            cur.execute(_HAND_BACK, ([t.lease.name for t in turns], [t.lease.node for t in turns],
                                     [t.lease.generation for t in turns],
                                     [t.last for t in turns]))

    def leases(self) -> list[Lease]:
        with self._cursor() as cur:
            cur.execute(f"SELECT name, node, generation, expires FROM cluster_leases"
                        f" WHERE expires > {NOW} ORDER BY name")
            rows = cur.fetchall()
        return [Lease(name=r[0], node=r[1], generation=r[2], expires=r[3]) for r in rows]

    # ------------------------------------------------------------ the document queue

    def enqueue(self, docs: Sequence[Document]) -> int:
        if not docs:
            return 0
        with self._cursor() as cur:
            cur.execute(
                f"INSERT INTO cluster_queue (doc_id, content_hash, data, queued)"
                f" SELECT d, h, j, {NOW} FROM unnest(%s::text[], %s::text[], %s::text[])"
                " AS t(d, h, j) ON CONFLICT (doc_id, content_hash) DO NOTHING",
                ([d.id for d in docs], [d.content_hash for d in docs],
                 [d.model_dump_json() for d in docs]))
            return max(cur.rowcount, 0)

    def claim(self, limit: int, ttl: float) -> list[Claim]:
        with self._cursor() as cur:
            cur.execute(_CLAIM, {"node": self.node, "ttl": ttl, "limit": limit})
            rows = sorted(cur.fetchall())
            poison = [r[0] for r in rows if r[2] > MAX_CLAIMS]
            if poison:
                cur.execute("DELETE FROM cluster_queue WHERE id = ANY(%s)", (poison,))
        claims = []
        for row_id, data, count in rows:
            doc = Document.model_validate_json(data)
            if count <= MAX_CLAIMS:
                claims.append(Claim(id=row_id, document=doc))
                continue
            log.error("node %s: document %s of source %r was claimed %d times and never "
                      "matched (its matchers died?); dropped from the queue", self.node,
                      doc.id, doc.source, count, extra={"source": doc.source,
                                                        "document": doc.id})
        return claims

    def done(self, ids: Sequence[int]) -> None:
        with self._cursor() as cur:
            cur.execute("DELETE FROM cluster_queue WHERE id = ANY(%s)", (list(ids),))

    def depths(self) -> dict[str, Any]:
        with self._cursor() as cur:
            cur.execute(f"SELECT count(*) FILTER (WHERE claimed_until IS NULL"
                        f" OR claimed_until < {NOW}), count(*) FILTER (WHERE claimed_until"
                        f" >= {NOW}) FROM cluster_queue")
            row = cur.fetchone()
        queued, claimed = row if row is not None else (0, 0)
        return {"queued": int(queued), "claimed": int(claimed)}


def migrate(cur: psycopg.Cursor[Any]) -> None:
    """Create or upgrade the coordination tables, one numbered migration at a time, under
    an advisory lock (nodes starting together wait for each other)."""
    with cur.connection.transaction():
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('monitor cluster schema'))")
        cur.execute("CREATE TABLE IF NOT EXISTS cluster_schema (version integer NOT NULL)")
        cur.execute("SELECT max(version) FROM cluster_schema")
        row = cur.fetchone()
        version = int(row[0]) if row and row[0] is not None else 0
        for number in range(version, len(MIGRATIONS)):
            cur.execute(MIGRATIONS[number])
            cur.execute("INSERT INTO cluster_schema (version) VALUES (%s)", (number + 1,))
