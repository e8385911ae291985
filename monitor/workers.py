"""Worker processes for CPU-bound work: the one mechanism for page extraction and matching.

A `WorkerPool` is a `ProcessPoolExecutor` that outlives its workers: when one dies (killed,
out of memory, a crash in a C library) the executor is broken, so the pool logs it, starts
new processes and, for `map`, does the lost work again. A piece of work that kills its worker
every time is found by redoing the lost pieces one at a time, then their items one by one;
the item that still kills its worker gets a `WorkerCrashed` error instead of a result, and
the rest is kept.

Two ways to start the processes:
- "forkserver": forked from a small server process that imported `preload` once (page
  extraction: nothing of the parent is needed, and nothing of it is copied);
- "fork": forked from this process when the first piece of work is submitted, so what it
  built (a compiled rule set, handed over as `initargs` without pickling) is shared with
  the workers page by page, copy-on-write, instead of being built again in each.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any, Literal, TypeVar, cast

from monitor.errors import WorkerCrashed

log = logging.getLogger(__name__)

CLOSE_GRACE = 10.0  # seconds work under way gets when the workers are stopped
RESULT_PIPE = 1 << 20  # bytes the pipe results come back on holds (Linux's default most)
T = TypeVar("T")
R = TypeVar("R")
Start = Literal["fork", "forkserver"]
Workers = int | Literal["auto"]


def cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def worker_count(setting: Workers) -> int:
    """How many worker processes `workers:` asks for ("auto": one per core)."""
    return cores() if setting == "auto" else max(1, setting)


class WorkerPool:
    """Up to `workers` processes, started on first use and again after one dies."""

    def __init__(
        self, workers: int, *, name: str, start: Start = "forkserver",
        preload: Sequence[str] = (), initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        self.workers = workers
        self.name = name
        self.restarts = 0  # how often dead workers were replaced
        self._start = start
        self._preload = list(preload)
        self._initializer = initializer
        self._initargs = initargs
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context(self._start)
            if self._start == "forkserver" and self._preload:
                context.set_forkserver_preload(self._preload)
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=_started,
                # a forked worker's parent is this process (a forkserver's: the server)
                initargs=(self._initializer, os.getpid() if self._start == "fork" else None,
                          *self._initargs))
            _widened(self._executor)
        return self._executor

    def submit(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        """Run `fn(*args)` in a worker (a new set of workers when the last one broke)."""
        try:
            return self._pool().submit(fn, *args)
        except BrokenProcessPool:  # a worker died while idle
            self.restart()
            return self._pool().submit(fn, *args)

    def restart(self, lost: str = "") -> None:
        """Replace the workers after one died (logged); `lost` says what is done again.
        Nothing when they were replaced already (another caller saw the same death)."""
        broken = self._executor
        if broken is None or not getattr(broken, "_broken", False):
            return
        self._executor = None
        codes = [p.exitcode for p in broken._processes.values()] if broken._processes else []
        broken.shutdown(wait=False, cancel_futures=True)
        self.restarts += 1
        died = ", ".join(str(c) for c in codes if c)  # -9: killed (not always known yet)
        log.warning("a %s worker process stopped%s; workers restarted%s", self.name,
                    f" (exit code {died})" if died else "", f", {lost}" if lost else "")

    def pids(self) -> list[int]:
        """The process ids of the running workers (none before the first piece of work)."""
        executor = self._executor
        return list(executor._processes) if executor and executor._processes else []

    def close(self, grace: float = CLOSE_GRACE) -> None:
        """Stop the workers: work not begun is dropped, work under way gets `grace` seconds,
        then its worker is killed. A worker can be stuck for good: one killed while it held
        the lock of the queue results go back on leaves the others waiting for that lock
        forever, and waiting for them would hold up the stop (and the daemon) with them."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        processes = list((executor._processes or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        stuck = _running(processes, grace)
        for process in stuck:
            process.kill()
        _running(stuck, 5)
        if stuck:
            log.warning("%d %s worker process(es) did not stop within %.0f s; killed",
                        len(stuck), self.name, grace)
        executor.shutdown(wait=True)

    def map(self, fn: Callable[[list[T]], list[R]], chunks: Sequence[list[T]]
            ) -> list[R | WorkerCrashed]:
        """`fn` over each chunk in the workers, the results of every item in order.

        `fn` returns one result per item of its chunk. Chunks lost with a dead worker are
        done again, one at a time, and the items of a chunk lost twice one by one.
        """
        return self.gather(fn, chunks, self.start(fn, chunks))

    def start(self, fn: Callable[[list[T]], list[R]], chunks: Sequence[list[T]]
              ) -> list[Future[list[R]]]:
        """`map` begun: the chunks handed to the workers, to `gather` later (the caller
        does other work meanwhile, or starts more)."""
        return [self.submit(fn, chunk) for chunk in chunks]

    def gather(self, fn: Callable[[list[T]], list[R]], chunks: Sequence[list[T]],
               futures: Sequence[Future[list[R]]]) -> list[R | WorkerCrashed]:
        """The results of `start(fn, chunks)`, as `map` gives them: chunks lost with a
        dead worker done again (also when a worker died while working on chunks started
        later: a later `gather` finds the workers replaced already)."""
        done: list[list[R | WorkerCrashed] | None] = []
        for future in futures:
            try:
                done.append(list(future.result()))
            except BrokenProcessPool:
                done.append(None)
        lost = [i for i, result in enumerate(done) if result is None]
        if lost:
            items = sum(len(chunks[i]) for i in lost)
            self.restart(f"{items} item(s) done again")
            for i in lost:
                done[i] = self._again(fn, chunks[i])
        return [item for result in done if result is not None for item in result]

    def _again(self, fn: Callable[[list[T]], list[R]], chunk: list[T]
               ) -> list[R | WorkerCrashed]:
        """A lost chunk done alone, then (lost again) item by item."""
        try:
            return list(self.submit(fn, chunk).result())
        except BrokenProcessPool:
            self.restart(f"its {len(chunk)} item(s) done one by one")
        out: list[R | WorkerCrashed] = []
        for item in chunk:
            try:
                out += self.submit(fn, [item]).result()
            except BrokenProcessPool:
                self.restart("one item given up")
                out.append(WorkerCrashed(f"the {self.name} worker stopped three times on "
                                         "this item; it was given up"))
        return out


