"""How long the quick commands take to start and how much memory they use, before and after.

    .venv/bin/python benchmarks/bench_startup.py [--baseline REF] [--runs 5]

Runs `monitor --help`, `status`, `matches`, `feeds` and `alerts` on a copy of the shipped
config with a state file, each in a fresh process, alternating between the baseline (the
code at git REF, exported to a temporary folder; default: the code before the command line
imported lazily) and this tree, so both meet the same load on a shared machine. Prints one
JSON line per command and version: the median wall time of the runs and the peak RSS, then
one line per command comparing the two.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",), ("status",), ("matches",), ("feeds",), ("alerts",),
)


def baseline_ref() -> str:
    """The commit before the one that made the command line import lazily."""
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "tests/cli/test_startup.py"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()
    return f"{added[-1]}^" if added else "HEAD"


def export(ref: str, into: Path) -> str:
    """The tree at `ref` under `into`; its short commit id."""
    commit = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.strip()
    archive = subprocess.run(["git", "archive", commit, "monitor"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return commit


def project(into: Path, tree: Path) -> Path:
    """A copy of the shipped config, rules and seeds with a state file made by the code in
    `tree` (each version reads a state of its own schema); its config path."""
    for name in ("rules", "seeds"):
        shutil.copytree(ROOT / name, into / name)
    shutil.copy(ROOT / "config.yaml", into / "config.yaml")
    make_state = ("from pathlib import Path; from monitor.store import SQLiteStore\n"
                  "with SQLiteStore(Path('out/state.db')): pass")
    subprocess.run([sys.executable, "-c", make_state], cwd=into, check=True,
                   env={**os.environ, "PYTHONPATH": str(tree)})
    return into / "config.yaml"


def run_once(tree: Path, config: Path, args: tuple[str, ...]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of `python -m monitor ARGS` with the code in `tree`."""
    argv = [sys.executable, "-m", "monitor", *args]
    if args[0] != "--help":
        argv += ["--config", str(config)]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=config.parent, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {tree}: {err}")
    return wall, usage.ru_maxrss / 1024  # KB on Linux


def check_tree(tree: Path) -> None:
    """The interpreter imports monitor from `tree`, not from the installed checkout."""
    found = subprocess.run(
        [sys.executable, "-c", "import monitor; print(monitor.__file__)"],
        env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tree, capture_output=True, text=True,
        check=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"monitor was imported from {found}, not from {tree}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", metavar="REF", help="git ref to compare against")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        base = Path(tmp) / "baseline"
        commit = export(args.baseline or baseline_ref(), base)
        trees = {"before": base, "after": ROOT}
        configs = {name: project(Path(tmp) / name / "project", tree)
                   for name, tree in trees.items()}
        for tree in trees.values():
            check_tree(tree)
        for command in COMMANDS:
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
            for _ in range(args.runs):
                for name, tree in trees.items():  # alternate: both see the same load
                    runs[name].append(run_once(tree, configs[name], command))
            medians = {}
            for name, samples in runs.items():
                medians[name] = statistics.median(wall for wall, _ in samples)
                print(json.dumps({
                    "bench": "startup", "command": " ".join(command), "code": name,
                    "ref": commit if name == "before" else "working tree",
                    "median_s": round(medians[name], 3),
                    "peak_rss_mb": round(max(rss for _, rss in samples), 1),
                    "runs": args.runs,
                }), flush=True)
            print(json.dumps({
                "bench": "startup", "command": " ".join(command), "summary": True,
                "before_s": round(medians["before"], 3), "after_s": round(medians["after"], 3),
                "speedup": round(medians["before"] / medians["after"], 2),
            }), flush=True)


if __name__ == "__main__":
    main()
