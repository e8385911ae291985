"""How long the commands take and how much memory they use, before and after.

    .venv/bin/python benchmarks/bench_startup.py [--baseline REF] [--runs 5] [--only NAME...]
        [--no-bytecode]

Runs `monitor --help`, `status`, `matches`, `feeds`, `alerts`, `check` and `test seeds/`
(one document) on a copy of the shipped config with a state file, each in a fresh process,
alternating between the baseline (the code at git REF, exported to a temporary folder;
default: the code before the command line imported lazily) and this tree, so both meet
the same load on a shared machine. Each version runs on the config, rules and seeds it
ships (its examples may state their language, or not). `check` and `test` run with a
cold cache (the cache folder deleted before each run) and a warm one (filled by an
untimed run of the same command first). "first alert" starts `monitor run` on a fresh
state and times the first mail to appear in the Maildir, with a cold and a warm cache.
Both trees are byte-compiled first and the commands run with bytecode, as an installed
program does (pip compiles it); `--no-bytecode` sets PYTHONDONTWRITEBYTECODE instead, so
every run compiles the program's modules from source again (0.3-0.6 s CPU a command; what
figures measured in an environment with that variable set included).
Prints one JSON line per command and version: the median wall time and CPU time (user +
system) of the runs and the peak RSS, then one line per command comparing the two.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (name, arguments, cache: "cold" deleted before each run, "warm" filled first, "" none)
COMMANDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("--help", ("--help",), ""), ("status", ("status",), ""), ("matches", ("matches",), ""),
    ("feeds", ("feeds",), ""), ("alerts", ("alerts",), ""),
    ("check cold", ("check",), "cold"), ("check warm", ("check",), "warm"),
    ("test cold", ("test", "seeds/"), "cold"), ("test warm", ("test", "seeds/"), "warm"),
    ("first alert cold", ("run",), "cold"), ("first alert warm", ("run",), "warm"),
)
SHIPPED = ("config.yaml", "rules", "seeds")  # what a version ships besides its code
FIRST_ALERT_LIMIT = 120.0  # seconds to wait for the daemon's first mail


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
    archive = subprocess.run(["git", "archive", commit, *SHIPPED, "monitor"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return commit


def project(into: Path, tree: Path) -> Path:
    """A copy of the config, rules and seeds shipped with the code in `tree` (each version
    is measured on its own shipped config, as a user meets it), with a state file made by
    that code (each version reads a state of its own schema); its config path."""
    for name in ("rules", "seeds"):
        shutil.copytree(tree / name, into / name)
    shutil.copy(tree / "config.yaml", into / "config.yaml")
    make_state = ("from pathlib import Path; from monitor.store import SQLiteStore\n"
                  "with SQLiteStore(Path('out/state.db')): pass")
    subprocess.run([sys.executable, "-c", make_state], cwd=into, check=True,
                   env={**os.environ, "PYTHONPATH": str(tree)})
    return into / "config.yaml"


Sample = tuple[float, float, float]  # wall seconds, CPU seconds, peak RSS (MB)


ENV = dict(os.environ)  # the commands' environment (see main)


def byte_compile(tree: Path) -> None:
    """Bytecode for every module of the program in `tree`, as pip writes it at install."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "monitor")],
                   check=True, env=ENV)