def _widened(executor: ProcessPoolExecutor) -> None:
    """The pipe results come back on made to hold RESULT_PIPE bytes (Linux: 64 KiB).

    A chunk's results are sent whole (at 10,000 frequent rules 16 documents' matches are
    ~460 KB): through 64 KiB the executor's thread here reads them a pipeful at a time, each
    time waiting for the interpreter lock while this process's own work holds it (up to its
    5 ms switch interval), and the worker sending them waits meanwhile, idle (1.86 of 2
    cores used). Where the pipe cannot be widened (not Linux, a lower system limit) it
    stays as it is.
    """
    queue = getattr(executor, "_result_queue", None)
    reader = getattr(queue, "_reader", None)
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl

        fcntl.fcntl(reader.fileno(), fcntl.F_SETPIPE_SZ, RESULT_PIPE)  # type: ignore[union-attr]


def _running(processes: Sequence[BaseProcess], timeout: float) -> list[BaseProcess]:
    """Those of `processes` that have not ended within `timeout` seconds.

    Told by their sentinels (readable once a process has ended), not by `join` and
    `is_alive`: the executor's own thread reaps its workers as they end (waitpid), and a
    worker it reaped first looks alive here (our waitpid fails, the exit code is not known
    yet), so an ended worker was counted stuck and "killed" (2 closes in 5 at load 1).
    """
    deadline = time.monotonic() + timeout
    waiting = {process.sentinel: process for process in processes}
    while waiting and (left := deadline - time.monotonic()) > 0:
        for sentinel in wait(list(waiting), left):
            del waiting[cast(int, sentinel)]
    return list(waiting.values())


PR_SET_PDEATHSIG = 1  # prctl(2)


def _started(initializer: Callable[..., object] | None, parent: int | None,
             *initargs: Any) -> None:
    """In a new worker: die with the process that started it (`parent`, when known), and
    by SIGTERM.

    A worker forked from the daemon shares its state lock: it must not outlive it (a
    SIGKILLed daemon's workers would keep the lock from the next start). The kernel kills
    it when its parent dies only once it has asked for that: a parent that died in between
    (a worker still starting while another did all the work) has left it to init, waiting
    for work that never comes and holding the daemon's pipes open, so it leaves. It inherits the
    daemon's signal handlers too: SIGTERM is what the pool stops a worker with after another
    died (a no-op handler would leave it running, and the pool waiting for it, forever), and
    the wake-up socket is the daemon's event loop's. Ctrl-C reaches every process of the
    terminal's group: the parent stops its workers itself.
    """
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):  # not Linux: no such call
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent died before the request above: nobody will stop this one
    if initializer is not None:
        initializer(*initargs)
