"""Two checkouts of monitor, the same rules and documents: matching's CPU cost, alternating.

On a shared machine wall time measures the neighbours; CPU time of one process (user +
system, `time.process_time`) much less so. This loads one rule file (generated once by
bench_matching's generator) in each checkout in turn, warms it up on 1,000 documents as a
running daemon would be, then analyses and matches 1,000 others, and prints per round and
checkout the CPU ms per document and the CPU seconds to load the rules; the checkouts take
turns, `--rounds` times. With `--workers N|auto` the documents go through `MatchWorkers` as
`monitor test` sends them (its stream, every score read, as it prints them; 1: in the
process), and the CPU is that of the process and its workers (/proc), so what handing
results back from the workers costs is counted.

    .venv/bin/python benchmarks/bench_ab.py --base ../main-copy [--size 10000] [--rounds 3]
        [--workload selective|frequent] [--workers N|auto]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, sys, time
sys.path.insert(0, {root!r}); sys.path.insert(0, {root!r} + "/benchmarks")
import bench_matching as bm
from pathlib import Path
bm.CORPUS = Path({corpus!r})  # the corpus beside this checkout, wherever the other one is
from monitor.matching import load_rules
from monitor.text.analysis import analyze
articles = bm.read_articles()
pool = bm.documents(articles, 2 * {docs})
docs, warm = pool[:{docs}], pool[{docs}:]
t = time.process_time()
rules = load_rules({path!r}, languages=bm.LANGUAGES)
rules.prepare(sorted(articles))
compile_cpu = time.process_time() - t
for doc in warm:
    rules.match(analyze(doc, bm.LANGUAGES), doc)
workers = {workers!r}
if workers:
    from benchmarks.workers import cpu_s
    from monitor.match_workers import WINDOW, MatchWorkers
    from monitor.workers import worker_count
    pool = MatchWorkers(worker_count("auto" if workers == "auto" else int(workers)), bm.LANGUAGES)
    pool.matches(rules, warm[:WINDOW])  # forked before timing, as a running daemon's are
    pids = pool.pids()
t = time.process_time() + (cpu_s(pids) if workers else 0); w = time.perf_counter()
found = 0
if workers:
    for _, _, result in pool.stream(pool.matches, rules, ((None, d) for d in docs)):
        found += len(result[1])
        for m in result[1]:
            m.score
else:
    for doc in docs:
        found += len(rules.match(analyze(doc, bm.LANGUAGES), doc))
cpu = time.process_time() + (cpu_s(pids) if workers else 0) - t
wall = time.perf_counter() - w
if workers:
    pool.close()
print(json.dumps({{"cpu_ms_per_doc": round(1000 * cpu / len(docs), 3),
                  "wall_ms_per_doc": round(1000 * wall / len(docs), 3),
                  "compile_cpu_s": round(compile_cpu, 2), "matches": found}}))
"""


def run(root: Path, path: Path, docs: int, workers: str | None = None) -> dict[str, float]:
    code = CHILD.format(root=str(root), path=str(path), docs=docs, workers=workers,
                        corpus=str(ROOT.parent / "shared" / "corpora" / "news"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, type=Path, help="the other checkout")
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workload", default="selective", choices=["selective", "frequent"])
    parser.add_argument("--workers", metavar="N|auto",
                        help="match through MatchWorkers with N processes (1: in the process)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_matching as bm

    out: dict[str, list[dict[str, float]]] = {"base": [], "new": []}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rules.yaml"
        bm.generate(path, args.size, bm.read_articles(), 0.05, args.workload)
        for i in range(args.rounds):
            order = [("base", args.base), ("new", ROOT)]
            for name, root in order if i % 2 == 0 else order[::-1]:
                line = run(root.resolve(), path, args.docs, args.workers)
                out[name].append(line)
                print(json.dumps({"round": i + 1, "checkout": name, "rules": args.size,
                                  "workload": args.workload, "workers": args.workers,
                                  **line}), flush=True)
    summary: dict[str, object] = {"rules": args.size, "workload": args.workload,
                                  "workers": args.workers, "rounds": args.rounds}
    for key in ("cpu_ms_per_doc", "wall_ms_per_doc", "compile_cpu_s"):
        for name in out:
            summary[f"{name}_{key}_median"] = statistics.median(r[key] for r in out[name])
            summary[f"{name}_{key}_min"] = min(r[key] for r in out[name])
    summary["cpu_cost_change_pct"] = round(100 * (
        summary["new_cpu_ms_per_doc_median"] / summary["base_cpu_ms_per_doc_median"] - 1), 1)
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
