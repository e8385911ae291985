"""What one match costs as its words occur more often: rules of very common words on
documents of growing length, in this checkout and (with --base) another one, in turns.

The documents are real news (../shared/corpora/news, English and Russian) joined to about
3 KB, then repeated 1, 4, 16 and 64 times, so every word occurs that many times more. Per
checkout, rule and length, one JSON line: the CPU microseconds per document to match
(`match_us`, after analysis: what grows with the length is the hits), to explain each
match as an alert does (`explain_us`: the score, the snippets and the hits as JSON), and
the hits a match carries. Each checkout runs in a process of its own.

    .venv/bin/python benchmarks/bench_match_cost.py [--base /tmp/base] [--docs 40]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = {
    "or-common": "the OR and OR в OR и",
    "and-common": "the AND and",
    "near-common": "the NEAR/5 and",
}
REPEATS = (1, 4, 16, 64)
CHILD = """
import json, sys, time
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
import bench_matching as bm
from pathlib import Path
bm.CORPUS = Path({corpus!r})  # the corpus beside this checkout, wherever the other one is
from monitor.matching import load_rules
from monitor.matching.explain import snippets
from monitor.models import Document
from monitor.text.analysis import analyze
docs = bm.documents(bm.read_articles(), {docs})
for name, path in {rules!r}.items():
    rules = load_rules(path, languages=bm.LANGUAGES)
    rules.prepare(["en", "ru"])
    for repeat in {repeats!r}:
        long = [Document(id=d.id, source=d.source, title=d.title,
                         body="\\n\\n".join([d.body] * repeat)) for d in docs]
        analysed = [(analyze(d, bm.LANGUAGES), d) for d in long]
        for a, d in analysed[:3]:
            rules.match(a, d)  # words keyed before timing
        t = time.process_time()
        found = [(d, rules.match(a, d)) for a, d in analysed]
        match_s = time.process_time() - t
        t = time.process_time()
        for d, ms in found:
            for m in ms:
                json.dumps([m.score_parts, [s.segments for s in snippets(d, m.hits)],
                            [(h.term, h.field, h.text, h.start, h.end) for h in m.hits]])
        explain_s = time.process_time() - t
        matches = sum(len(ms) for _, ms in found)
        print(json.dumps({{"rule": name, "repeat": repeat,
                          "doc_chars": sum(len(d.body) for d in long) // len(long),
                          "matches": matches,
                          "match_us": round(1e6 * match_s / len(long)),
                          "explain_us_per_match": round(1e6 * explain_s / max(matches, 1)),
                          "hits_per_match": round(sum(len(m.hits) for _, ms in found
                                                      for m in ms) / max(matches, 1), 1)}}))
"""


def run(root: Path, rules: dict[str, str], docs: int) -> list[dict[str, object]]:
    code = CHILD.format(root=str(root), bench=str(root / "benchmarks"), rules=rules,
                        corpus=str(ROOT.parent / "shared" / "corpora" / "news"),
                        docs=docs, repeats=REPEATS)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=root)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, help="another checkout to compare with")
    parser.add_argument("--docs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rules = {}
        for name, query in RULES.items():
            path = Path(tmp) / f"{name}.yaml"
            path.write_text(f"rules:\n  - id: {name}\n    query: '{query}'\n", encoding="utf-8")
            rules[name] = str(path)
        checkouts = [("new", ROOT)] + ([("base", args.base.resolve())] if args.base else [])
        for name, root in checkouts:
            for line in run(root, rules, args.docs):
                print(json.dumps({"bench": "match_cost", "checkout": name, **line}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
