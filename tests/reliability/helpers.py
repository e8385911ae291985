"""Shared by the reliability tests: a small project on disk, the daemon as a subprocess,
and waiting for something to happen."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from monitor.config import load_config
from monitor.service import Daemon, Timings
from tests.servers import QuietHTTPServer

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
    out = (log or cfg.parent / "daemon.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--config", str(cfg), *args],
        cwd=cfg.parent,
        stdout=out,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


def run(cfg: Path, *args: str, command: str = "run",
        env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a monitor command to completion and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "monitor", command, "--config", str(cfg), *args],
        cwd=cfg.parent, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def wait_for(predicate: Callable[[], object], timeout: float, step: float = 0.1) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


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


async def until(predicate: Callable[[], object], timeout: float, step: float = 0.1) -> bool:
    """Like wait_for, without blocking the event loop the daemon runs in."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(step)
    return bool(predicate())


@dataclass
class Receiver:
    """Webhook POSTs received on a fixed port, so the server can go away and come back."""

    port: int
    status: int = 200
    posts: list[dict[str, Any]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.status < 300:
                    receiver.posts.append(json.loads(body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = QuietHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def titles(self) -> list[str]:
        return [p["document"]["title"] for p in self.posts]
