"""How long a saved rule file takes to be in force in a running daemon, by rule-set size.

The daemon's rule watcher (`LiveRules.watch`: file events, then a compile in a thread) runs
over a rules folder holding one generated file of N rules (bench_matching's selective
rules, from the news corpus's vocabulary) and a small file the analyst edits. Each round
saves the small file with one new rule and times until that rule is in force, and how much
CPU the process spent meanwhile. The prefilters of English and Russian are built first, as
in a daemon that has matched documents in both, so every reload builds them again.

Baseline, measured in the same run: the one-rule set, whose time is the fixed cost of
noticing the edit (the file event and its debounce); `over_baseline` is N rules' median
over it.

    .venv/bin/python benchmarks/bench_reload.py [--sizes 1,1000,10000] [--rounds 5]

Prints one JSON object per size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_matching import Vocabulary, read_articles, write_rules
from monitor.config import load_config
from monitor.service.live_rules import LiveRules

EDIT = "rules:\n  - id: probe-{n}\n    title: Probe {n}\n    query: 'satellite{n} OR спутник'\n"


def project(root: Path, size: int, articles: dict[str, list[tuple[str, str]]]) -> Path:
    rules = root / "rules"
    rules.mkdir()
    if size > 1:
        write_rules(rules / "generated.yaml", size - 1, Vocabulary(articles, random.Random(size)))
    (rules / "edit.yaml").write_text(EDIT.format(n=0), encoding="utf-8")
    (root / "config.yaml").write_text(
        f"languages: [en, ru]\nstate: {root / 'state.db'}\nrules: rules/\nsources: []\n",
        encoding="utf-8",
    )
    return root / "config.yaml"


async def rounds(config_path: Path, count: int) -> tuple[list[float], list[float], int]:
    live = LiveRules(load_config(config_path), on_reload=lambda rules: None)
    live.current.prepare(["en", "ru"])
    stop = asyncio.Event()
    watcher = asyncio.create_task(live.watch(stop))
    await asyncio.sleep(0.5)  # the watcher is in place
    walls, cpus = [], []
    try:
        for n in range(1, count + 1):
            started, cpu = time.monotonic(), time.process_time()
            (config_path.parent / "rules" / "edit.yaml").write_text(EDIT.format(n=n),
                                                                    encoding="utf-8")
            while f"probe-{n}" not in live.current.rules:
                if time.monotonic() - started > 600:
                    raise SystemExit(f"probe-{n} was not in force after 600 s")
                await asyncio.sleep(0.005)
            walls.append(time.monotonic() - started)
            cpus.append(time.process_time() - cpu)
    finally:
        stop.set()
        await asyncio.gather(watcher, return_exceptions=True)
    return walls, cpus, len(live.current.rules)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1,1000,10000")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    articles = read_articles()
    baseline = None
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            walls, cpus, loaded = asyncio.run(rounds(project(Path(tmp), size, articles),
                                                     args.rounds))
        median = statistics.median(walls)
        baseline = baseline or median
        print(json.dumps({
            "bench": "reload", "rules": loaded, "rounds": args.rounds,
            "median_s": round(median, 3), "max_s": round(max(walls), 3),
            "median_cpu_s": round(statistics.median(cpus), 3),
            "over_baseline": round(median / baseline, 2), "baseline": "1 rule, same run",
        }), flush=True)


if __name__ == "__main__":
    main()
