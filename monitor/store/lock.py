"""StateLock: one daemon per state, whatever path leads to it.

The lock is an exclusive OS lock (`flock`) on a file beside the state with every link
resolved: `<real state path>.lock`. So `state: out/alias.db`, a link to a running daemon's
`state.db`, finds the same lock as `state.db` itself and refuses to start. The OS drops
the lock when its process dies, even from SIGKILL, so there is never a stale lock.

Any store kept in a local file uses it; a store kept elsewhere (a database server) locks
by its own means.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from monitor.errors import LockedError


def resolved(state: Path) -> Path:
    """The state's path with every symbolic link resolved (the file need not exist yet)."""
    return Path(os.path.realpath(state))


class StateLock:
    """The lock of the state at `state`; `acquire()` or `with`, then `release()`."""

    def __init__(self, state: Path) -> None:
        self.state = state
        real = resolved(state)
        self.path = real.with_name(real.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock and write our pid in it; LockedError naming the holder's pid
        when another process holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise LockedError(
                f"{self.state} is in use by monitor (pid {holder}); "
                "stop it first, or point --config at another state file"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        """Let the lock go (nothing when not held)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    @contextmanager
    def if_free(self) -> Iterator[bool]:
        """The lock for the duration of the block if nobody holds it: yields True when
        taken, False when another process has it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
            else:
                yield True
        finally:
            os.close(fd)

    def __enter__(self) -> StateLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