def run_once(tree: Path, config: Path, args: tuple[str, ...]) -> Sample:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of `python -m monitor
    ARGS` with the code in `tree`; for `run`, the seconds until the first mail is in the
    Maildir (then it is stopped: its CPU seconds are those until it stopped)."""
    argv = [sys.executable, "-m", "monitor", *args]
    if args[0] != "--help":
        argv += ["--config", str(config)]
    env = {**ENV, "PYTHONPATH": str(tree)}
    mail = config.parent / "out" / "mail" / "new"
    if args[0] == "run":  # a fresh state: the seed is new again
        for name in ("state.db", "state.db-wal", "state.db-shm", "mail", "feeds"):
            path = config.parent / "out" / name
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=config.parent, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = 0.0
    if args[0] == "run":
        wall = first_mail(proc, mail, start)
        proc.send_signal(signal.SIGTERM)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = wall or time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {tree}: {err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # KB on Linux


def first_mail(proc: subprocess.Popen[bytes], mail: Path, start: float) -> float:
    """Seconds from `start` until a file is in the Maildir folder `mail`."""
    while time.perf_counter() - start < FIRST_ALERT_LIMIT:
        with contextlib.suppress(FileNotFoundError):
            if any(mail.iterdir()):
                return time.perf_counter() - start
        if proc.poll() is not None:
            raise SystemExit(f"monitor run ended before its first alert (exit {proc.returncode})")
        time.sleep(0.01)
    proc.kill()
    raise SystemExit(f"no alert within {FIRST_ALERT_LIMIT} s of monitor run")


def measure(tree: Path, config: Path, args: tuple[str, ...], cache: str) -> Sample:
    """One run, with the cache folder deleted first ("cold"), or kept ("warm")."""
    if cache == "cold":
        shutil.rmtree(config.parent / "out" / "cache", ignore_errors=True)
    return run_once(tree, config, args)


def tries_built(config: Path, limit: float = 120.0) -> None:
    """Wait until the trie of the Russian dictionary (the shipped seed's language), built
    in the background after a cold run, is in the cache folder: a warm run that came
    before it decoded the dictionary instead (about 130 MB and 1-2 s of CPU more)."""
    folder = config.parent / "out" / "cache" / "dictionaries"
    start = time.perf_counter()
    while time.perf_counter() - start < limit and not any(folder.rglob("ru.dic")):
        time.sleep(0.2)


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
    parser.add_argument("--only", nargs="*", metavar="NAME",
                        help="only these commands (e.g. 'check warm' status)")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="compile the modules from source in every run")
    args = parser.parse_args()
    if args.no_bytecode:
        ENV["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        base = Path(tmp) / "baseline"
        commit = export(args.baseline or baseline_ref(), base)
        trees = {"before": base, "after": ROOT}
        configs = {name: project(Path(tmp) / name / "project", tree)
                   for name, tree in trees.items()}
        for tree in trees.values():
            check_tree(tree)
            if not args.no_bytecode:
                byte_compile(tree)
        for name, command, cache in COMMANDS:
            if args.only and name not in args.only:
                continue
            if cache == "warm":  # untimed: a first run fills the cache
                for code, tree in trees.items():
                    measure(tree, configs[code], command, "cold")
                    tries_built(configs[code])
            runs: dict[str, list[Sample]] = {code: [] for code in trees}
            for _ in range(args.runs):
                for code, tree in trees.items():  # alternate: both see the same load
                    runs[code].append(measure(tree, configs[code], command, cache))
            report(name, runs, commit, args.runs)


def report(name: str, runs: dict[str, list[Sample]], commit: str, count: int) -> None:
    """The medians of wall and CPU time per version, then the two compared. CPU seconds
    say more than wall time on a loaded machine (waiting for a core is not counted)."""
    medians = {}
    for code, samples in runs.items():
        medians[code] = statistics.median(wall for wall, _, _ in samples)
        print(json.dumps({
            "bench": "startup", "command": name, "code": code,
            "ref": commit if code == "before" else "working tree",
            "median_s": round(medians[code], 3),
            "median_cpu_s": round(statistics.median(cpu for _, cpu, _ in samples), 3),
            "peak_rss_mb": round(max(rss for _, _, rss in samples), 1),
            "runs": count,
        }), flush=True)
    print(json.dumps({
        "bench": "startup", "command": name, "summary": True,
        "before_s": round(medians["before"], 3), "after_s": round(medians["after"], 3),
        "speedup": round(medians["before"] / medians["after"], 2),
    }), flush=True)


if __name__ == "__main__":
    main()
