"""Matching in worker processes, for bench_matching.py --workers.

The same documents are matched as `monitor test` does (`MatchWorkers.matches`, 64 documents
at a time) with one worker (in the process, as `workers: 1`) and with N, two passes each,
alternating, in the same process: machine load weighs on both alike. The workers are forked
(and given a first window) before timing, as a running daemon's are. Memory: the resident
and proportional (PSS: a page shared by k processes counts 1/k in each) sizes of the main
process and of every worker, summed, read from /proc after the passes. CPU: the CPU time
of the main process and of the workers per document, which machine load does not change
(on a machine whose cores are all busy with other work, workers cannot make the clock
faster; this says whether they cost more work). Both modes deliver what `monitor test` prints:
every match's hits, counts and score (one process works a score out when it is first read,
so each pass reads them all).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

from monitor.match_workers import WINDOW, MatchWorkers
from monitor.matching import RuleSet
from monitor.models import Document
from monitor.workers import Workers, worker_count

PASSES = 2


def memory_mb(pids: Sequence[int]) -> dict[str, float]:
    """Rss and Pss of these processes, in MB, summed (Linux /proc/PID/smaps_rollup)."""
    total = {"Rss": 0.0, "Pss": 0.0}
    for pid in pids:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                key, _, rest = line.partition(":")
                if key in total:
                    total[key] += int(rest.split()[0]) / 1024
    return total


def cpu_s(pids: Sequence[int]) -> float:
    """User and system CPU seconds of these processes so far (/proc/PID/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _pass(pool: MatchWorkers, rules: RuleSet, docs: list[Document]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (this process and the workers) of one pass."""
    pids = pool.pids()
    start, cpu = time.perf_counter(), time.process_time() + cpu_s(pids)
    for _, _, found in pool.stream(pool.matches, rules, ((None, doc) for doc in docs)):
        assert not isinstance(found, Exception), found  # as `monitor test` matches them
        for m in found[1]:
            m.score  # noqa: B018  (monitor test prints every score; the workers send them)
    return time.perf_counter() - start, time.process_time() + cpu_s(pids) - cpu


def workers_line(rules: RuleSet, docs: list[Document], languages: Sequence[str],
                 setting: Workers) -> dict[str, Any]:
    """docs/s with 1 worker and with `setting` (e.g. "auto"), and the memory with them."""
    n = worker_count(setting)
    one, many = MatchWorkers(1, languages), MatchWorkers(n, languages)
    try:
        main_alone = memory_mb([os.getpid()])
        many.matches(rules, docs[:WINDOW])  # forked and started before timing
        seconds = {"one": 0.0, "many": 0.0}
        cpu = {"one": 0.0, "many": 0.0}
        for _ in range(PASSES):
            for name, pool in (("one", one), ("many", many)):
                wall, used = _pass(pool, rules, docs)
                seconds[name] += wall
                cpu[name] += used
        pids = many.pids()
        main, workers = memory_mb([os.getpid()]), memory_mb(pids)
        agree = one.matches(rules, docs[:WINDOW]) == many.matches(rules, docs[:WINDOW])
    finally:
        many.close()
    rate = {k: PASSES * len(docs) / v for k, v in seconds.items()}
    return {
        "workers": n, "cores": os.cpu_count(),
        "docs_per_s_1_worker": round(rate["one"], 1),
        "docs_per_s_workers": round(rate["many"], 1),
        "workers_speedup": round(rate["many"] / rate["one"], 2),
        "cpu_ms_per_doc_1_worker": round(1000 * cpu["one"] / (PASSES * len(docs)), 2),
        "cpu_ms_per_doc_workers": round(1000 * cpu["many"] / (PASSES * len(docs)), 2),
        "cores_used_1_worker": round(cpu["one"] / seconds["one"], 2),
        "cores_used_workers": round(cpu["many"] / seconds["many"], 2),
        "workers_agree": agree,
        "main_rss_mb_before_workers": round(main_alone["Rss"]),
        "rss_mb_all_processes": round(main["Rss"] + workers["Rss"]),
        "pss_mb_all_processes": round(main["Pss"] + workers["Pss"]),
        "pss_mb_per_worker": round(workers["Pss"] / max(len(pids), 1)),
    }
