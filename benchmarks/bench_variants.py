"""Two variants of the matcher in one process, document by document: `RuleSet.rows`'s CPU.

`bench_ab.py` runs two checkouts in turn, each in its own process; a change of a few
percent is lost in what the machine's neighbours do between the turns. Here both variants
live in one process, each document is matched by both, in the order A B B A (then B A A B
for the next document, and the next round starts the other way), and what was built
before timing is frozen out of the cyclic collector, so both pay the same for the
document's cached analysis and for the collector. An A/A run (the same code twice) gives
ratios of 0.997-1.002.

A variants file is Python defining `variants(rules) -> {"name": switch, "name": switch}`:
two functions without arguments that put their variant in place (assign a function of
the module being tried, swap an index in `rules`, ...). Both variants must give the same
rows; the run stops if they do not.

    .venv/bin/python benchmarks/bench_variants.py VARIANTS.py [--size 10000] [--docs 150]
        [--rounds 5]

Prints a JSON line per round (ms of CPU a document for each variant, and B/A) and a
summary with the median ratio.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_matching as bm  # noqa: E402

from monitor.matching import load_rules  # noqa: E402
from monitor.text.analysis import analyze  # noqa: E402


def switches(path: Path, rules: object) -> dict[str, Callable[[], None]]:
    spec = importlib.util.spec_from_file_location("variants_under_test", path)
    if spec is None or spec.loader is None:
        sys.exit(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found: dict[str, Callable[[], None]] = module.variants(rules)
    if len(found) != 2:
        sys.exit(f"{path}: variants() must give two switches, not {len(found)}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", type=Path)
    parser.add_argument("--size", type=int, default=10_000, help="frequent rules")
    parser.add_argument("--docs", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not bm.CORPUS.is_dir():
        print(json.dumps({"bench": "variants", "skipped": f"no corpus at {bm.CORPUS}"}))
        return 0
    articles = bm.read_articles()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rules.yaml"
        bm.write_frequent_rules(path, args.size, articles)
        rules = load_rules(path, languages=bm.LANGUAGES)
    rules.prepare(["en", "ru"])
    pool = bm.documents(articles, 2 * args.docs)
    for doc in pool[args.docs:]:  # warm-up: the words a running daemon has seen
        rules.rows(analyze(doc, bm.LANGUAGES), doc)
    docs = [(analyze(doc, bm.LANGUAGES), doc) for doc in pool[: args.docs]]
    found = switches(args.variants, rules)
    (a, switch_a), (b, switch_b) = found.items()
    switch_a()
    rows_a = [rules.rows(analysis, doc) for analysis, doc in docs]
    switch_b()
    if rows_a != [rules.rows(analysis, doc) for analysis, doc in docs]:
        sys.exit(f"{a} and {b} give different rows")
    del rows_a
    gc.collect()
    gc.freeze()
    ratios: list[float] = []
    for r in range(args.rounds):
        spent = {a: 0.0, b: 0.0}
        for j, (analysis, doc) in enumerate(docs):
            order = (a, b, b, a) if (j + r) % 2 == 0 else (b, a, a, b)
            for name in order:
                found[name]()
                start = time.process_time()
                rules.rows(analysis, doc)
                spent[name] += time.process_time() - start
        ms = {k: round(v / len(docs) / 2 * 1000, 3) for k, v in spent.items()}
        ratios.append(spent[b] / spent[a])
        print(json.dumps({"bench": "variants", "round": r + 1, "size": args.size,
                          "docs": len(docs), "ms_per_doc": ms, "ratio": round(ratios[-1], 4)}),
              flush=True)
    print(json.dumps({"bench": "variants", "summary": True, "size": args.size,
                      "a": a, "b": b, "median_ratio": round(statistics.median(ratios), 4),
                      "ratios": [round(x, 4) for x in ratios]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
