"""Shared by the reliability tests: a small project on disk, the daemon as a subprocess,
and waiting for something to happen."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

from monitor.config import load_config
from monitor.service import Daemon, Timings
from tests.helpers import HttpTestServer, run_cli, start_cli, until, wait_for

__all__ = ["Receiver", "add_docs", "log_text", "run", "running", "start", "terminate",
           "until", "wait_for", "write_project"]

RULES = """
rules:
  - id: watch
    title: Watch
    query: reliabilitytest
"""


def write_project(
    tmp: Path,
    *,
    notifiers: str,
    sources: str | None = None,
    extra: str = "",
    rules: str = RULES,
) -> Path:
    """A config.yaml with one rule (`reliabilitytest`), an `inbox/` folder source (unless
    `sources` is given), the given notifiers (YAML list items) and fast delivery retries."""
    (tmp / "rules").mkdir(exist_ok=True)
    (tmp / "rules" / "watch.yaml").write_text(rules)
    (tmp / "inbox").mkdir(exist_ok=True)
    if sources is None:
        sources = "  - {id: inbox, type: folder, path: inbox/, interval: 0.5s, settle: 0.2s}\n"
    text = (
        "languages: [en]\nstate: state.db\nrules: rules/\n"
        f"sources:\n{sources}"
        f"notifiers:\n{notifiers}"
        "delivery: {interval: 0.2s, backoff: 0.3s, backoff_max: 1s, max_attempts: 1000}\n"
        f"{extra}"
    )
    path = tmp / "config.yaml"
    path.write_text(text)
    return path


def add_docs(folder: Path, count: int, *, start: int = 0, prefix: str = "Story") -> list[str]:
    """Write `count` matching article files; return their titles."""
    titles = []
    for i in range(start, start + count):
        title = f"{prefix} {i} reliabilitytest"
        (folder / f"doc-{i:05d}.txt").write_text(
            f"{title}\n\nThe reliabilitytest body of story number {i}.\n"
        )
        titles.append(title)
    return titles


def start(cfg: Path, *args: str, log: Path | None = None,
          env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`monitor run --config cfg [args]` in the config's folder; output to `log`."""
    return start_cli("run", cfg, *args, log=log, env=env)


def run(cfg: Path, *args: str, command: str = "run",
        env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a monitor command to completion and capture its output."""
    return run_cli(command, cfg, *args, env=env, timeout=timeout)


def log_text(cfg: Path) -> str:
    path = cfg.parent / "daemon.log"
    return path.read_text(errors="replace") if path.exists() else ""


def terminate(proc: subprocess.Popen[bytes], timeout: float = 15) -> int:
    """SIGTERM and wait; SIGKILL if it does not stop in time (and return -9)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return -9


# ------------------------------------------------------------ the daemon in this process


@contextlib.asynccontextmanager
async def running(
    cfg: Path, timings: Timings | None = None
) -> AsyncIterator[tuple[Daemon, asyncio.Task[None]]]:
    """The daemon of `cfg` running in this event loop; stopped (like SIGTERM) on exit."""
    stop = asyncio.Event()
    async with Daemon(load_config(cfg), timings=timings) as daemon:
        task = asyncio.create_task(daemon.run(stop))
        try:
            yield daemon, task
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)


def Receiver(port: int, status: int = 200) -> HttpTestServer:
    """Webhook POSTs received on a fixed port (`url`), so the server can go away and come
    back (`down()`, `up()`); `status` is what it answers, and only what it accepts (< 300)
    is kept (`titles()`)."""
    server = HttpTestServer(port)
    server.status = status
    return server
