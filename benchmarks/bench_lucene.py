"""monitor against Lucene on this machine, in one run: the same rules, the same documents.

The rules are bench_matching's frequent workload (benchmarks/frequent.py: OR of three
frequent words, AND, AND NOT, NEAR/5, two-word phrases, prefixes; ~4 matches per document
per 100 rules), each written in the rules' syntax for monitor and in a prefix notation that
benchmarks/lucene/Bench.java turns into Lucene queries (TermQuery, PhraseQuery, PrefixQuery,
BooleanQuery, SpanNearQuery with slop 5 in any order). The documents are bench_matching's
(~3 KB of real English and Russian news from ../shared/corpora/news).

The Lucene side is what Lucene Monitor does, rebuilt on Lucene's own parts, because Debian
packages Lucene 8.7 (liblucene8-java: core, analyzers-common, memory) but not the
lucene-monitor jar: per document a MemoryIndex (Porter stemming for English, Snowball for
Russian, no stop words), the queries pre-filtered by their terms (an inverted index from
query terms to queries, a conjunction filed under its child with the longest terms, as
Monitor's TermFilteredPresearcher does; prefixes looked up by the document words' own
prefixes), then each candidate query run against the MemoryIndex. It is told each
document's language; monitor detects it.

Per size and engine one JSON line: docs_per_s on the clock and docs_per_cpu_s (per second
of the process's CPU time, all its threads: the JVM's compiler and collector run beside the
matching thread), candidates and matches per document, peak RSS. Loading, compiling and a
warm-up over as many other documents are left out. Each engine and size runs in a process
of its own, the two engines one after the other. Without java, javac or the jars, the Lucene
side is skipped with a message.

monitor's line has two measurements. `docs_per_s`/`docs_per_cpu_s`: one process matching
(`RuleSet.match`: matches with their hits, every score and its parts read). `workers_*`: the same
documents as `monitor test` matches them with `workers: auto` (`MatchWorkers`, one worker
process per core forked after the warm-up, every match's hits, counts and score sent back
and read), on the clock and per CPU-second of the main process and the workers together;
`workers_rss_mb`/`workers_pss_mb`: the memory of all of them after that pass (PSS counts a
page shared by k processes 1/k in each: the workers share the rule set with the main process
until they touch it). The summary's `monitor_vs_lucene_clock` is the workers' figure.

    .venv/bin/python benchmarks/bench_lucene.py [--sizes 1000,10000,100000] [--docs 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import bench_matching as bm  # noqa: E402
from benchmarks.frequent import frequent_rules  # noqa: E402
from benchmarks.workers import cpu_s, memory_mb  # noqa: E402
from monitor.matching import RuleSet  # noqa: E402
from monitor.models import Document  # noqa: E402

JARS = Path("/usr/share/java")
NEEDED = ("lucene-core", "lucene-analyzers-common", "lucene-memory", "lucene-queries")
SOURCE = ROOT / "benchmarks" / "lucene" / "Bench.java"


def classpath() -> str | None:
    """The Lucene jars' class path, or None when java, javac or a jar is missing."""
    if not (shutil.which("java") and shutil.which("javac")):
        return None
    jars = [sorted(JARS.glob(f"{name}-[0-9]*.jar")) for name in NEEDED]
    if not all(jars):
        return None
    return ":".join(str(found[-1]) for found in jars)


