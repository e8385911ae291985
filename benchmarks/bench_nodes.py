"""Several daemons on one PostgreSQL: matching spread over 1, 2 and 4 nodes, and source polls
shared by 3 nodes, each node a real `monitor run` process.

"match": N real news articles (../shared/corpora/news; generated text without it) are put in
a folder source's folder once every node is running; the figure is documents matched per
second while the documents table fills from 10% to 100% (the nodes' start-up, their
languages' models and first prefilter builds left out: the warm-up mixes the languages),
for 1, 2 and 4 nodes, and for one node on a SQLite file (the cost of the network store).
`vs_1_node` is the speed-up over one node on PostgreSQL in the same run. Each line also
gives the CPU seconds the nodes and the PostgreSQL server used in the timed part
(`nodes_cpu_s`, `postgres_cpu_s`), beside its wall time (`seconds`).

"polls": F feeds (local threaded HTTP servers answering 304 to the ETag they gave, the feeds
spread over H loopback addresses 127.0.0.2... so that the per-host politeness limit, 2
fetches at once per host as by default, does not set the pace) polled by 3 nodes on an
interval of I seconds for a window of W seconds: polls per second, the feeds polled in the
window, the shortest gap between two polls of one feed inside it (`min_gap_s`, None when
no feed was polled twice in it; the window is as long as the interval), how many such
pairs were closer than `interval - slack` (`early_repeats`, must be 0), and CPU seconds
(`feed_servers_cpu_s`: this process, which serves the feeds, on the same cores).

    .venv/bin/python benchmarks/bench_nodes.py [--docs 800] [--nodes 1,2,4] [--feeds 10000]
        [--hosts 100] [--interval 60] [--window 60] [--skip match|polls] [--workers 1]

One JSON line per configuration. Uses tests/pg.py's throwaway server (PostgreSQL's initdb
and pg_ctl must be installed).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pg import PgServer  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "news"
RULES: dict[str, Any] = {"folder": ROOT / "rules", "count": 0}  # the rule set in use
WARM = 64  # documents per node matched before timing (two batches each, on average)


def articles(n: int) -> list[str]:
    """n article texts (headline first line), real when the corpus is there: taken in turn
    from each of its folders, so Russian and English arrive mixed from the first (the
    warm-up then loads both languages' models on every node; in folder order the Russian
    articles came last, and each node loaded Russian inside the timed part)."""
    folders = sorted(d for d in CORPUS.iterdir() if d.is_dir()) if CORPUS.is_dir() else []
    queues = [sorted(d.glob("*.txt")) for d in folders]
    paths = [p for turn in itertools.zip_longest(*queues) for p in turn if p is not None]
    # a text the corpus holds twice is stored once: the count the timing waits for would
    # never be reached
    texts = list(dict.fromkeys(p.read_text(encoding="utf-8", errors="replace")
                               for p in paths))[:n]
    while len(texts) < n:
        i = len(texts)
        texts.append(f"Generated story {i}\n\n" + " ".join(f"word{(i * 7 + k) % 997}"
                                                         for k in range(400)))
    return texts


def generate_rules(folder: Path, size: int) -> None:
    """`size` rules like analysts' (bench_matching.py's generator), or the shipped ones."""
    RULES["folder"], RULES["count"] = folder, size
    if size == 0:
        shutil.copytree(ROOT / "rules", folder)
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_matching as bm

    texts = bm.read_articles() if bm.CORPUS.is_dir() else bm.generated_articles(600)
    folder.mkdir()
    bm.write_rules(folder / "generated.yaml", size, bm.Vocabulary(texts, random.Random(size)))


# matching processes per node: 1 measures what nodes add (with `auto` one node already
# uses every core of this machine); --workers changes it
WORKERS: dict[str, str] = {"per_node": "1"}


def config(tmp: Path, state: str, sources: str, nodes: str = "") -> Path:
    shutil.copytree(RULES["folder"], tmp / "rules", dirs_exist_ok=True)
    path = tmp / "config.yaml"
    path.write_text(f"languages: [en, ru]\nstate: {state}\nrules: rules/\n{nodes}"
                    f"workers: {WORKERS['per_node']}\n"
                    f"sources:\n{sources}notifiers: []\nlog: {{level: WARNING}}\n")
    return path


def start(cfg: Path, n: int) -> subprocess.Popen[bytes]:
    log = (cfg.parent / f"node{n}.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(cfg),
                             "--node", f"node{n}", "--log-level", "INFO"],
                            cwd=cfg.parent, stdout=log, stderr=subprocess.STDOUT)


def wait_running(cfg: Path, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = [p.read_text(errors="replace") for p in cfg.parent.glob("node*.log")]
        if sum("running; stop with" in t for t in logs) >= count:
            return
        time.sleep(0.2)
    raise SystemExit(f"nodes did not start in {timeout:.0f} s; see {cfg.parent}/node*.log")


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


def counter(state: str) -> Any:
    """A function returning how many documents the state holds."""
    if state.startswith("postgresql://"):
        import psycopg

        conn = psycopg.connect(state, autocommit=True)
        return lambda: conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    return lambda: sqlite3.connect(state).execute("SELECT count(*) FROM documents").fetchone()[0]


def put(tmp: Path, texts: list[str], prefix: str) -> None:
    for i, text in enumerate(texts):  # renamed in: a whole file at once
        (tmp / f".{i}.txt").write_text(text, encoding="utf-8")
        (tmp / f".{i}.txt").rename(tmp / "inbox" / f"{prefix}{i:05d}.txt")


def wait_for(count: Any, target: int, stalled: float = 20.0) -> tuple[int, float]:
    """Wait until `count()` reaches `target`, or stops growing for `stalled` seconds (a
    document the nodes could not store); the count reached and when (perf_counter)."""
    seen, since = count(), time.perf_counter()
    while seen < target and time.perf_counter() - since < stalled:
        time.sleep(0.05)
        now = count()
        if now != seen:
            seen, since = now, time.perf_counter()
    if seen < target:
        print(f"{target - seen} document(s) were not stored; timed up to the last one that was",
              file=sys.stderr)
    return int(seen), since


def match_rate(state: str, nodes: int, texts: list[str],
               pg: PgServer | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        (tmp / "inbox").mkdir()
        db = state if state.startswith("postgresql://") else str(tmp / "state.db")
        cfg = config(tmp, db, "  - {id: inbox, type: folder, path: inbox/, interval: 1s}\n")
        procs = [start(cfg, n) for n in range(nodes)]
        cpu = Cpu(procs, pg if "://" in db else None)
        try:
            wait_running(cfg, nodes)
            count = counter(db)
            # warm-up: every node claims some of these, loading its languages' models
            warm, texts = texts[:WARM * nodes], texts[WARM * nodes:]
            put(tmp, warm, "w")
            while count() < len(warm):
                time.sleep(0.1)
            time.sleep(2.0)
            put(tmp, texts, "m")
            low, high = len(warm) + len(texts) // 10, len(warm) + len(texts)
            while count() < low:
                time.sleep(0.05)
            cpu.start()
            high, last = wait_for(count, high)
            used = cpu.stop(last)
        finally:
            stop(procs)
    return {"bench": "match", "store": "postgresql" if nodes and "://" in db else "sqlite",
            "nodes": nodes, "docs": high - low, "warm_up_docs": WARM * nodes,
            "rules": RULES["count"], "seconds": used["wall_s"],
            "docs_per_s": round((high - low) / used["wall_s"], 1),
            "nodes_cpu_s": used["nodes_cpu_s"], "postgres_cpu_s": used["postgres_cpu_s"]}


class Feeds:
    """F tiny feeds at /f/<i>.xml answering 304 to their ETag, spread over `hosts` loopback
    addresses (127.0.0.2, 127.0.0.3, ...: on Linux all of 127.0.0.0/8 is this machine), so
    the nodes' per-host politeness limit is not what sets the pace; records each GET's time."""

    def __init__(self, feeds: int, hosts: int) -> None:
        self.hits: dict[int, list[float]] = {}
        self.lock = threading.Lock()
        self.servers: list[ThreadingHTTPServer] = []
        body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title><item>'
                b"<guid>urn:f:1</guid><title>Quiet news</title></item></channel></rss>")
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                feed = int(self.path.removeprefix("/f/").removesuffix(".xml"))
                with outer.lock:
                    outer.hits.setdefault(feed, []).append(time.monotonic())
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.send_header("ETag", '"v1"')
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("ETag", '"v1"')
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        for h in range(hosts):
            server = ThreadingHTTPServer((f"127.0.0.{2 + h}", 0), Handler)
            server.daemon_threads = True
            server.request_queue_size = 128
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)

    def url(self, feed: int) -> str:
        host, port = self.servers[feed % len(self.servers)].server_address[:2]
        return f"http://{host}:{port}/f/{feed}.xml"

    def shutdown(self) -> None:
        for server in self.servers:
            server.shutdown()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(pg: PgServer) -> list[int]:
    """The PostgreSQL server's processes (the postmaster and every backend)."""
    try:
        main = int((pg.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    kids = Path(f"/proc/{main}/task/{main}/children")
    return [main, *(int(p) for p in kids.read_text().split())] if kids.exists() else [main]


class Cpu:
    """CPU seconds of the nodes and of the PostgreSQL server between `start()` and `stop()`
    (backends started meanwhile count whole)."""

    def __init__(self, nodes: list[subprocess.Popen[bytes]], pg: PgServer | None) -> None:
        self.nodes, self.pg = [p.pid for p in nodes], pg

    def _server(self) -> dict[int, float]:
        return {p: cpu_seconds([p]) for p in server_pids(self.pg)} if self.pg else {}

    def start(self) -> None:
        self.t0, self.n0, self.s0 = time.perf_counter(), cpu_seconds(self.nodes), self._server()

    def stop(self, end: float | None = None) -> dict[str, float]:
        """`end`: when the timed part ended (perf_counter), if before now."""
        wall = (end or time.perf_counter()) - self.t0
        nodes, server = cpu_seconds(self.nodes), self._server()
        pg = sum(cpu - self.s0.get(pid, 0.0) for pid, cpu in server.items())
        return {"wall_s": round(wall, 2), "nodes_cpu_s": round(nodes - self.n0, 2),
                "postgres_cpu_s": round(pg, 2)}


def poll_rate(pg: PgServer, feeds: int, hosts: int, interval: float,
              window: float) -> dict[str, Any]:
    server = Feeds(feeds, hosts)
    sources = "".join(f"  - {{id: f{i}, type: feed, url: '{server.url(i)}', "
                      f"interval: {interval}s}}\n" for i in range(feeds))
    limits = "feeds: {max_concurrent: 64, per_host: 2}\n"  # per host: the default
    with tempfile.TemporaryDirectory() as d:
        cfg = config(Path(d), pg.database(), sources,
                     "nodes: {lease: 30s, heartbeat: 5s}\n" + limits)
        procs = [start(cfg, n) for n in range(3)]
        cpu = Cpu(procs, pg)
        try:
            wait_running(cfg, 3, timeout=900)
            time.sleep(interval)  # the first turn of every feed is behind us
            with server.lock:
                before = sum(len(v) for v in server.hits.values())
            since = time.monotonic()
            cpu.start()
            served = cpu_seconds([os.getpid()])  # the feed servers run in this process
            time.sleep(window)
            used = cpu.stop()
            used["feed_servers_cpu_s"] = round(cpu_seconds([os.getpid()]) - served, 2)
            with server.lock:
                after = sum(len(v) for v in server.hits.values())
                hits = {k: list(v) for k, v in server.hits.items()}
        finally:
            stop(procs)
            server.shutdown()
    # two polls of one feed within the window (as long as the interval): none is the claim
    gaps = [b - a for times in hits.values() for a, b in itertools.pairwise(times)
            if a >= since]
    polled = {k for k, times in hits.items() if any(t >= since for t in times)}
    slack = min(interval * 0.05, 1.0)
    return {"bench": "polls", "nodes": 3, "feeds": feeds, "hosts": hosts,
            "interval_s": interval, "window_s": window,
            "polls_per_s": round((after - before) / window, 1),
            "feeds_polled_in_window": len(polled),
            "min_gap_s": round(min(gaps), 2) if gaps else None,
            "early_repeats": sum(g < interval - slack - 0.05 for g in gaps), **used}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=800)
    parser.add_argument("--nodes", default="1,2,4")
    parser.add_argument("--feeds", type=int, default=10000)
    parser.add_argument("--interval", type=float, default=60.0)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--hosts", type=int, default=100,
                        help="loopback addresses the feeds are spread over (127.0.0.2...)")
    parser.add_argument("--rules", type=int, default=5000,
                        help="generated rules (0: the shipped rules/)")
    parser.add_argument("--skip", choices=["match", "polls"])
    parser.add_argument("--workers", default="1", metavar="N|auto",
                        help="matching processes per node (default 1: one process a node)")
    args = parser.parse_args()
    WORKERS["per_node"] = args.workers
    pg = PgServer().start()
    rules_dir = tempfile.TemporaryDirectory()
    try:
        generate_rules(Path(rules_dir.name) / "rules", args.rules)
        if args.skip != "match":
            texts = articles(args.docs + WARM * 4)
            base = None
            for n in [int(x) for x in args.nodes.split(",")]:
                line = match_rate(pg.database(), n, texts, pg)
                base = base or line["docs_per_s"]
                print(json.dumps({**line, "vs_1_node": round(line["docs_per_s"] / base, 2)}),
                      flush=True)
            line = match_rate("sqlite", 1, texts)
            print(json.dumps({**line, "vs_1_node": round(line["docs_per_s"] / base, 2)}),
                  flush=True)
        if args.skip != "polls":
            print(json.dumps(poll_rate(pg, args.feeds, args.hosts, args.interval,
                                       args.window)), flush=True)
    finally:
        pg.close()
        rules_dir.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
