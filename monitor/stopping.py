"""The process's stop request and its deadline.

`monitor run` sets `REQUESTED` as soon as SIGTERM or Ctrl-C arrives (in the signal handler,
so even while the event loop waits on a blocking call), and arms a `StopDeadline`. Waits
that could last long give up once a stop is requested: the PostgreSQL state's retries while
the server cannot be reached (`store.retry_for`), a starting node's wait for the server.

The deadline bounds the rest by design: STOP_DEADLINE seconds after the request, whatever
the process is still waiting for (a query held up by a lock, a matching worker, a task that
does not end when cancelled) is logged and the process exits. Nothing is lost by that: it is
what a SIGKILL does, and the state keeps every promise across one (a delivery not yet
marked sent is sent again under the same id, documents not marked seen are read again,
another node takes over this one's leases and claimed documents once they expire).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from pathlib import Path
from types import FrameType

log = logging.getLogger(__name__)

STOP_DEADLINE = 20.0  # seconds from SIGTERM to the exit, at the latest
LATE_EXIT = 1  # the exit code of a stop cut short by the deadline
SHOWN = 8  # at most this many waits are named

REQUESTED = threading.Event()  # a stop was asked for (SIGTERM, Ctrl-C)
_PACKAGE = str(Path(__file__).parent)


class StopDeadline:
    """Exits the process `seconds` after `arm()` unless it has ended by then."""

    def __init__(self, seconds: float = STOP_DEADLINE,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.seconds = seconds
        self.loop = loop  # its tasks are named among the waits
        self._armed = threading.Lock()

    def arm(self) -> None:
        """Start counting (once; safe to call from a signal handler)."""
        if self._armed.acquire(blocking=False):
            threading.Thread(target=self._expire, name="stop-deadline", daemon=True).start()

    def _expire(self) -> None:
        threading.Event().wait(self.seconds)
        waits = waiting_for(self.loop)
        # logged from a thread of its own: a handler's lock held by a stuck thread must not
        # keep the process alive
        said = threading.Thread(target=self._say, args=(waits,), daemon=True)
        said.start()
        said.join(2.0)
        os._exit(LATE_EXIT)

    def _say(self, waits: list[str]) -> None:
        log.warning("stopping: still busy %g s after the stop was asked for, exiting now; "
                    "waiting for: %s. Nothing is lost: unfinished work is taken over by "
                    "another node once its leases expire, or done again at the next start",
                    self.seconds, "; ".join(waits) or "nothing known")
        for handler in logging.getLogger().handlers:
            handler.flush()


def waiting_for(loop: asyncio.AbstractEventLoop | None) -> list[str]:
    """What the process is waiting for: its threads doing something (the main thread
    always) and the event loop's unfinished tasks, each where it waits."""
    frames = sys._current_frames()
    waits = []
    for thread in threading.enumerate():
        frame = frames.get(thread.ident or 0)
        if frame is None or thread is threading.current_thread() or thread.name == "stop-deadline":
            continue
        if thread is threading.main_thread() or _ours(frame) is not None:
            waits.append(f"thread {thread.name} at {_where(frame)}")
    try:
        tasks = asyncio.all_tasks(loop) if loop is not None and not loop.is_closed() else set()
    except RuntimeError:  # the loop's task set changed meanwhile: threads are enough
        tasks = set()
    for task in sorted(tasks, key=lambda t: t.get_name()):
        waits.append(f"task {task.get_name()}{_awaiting(task)}")
    return waits[:SHOWN] + ([f"{len(waits) - SHOWN} more"] if len(waits) > SHOWN else [])


def _awaiting(task: asyncio.Task[object]) -> str:
    """` at <where>`: where a task's coroutines wait (this package's innermost frame, with
    the innermost one when that is elsewhere)."""
    frames = []
    coro: object = task.get_coro()
    while coro is not None:
        if (frame := getattr(coro, "cr_frame", None)) is not None:
            frames.append(frame)
        coro = getattr(coro, "cr_await", None)
    if not frames:
        return ""
    ours = [f for f in frames if f.f_code.co_filename.startswith(_PACKAGE)]
    if not ours or ours[-1] is frames[-1]:
        return f" at {_place(frames[-1])}"
    return f" at {_place(ours[-1])} (in {_place(frames[-1])})"


def _ours(frame: FrameType | None) -> FrameType | None:
    """The innermost frame of this package's code in a stack."""
    while frame is not None:
        if frame.f_code.co_filename.startswith(_PACKAGE):
            return frame
        frame = frame.f_back
    return None


def _where(frame: FrameType) -> str:
    """`monitor/x.py:12 in f`, with the innermost frame when it is not ours."""
    own = _ours(frame)
    shown = _place(own) if own is not None else _place(frame)
    return shown if own is frame or own is None else f"{shown} (in {_place(frame)})"


def _place(frame: FrameType) -> str:
    name = frame.f_code.co_filename
    if name.startswith(_PACKAGE):
        name = "monitor" + name[len(_PACKAGE):]
    else:
        name = "/".join(Path(name).parts[-2:])
    return f"{name}:{frame.f_lineno} in {frame.f_code.co_name}"
