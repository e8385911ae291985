"""The cache folder: what is expensive to rebuild, kept between runs (see docs/operations.md).

An entry is one file, `<name>.pickle`: a header line (a format mark, the key the entry was
made for, a digest of the payload), then the payload, pickled. The key is a digest of
everything the payload depends on, so an entry made from other inputs is never used: the
caller rebuilds it and puts the new one in its place. A file that does not read back (cut
short, changed bytes, made by another version) is reported once and replaced the same way.

A writer writes a temporary file in the folder and renames it over the entry, so a reader
sees the old entry or the new one, never part of either, and of two processes writing at
once the last rename wins. Only what this program wrote is unpickled: the folder is made
private (0700), and an entry or folder owned by another user, or writable by others, is
ignored. Deleting the folder, or any file in it, is always safe.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAGIC = b"monitor-cache 1"
_HEADER_MAX = 256
_reported: set[str] = set()  # entries whose problem was logged (once per process)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Cache:
    """The entries in one folder (made when the first one is written)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.pickle"

    def get(self, name: str, key: str) -> Any | None:
        """The payload of entry `name` when it was made for `key`; None when there is none,
        it was made for another key, or it cannot be read (logged once)."""
        path = self.path(name)
        try:
            with path.open("rb") as f:
                if not (_trusted(os.fstat(f.fileno())) and _trusted(self.folder.stat())):
                    _report(path, "is not private to this user; it is ignored (delete it)")
                    return None
                header = f.readline(_HEADER_MAX).split()
                if len(header) != 4 or b" ".join(header[:2]) != MAGIC:
                    _report(path, "is not a cache entry of this version; it is rebuilt")
                    return None
                if header[2].decode() != key:
                    log.debug("cache entry %s is stale; it is rebuilt", path)
                    return None
                data = f.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            _report(path, f"cannot be read ({exc.strerror or exc}); it is rebuilt")
            return None
        if digest(data) != header[3].decode():
            _report(path, "is damaged (its digest differs); it is rebuilt")
            return None
        try:
            return pickle.loads(data)  # a private file this program wrote
        except Exception as exc:  # what unpickling raises is open-ended
            _report(path, f"cannot be read ({type(exc).__name__}: {exc}); it is rebuilt")
            return None

    def put(self, name: str, key: str, value: Any) -> bool:
        """Write entry `name` for `key` (replacing any other); whether it was written (a
        folder that cannot be written is logged once: the program runs on without it)."""
        path = self.path(name)
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
            _report(path, f"cannot be written: {exc}")
            return False
        header = b" ".join([MAGIC, key.encode(), digest(data).encode()]) + b"\n"
        tmp: str | None = None
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(header)
                f.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            _report(path, f"cannot be written ({exc.strerror or exc}); running without it")
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            return False
        return True


def _trusted(st: os.stat_result) -> bool:
    """Owned by this user and writable by no one else."""
    return st.st_uid == os.geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _report(path: Path, problem: str) -> None:
    if str(path) not in _reported:
        _reported.add(str(path))
        log.warning("cache entry %s %s", path, problem)
