"""The cost of the network store: the same store calls on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/bench_store.py [--documents 2000] [--alerts 1000] [--rounds 3]

For each round, alternating the two stores so both meet the same load on a shared machine:
`put_document` of new documents, `add_alert` of new alerts with one immediate delivery
each, and the outbox's pass (`due_deliveries` of 100, then `mark_delivered` of them) until
the outbox is empty. SQLite is a file in a temporary folder; PostgreSQL is tests/pg.py's
throwaway server on 127.0.0.1 (initdb + pg_ctl; PostgreSQL 15's binaries are needed), a
fresh database per round, reached over TCP as a daemon reaches a server on another machine
(minus the network's own latency). Prints one JSON line per store, operation and round,
then one line per operation with the medians and the ratio sqlite/postgresql.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.models import Alert, Document  # noqa: E402
from monitor.store import SQLiteStore, Store  # noqa: E402
from monitor.store.postgres import PostgresStore  # noqa: E402
from tests.pg import PgServer  # noqa: E402

OPERATIONS = ("put_document", "add_alert", "deliver")


def documents(count: int, offset: int = 0) -> list[Document]:
    return [Document(id=f"bench:{offset + n}", source="bench", title=f"Headline {offset + n}",
                     body=f"Body of article {offset + n}. " * 40) for n in range(count)]


def rates(store: Store, docs: int, alerts: int) -> dict[str, float]:
    """Calls per second of each operation on `store` (a fresh, empty one)."""
    out: dict[str, float] = {}
    batch = documents(docs)
    started = time.perf_counter()
    for doc in batch:
        store.put_document(doc)
    out["put_document"] = docs / (time.perf_counter() - started)
    made = [Alert(id=Alert.make_id("r", d.content_hash), rule="r", rule_title="R", document=d)
            for d in documents(alerts, offset=docs)]
    started = time.perf_counter()
    for alert in made:
        store.add_alert(alert, [("mail", "immediate")])
    out["add_alert"] = alerts / (time.perf_counter() - started)
    started, sent = time.perf_counter(), 0
    while due := store.due_deliveries(now=time.time() + 1, limit=100):
        store.mark_delivered([d.id for d in due], now=time.time())
        sent += len(due)
    out["deliver"] = sent / (time.perf_counter() - started)
    return out


def measure(name: str, opener: Callable[[], Store], args: argparse.Namespace,
            round_: int) -> dict[str, float]:
    store = opener()
    try:
        found = rates(store, args.documents, args.alerts)
    finally:
        store.close()
    for op in OPERATIONS:
        print(json.dumps({"bench": "store", "store": name, "op": op, "round": round_,
                          "per_second": round(found[op], 1)}), flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    server = PgServer().start()
    results: dict[str, list[dict[str, float]]] = {"sqlite": [], "postgresql": []}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
            for n in range(args.rounds):
                path = Path(tmp) / f"state-{n}.db"
                results["sqlite"].append(
                    measure("sqlite", lambda p=path: SQLiteStore(p), args, n))  # type: ignore[misc]
                url = server.database()
                results["postgresql"].append(
                    measure("postgresql", lambda u=url: PostgresStore(u), args, n))  # type: ignore[misc]
    finally:
        server.close()
    for op in OPERATIONS:
        med = {name: statistics.median(r[op] for r in runs) for name, runs in results.items()}
        print(json.dumps({"bench": "store", "op": op, "rounds": args.rounds,
                          "sqlite_per_second": round(med["sqlite"], 1),
                          "postgresql_per_second": round(med["postgresql"], 1),
                          "sqlite_over_postgresql": round(med["sqlite"] / med["postgresql"], 2)}))


if __name__ == "__main__":
    main()
