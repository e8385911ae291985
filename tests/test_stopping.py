"""The stop is bounded: the deadline ends a process stuck after SIGTERM and says what it
waited for; the shared queue's task ends when the daemon stops, also when a poll wakes it at
the moment it is cancelled."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import cast

from monitor.cluster import LocalCoordinator
from monitor.config import NodesConfig
from monitor.service.ingest import Ingest
from monitor.service.nodes import Node
from monitor.service.queue import SharedQueue
from monitor.stopping import LATE_EXIT
from monitor.store import SQLiteStore
from tests.helpers import start_cli

STUCK = """
import logging, threading
from monitor.stopping import StopDeadline
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
StopDeadline(0.5).arm()
def stuck_forever():
    threading.Event().wait()
stuck_forever()
"""


def test_a_process_stuck_after_a_stop_exits_at_the_deadline_naming_its_wait() -> None:
    done = subprocess.run([sys.executable, "-c", STUCK], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == LATE_EXIT, done.stderr
    assert "stopping: still busy 0.5 s after the stop was asked for" in done.stderr
    assert "thread MainThread at" in done.stderr and "threading.py" in done.stderr
    assert "Nothing is lost" in done.stderr


def queue(tmp_path: Path, stopping: list[bool]) -> SharedQueue:
    node = Node(LocalCoordinator("solo"), NodesConfig())
    store = SQLiteStore(tmp_path / "state.db")
    return SharedQueue(node, store, cast(Ingest, None), batch=32,
                       stopping=lambda: stopping[0], matched=lambda count: None)


async def test_the_queue_task_ends_when_cancelled_as_a_poll_wakes_it(tmp_path: Path) -> None:
    q = queue(tmp_path, [False])
    task = asyncio.create_task(q.run())
    await asyncio.sleep(0.05)
    q.wake.set()  # a poll queued documents...
    await asyncio.sleep(0)  # ...and the idle wait has seen it, but not returned yet
    task.cancel()
    # (asyncio.wait_for on Python 3.11 swallowed this cancellation: the task ran forever)
    ended, _ = await asyncio.wait({task}, timeout=30)
    assert ended and task.cancelled()


async def test_the_queue_task_ends_by_itself_once_the_daemon_stops(tmp_path: Path) -> None:
    stopping = [False]
    q = queue(tmp_path, stopping)
    task = asyncio.create_task(q.run())
    await asyncio.sleep(0.05)
    stopping[0] = True
    ended, _ = await asyncio.wait({task}, timeout=30)
    assert ended and not task.cancelled()


def test_a_stop_during_start_up_exits_cleanly(tmp_path: Path) -> None:
    # SIGTERM while the config is read, modules are imported and the state is opened: the
    # process exits with 0 and no traceback at every moment it is caught (sampled); before
    # the interpreter has reached monitor's code, the signal ends it as it ends any process
    # (what init systems count as a clean stop)
    root = Path(__file__).resolve().parents[1]
    for name in ("rules", "seeds"):
        shutil.copytree(root / name, tmp_path / name)
    shutil.copy(root / "config.yaml", tmp_path / "config.yaml")
    for delay in (0.2, 0.5, 1.0, 2.0):
        proc = start_cli("run", tmp_path / "config.yaml")
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
        log = (tmp_path / "daemon.log").read_text(encoding="utf-8", errors="replace")
        assert proc.returncode in (0, -signal.SIGTERM), f"stopped after {delay} s:\n{log}"
        assert "Traceback" not in log, f"stopped after {delay} s:\n{log}"