def write_inputs(tmp: Path, size: int, n_docs: int) -> None:
    """rules.yaml (monitor), rules.tsv (Lucene), docs.tsv (the warm-up, then the timed)."""
    articles = bm.read_articles()
    rules = frequent_rules(articles, size)
    bm.write_frequent_rules(tmp / "rules.yaml", size, articles)
    lines = [f"{r['id']}\t{r['language']}\t{r['lucene']}" for r in rules]
    (tmp / "rules.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pool = bm.documents(articles, 2 * n_docs)
    docs, warm = pool[:n_docs], pool[n_docs:]
    flat = [f"{d.id.split(':')[0]}\t{one_line(d.title)}\t{one_line(d.body)}" for d in warm + docs]
    (tmp / "docs.tsv").write_text("\n".join(flat) + "\n", encoding="utf-8")
    (tmp / "warm").write_text(str(len(warm)), encoding="utf-8")


def one_line(text: str) -> str:
    return " ".join(text.replace("\t", " ").splitlines())


def run_monitor(tmp: Path, n_docs: int) -> dict[str, Any]:
    """monitor on the same inputs (in this process: its own, started for this)."""
    from monitor.matching import load_rules

    rules = load_rules(tmp / "rules.yaml", languages=bm.LANGUAGES)
    rules.prepare(["en", "ru"])
    docs = [Document(id=f"{lang}:{k}", source="news", title=title, body=body)
            for k, (lang, title, body) in enumerate(
                line.split("\t", 2) for line in
                (tmp / "docs.tsv").read_text(encoding="utf-8").splitlines())]
    warm = int((tmp / "warm").read_text())
    count_matches(rules, docs[:warm])
    timed = docs[warm:]
    cpu, wall = time.process_time(), time.perf_counter()
    matches = count_matches(rules, timed)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    from monitor.text.analysis import analyze

    candidates = sum(len(rules.candidates(analyze(d, bm.LANGUAGES))) for d in timed)
    return {
        "engine": "monitor", "rules": len(rules), "docs": len(timed),
        "docs_per_s": round(len(timed) / wall, 1), "docs_per_cpu_s": round(len(timed) / cpu, 1),
        "candidates_per_doc": round(candidates / len(timed), 1),
        "matches_per_doc": round(matches / len(timed), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    } | with_workers(rules, docs[:warm], timed)


def count_matches(rules: RuleSet, docs: list[Document]) -> int:
    """Each document analysed and matched as `bm.match_documents` does, its matches counted
    and let go: a daemon keeps none, and 200 documents' matches at 100,000 frequent rules
    (880,000) weigh ~450 MB, which stay in this process (or, let go at once, leave its heap
    full of holes: the warm-up pass kept them too) and are inherited by the workers forked
    from it."""
    from monitor.text.analysis import analyze

    return sum(1 for doc in docs for m in rules.match(analyze(doc, bm.LANGUAGES), doc)
               if m.score >= 0 and m.score_parts is not None)  # read as `monitor test` prints them


def with_workers(rules: RuleSet, warm: list[Document], docs: list[Document]) -> dict[str, Any]:
    """The documents through `workers: auto` as `monitor test` sends them, every score
    and its parts read."""
    from monitor.match_workers import WINDOW, MatchWorkers
    from monitor.workers import worker_count

    pool = MatchWorkers(worker_count("auto"), bm.LANGUAGES)
    try:
        pool.matches(rules, warm[:WINDOW])  # forked before timing, as a running daemon's are
        pids = pool.pids()
        cpu, wall = time.process_time() + cpu_s(pids), time.perf_counter()
        for _, _, found in pool.stream(pool.matches, rules, ((None, d) for d in docs)):
            assert not isinstance(found, Exception), found  # as `monitor test` has them
            for m in found[1]:
                m.score, m.score_parts  # noqa: B018  (monitor test prints them)
        cpu, wall = time.process_time() + cpu_s(pids) - cpu, time.perf_counter() - wall
        memory = memory_mb([os.getpid(), *pids])
    finally:
        pool.close()
    return {"workers": len(pids), "workers_docs_per_s": round(len(docs) / wall, 1),
            "workers_docs_per_cpu_s": round(len(docs) / cpu, 1),
            "workers_cores_used": round(cpu / wall, 2),
            "workers_rss_mb": round(memory["Rss"]), "workers_pss_mb": round(memory["Pss"])}


def run_lucene(tmp: Path, cp: str, classes: Path) -> dict[str, Any]:
    done = subprocess.run(
        ["java", "-cp", f"{cp}:{classes}", "Bench", str(tmp / "rules.tsv"), str(tmp / "docs.tsv"),
         (tmp / "warm").read_text()],
        capture_output=True, text=True, check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--monitor", type=Path, help=argparse.SUPPRESS)  # child: monitor only
    args = parser.parse_args()
    if args.monitor:
        print(json.dumps(run_monitor(args.monitor, args.docs)), flush=True)
        return 0
    cp = classpath()
    if cp is None:
        print(f"Lucene side skipped: needs java, javac and {', '.join(NEEDED)} jars in {JARS} "
              "(Debian: apt-get install default-jdk liblucene8-java)", file=sys.stderr)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        classes = tmp / "classes"
        if cp is not None:
            subprocess.run(["javac", "-cp", cp, "-d", str(classes), str(SOURCE)], check=True)
        for size in (int(s) for s in args.sizes.split(",")):
            write_inputs(tmp, size, args.docs)
            done = subprocess.run(
                [sys.executable, __file__, "--monitor", str(tmp), "--docs", str(args.docs)],
                capture_output=True, text=True, check=True,
            )
            ours = json.loads(done.stdout.strip().splitlines()[-1])
            print(json.dumps({"bench": "lucene", "workload": "frequent", **ours}), flush=True)
            if cp is None:
                continue
            theirs = run_lucene(tmp, cp, classes)
            print(json.dumps({"bench": "lucene", "workload": "frequent", **theirs}), flush=True)
            print(json.dumps({
                "bench": "lucene", "rules": size, "summary": True,
                "monitor_vs_lucene_clock": round(
                    ours["workers_docs_per_s"] / theirs["docs_per_s"], 2),
                "monitor_vs_lucene_cpu": round(
                    ours["docs_per_cpu_s"] / theirs["docs_per_cpu_s"], 2),
                "monitor_workers_vs_lucene_cpu": round(
                    ours["workers_docs_per_cpu_s"] / theirs["docs_per_cpu_s"], 2),
                "one_process_vs_lucene_clock": round(
                    ours["docs_per_s"] / theirs["docs_per_s"], 2),
            }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
