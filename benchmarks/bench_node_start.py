"""A node's start-up on PostgreSQL with many feeds: the time from `monitor run` to its
`running` log line, with every feed's saved state (and page counters) already in the state,
as after a restart.

For each code tree given (default: this one), a fresh database is migrated and filled with
F feeds' states, then one node is started `--runs` times on it (stopped as soon as it logs
`running`). Each run prints one JSON line: seconds to `running`, and the CPU seconds the node
and the PostgreSQL server used meanwhile. Trees alternate run by run, so a baseline measured
in the same run sees the same machine:

    .venv/bin/python benchmarks/bench_node_start.py [--feeds 10000] [--runs 3]
        [--code /path/to/old/tree --code .]

Uses tests/pg.py's throwaway server (PostgreSQL's initdb and pg_ctl must be installed).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_nodes import Cpu  # noqa: E402
from tests.pg import PgServer  # noqa: E402


def prepare(pg: PgServer, folder: Path, feeds: int) -> Path:
    """A config of `feeds` feeds on a new database holding a saved state for each."""
    from monitor.store.postgres import PostgresStore

    url = pg.database()
    with PostgresStore(url) as store:  # migrated, as by the nodes' first start
        saved = {f"source:f{i}": {"url": f"http://127.0.0.1:9/f{i}.xml", "etag": '"v1"',
                                  "failures": 0, "last_ok": time.time()} for i in range(feeds)}
        saved |= {f"pages:f{i}": {"fetched": 0} for i in range(feeds)}
        store.set_states(saved)
    (folder / "rules").mkdir(exist_ok=True)
    (folder / "rules" / "r.yaml").write_text("rules:\n  - {id: r, query: quake}\n")
    sources = "".join(f"  - {{id: f{i}, type: feed, url: 'http://127.0.0.1:9/f{i}.xml', "
                      "interval: 1h}\n" for i in range(feeds))
    path = folder / "config.yaml"
    path.write_text(f"languages: [en]\nstate: {url}\nrules: rules/\nnotifiers: []\n"
                    f"sources:\n{sources}")
    return path


def start_up(cfg: Path, code: Path, pg: PgServer, run: int) -> dict[str, float]:
    log_path = cfg.parent / f"node-{run}.log"
    env = {**os.environ, "PYTHONPATH": str(code)}
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(cfg),
                                 "--node", f"n{run}", "--log-level", "INFO"],
                                cwd=cfg.parent, stdout=log, stderr=subprocess.STDOUT, env=env)
        cpu = Cpu([proc], pg)
        cpu.start()
        try:
            while "running; stop with" not in log_path.read_text(errors="replace"):
                if proc.poll() is not None or cpu.t0 + 600 < time.perf_counter():
                    raise SystemExit(f"the node did not start; see {log_path}")
                time.sleep(0.02)
            used = cpu.stop()
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
    return used


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--code", action="append", type=Path,
                        help="a tree of monitor's code to start (repeatable; default: this one)")
    args = parser.parse_args()
    trees = [p.resolve() for p in args.code or [ROOT]]
    pg = PgServer().start()
    try:
        with tempfile.TemporaryDirectory() as d:
            cfg = prepare(pg, Path(d), args.feeds)
            start_up(cfg, trees[0], pg, -1)  # warm: the server's caches, the .pyc files
            for run in range(args.runs):
                for tree in trees:
                    used = start_up(cfg, tree, pg, run)
                    print(json.dumps({"bench": "node_start", "code": str(tree),
                                      "feeds": args.feeds, "run": run,
                                      "to_running_s": used.pop("wall_s"), **used}),
                          flush=True)
    finally:
        pg.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
