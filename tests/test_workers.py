"""Worker processes (monitor/workers.py): a worker that dies is replaced and its work done
again; the one item that kills its worker every time is given up alone, the rest kept."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.errors import WorkerCrashed
from monitor.workers import WorkerPool, worker_count
from tests.helpers import wait_for


def doubled(items: list[tuple[int, str]]) -> list[int]:
    """Each number doubled; an item naming a file that exists kills its worker the first
    time (the file is removed), and "always" kills it every time."""
    out = []
    for number, marker in items:
        if marker == "always" or (marker and _take(marker)):
            os.kill(os.getpid(), signal.SIGKILL)
        out.append(number * 2)
    return out


def _take(marker: str) -> bool:
    try:
        os.remove(marker)
    except (FileNotFoundError, ProcessLookupError):  # gone, or reaped while read
        return False
    return True


def chunks(items: list[tuple[int, str]], size: int) -> list[list[tuple[int, str]]]:
    return [items[k:k + size] for k in range(0, len(items), size)]


@pytest.fixture(params=["fork", "forkserver"])
def pool(request: pytest.FixtureRequest) -> Iterator[WorkerPool]:
    pool = WorkerPool(2, name="test", start=request.param)
    yield pool
    pool.close()


def test_results_come_back_in_order(pool: WorkerPool) -> None:
    items = [(n, "") for n in range(100)]
    assert pool.map(doubled, chunks(items, 3)) == [n * 2 for n in range(100)]
    assert pool.restarts == 0


def test_a_worker_killed_at_work_is_replaced_and_its_items_done_again(
    pool: WorkerPool, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    marker = tmp_path / "kill-once"
    marker.touch()
    items = [(n, str(marker) if n == 37 else "") for n in range(60)]
    assert pool.map(doubled, [[(1, "")], [(2, "")]]) == [2, 4]
    before = pool.pids()
    with caplog.at_level(logging.WARNING, logger="monitor.workers"):
        assert pool.map(doubled, chunks(items, 4)) == [n * 2 for n in range(60)]
    assert pool.restarts == 1
    # the other worker of the broken set is stopped too, not left waiting forever
    assert wait_for(lambda: not any(_alive(pid) for pid in before), 30)
    [record] = [r for r in caplog.records if "worker process stopped" in r.getMessage()]
    assert re.search(r"\d+ item\(s\) done again", record.getMessage())


def test_a_worker_killed_while_idle_is_replaced(pool: WorkerPool) -> None:
    assert pool.map(doubled, [[(1, "")], [(2, "")]]) == [2, 4]
    [pid, *_] = pool.pids()
    os.kill(pid, signal.SIGKILL)
    # until the death is noticed (the pool's own thread sees it), every map is complete
    items, doubles = [(n, "") for n in range(20)], [n * 2 for n in range(20)]
    assert wait_for(lambda: pool.map(doubled, chunks(items, 3)) == doubles
                    and pool.restarts == 1, 60)
    assert pid not in pool.pids()


def test_the_item_that_always_kills_its_worker_is_given_up_alone(pool: WorkerPool) -> None:
    items = [(n, "always" if n == 5 else "") for n in range(12)]
    found = pool.map(doubled, chunks(items, 4))
    assert isinstance(found[5], WorkerCrashed)
    assert found[:5] + found[6:] == [n * 2 for n in range(12) if n != 5]


def test_workers_that_stopped_are_not_reported_stuck(
    caplog: pytest.LogCaptureFixture
) -> None:
    # the executor's thread reaps the workers as they stop: one it reaped first once looked
    # alive to close(), which "killed" it and warned (about 1 close in 2 here)
    with caplog.at_level(logging.WARNING, logger="monitor.workers"):
        for _ in range(30):
            pool = WorkerPool(2, name="test", start="fork")
            assert pool.map(doubled, [[(1, "")], [(2, "")], [(3, "")]]) == [2, 4, 6]
            pool.close()
    assert not [r for r in caplog.records if "did not stop" in r.getMessage()]


def test_a_worker_stuck_at_close_is_killed_after_the_grace(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pool = WorkerPool(1, name="test", start="fork")
    assert pool.map(doubled, [[(1, "")]]) == [2]
    [pid] = pool.pids()
    begun = tmp_path / "begun"
    pool.submit(_stalled, str(begun))
    assert wait_for(begun.exists, 30)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="monitor.workers"):
        pool.close(grace=0.5)
    assert time.monotonic() - started < 10
    # its pipes close as it dies, a moment before the kernel has it a zombie or gone
    assert wait_for(lambda: not _alive(pid), 10)
    [record] = [r for r in caplog.records if "did not stop" in r.getMessage()]
    assert record.getMessage().startswith("1 test worker process(es)")


def _stalled(begun: str) -> None:
    Path(begun).touch()
    time.sleep(600)


def test_auto_is_one_worker_per_core() -> None:
    assert worker_count("auto") == len(os.sched_getaffinity(0))
    assert worker_count(3) == 3


PARENT = """
import os, signal, sys
sys.path.insert(0, {root!r})
from monitor.workers import WorkerPool
from tests.test_workers import doubled
pool = WorkerPool(2, name="test", start="fork")
assert pool.map(doubled, [[(1, "")], [(2, "")]]) == [2, 4]
print(" ".join(map(str, pool.pids())), flush=True)
os.kill(os.getpid(), signal.SIG{how})
"""


@pytest.mark.parametrize("how", ["KILL", "INT"])
def test_workers_end_with_the_process_that_started_them(how: str) -> None:
    # a daemon killed with SIGKILL must not leave workers holding its state lock; Ctrl-C
    # reaches the workers too, and they leave the stopping to their parent
    script = PARENT.format(root=str(Path(__file__).resolve().parents[1]), how=how)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    pids = [int(p) for p in done.stdout.split()]
    assert len(pids) == 2, done.stderr
    assert wait_for(lambda: not any(_alive(pid) for pid in pids), 30)
    assert "worker" not in done.stderr.lower(), done.stderr  # no worker's traceback


ORPHAN = """
import os, sys, time
sys.path.insert(0, {root!r})
from monitor.workers import _started
parent = os.getpid()
if os.fork() == 0:  # a worker still starting when its parent dies
    while os.getppid() == parent:
        time.sleep(0.01)
    _started(None, parent)
    print("carried on without its parent", flush=True)
os._exit(0)
"""


def test_a_worker_whose_parent_died_while_it_started_leaves() -> None:
    # the kernel's kill-with-the-parent applies only from the worker's request on: one
    # orphaned before it would wait for work forever, holding the daemon's pipes open
    script = ORPHAN.format(root=str(Path(__file__).resolve().parents[1]))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert "carried on" not in done.stdout, done.stderr


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except (FileNotFoundError, ProcessLookupError):  # gone, or reaped while read
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are Linux's")
def test_results_come_back_through_a_wide_pipe() -> None:
    # a chunk's results (hundreds of KB) pass in one go, not a default 64 KiB pipeful at a time
    import fcntl

    from monitor.workers import RESULT_PIPE

    if int(Path("/proc/sys/fs/pipe-max-size").read_text()) < RESULT_PIPE:
        pytest.skip("the system allows smaller pipes only")
    pool = WorkerPool(1, name="test", start="fork")
    try:
        reader = pool._pool()._result_queue._reader  # type: ignore[attr-defined]
        assert fcntl.fcntl(reader.fileno(), fcntl.F_GETPIPE_SZ) >= RESULT_PIPE
    finally:
        pool.close()
