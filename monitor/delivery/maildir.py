"""Deliver a message into a Maildir, the Maildir way: write into tmp/, rename into new/.

The file name is derived from the Message-ID, so delivering the same message again
(after a crash, or a retry) replaces the earlier copy in new/ instead of adding a second
one, and does nothing when a mail client has already moved it to cur/.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

SUBDIRS = ("tmp", "new", "cur")


def file_name(message_id: str) -> str:
    """The Maildir file name for a Message-ID (no ':' or '/', unique per message)."""
    return "monitor." + hashlib.sha256(message_id.encode()).hexdigest()[:40]


def ensure_maildir(root: Path) -> None:
    """Create root/tmp, root/new and root/cur when missing."""
    for sub in SUBDIRS:
        (root / sub).mkdir(parents=True, exist_ok=True, mode=0o700)


def already_read(root: Path, name: str) -> Path | None:
    """The copy a mail client moved to cur/ (with or without `:2,flags`), if any."""
    cur = root / "cur"
    for candidate in (cur / name, *cur.glob(name + ":*")):
        if candidate.exists():
            return candidate
    return None


def deliver(root: Path, message_id: str, data: bytes) -> Path:
    """Write `data` into root/new atomically; return the path of the delivered file."""
    ensure_maildir(root)
    name = file_name(message_id)
    seen = already_read(root, name)
    if seen is not None:
        return seen
    tmp = root / "tmp" / f"{name}.{os.getpid()}.{uuid.uuid4().hex}"
    target = root / "new" / name
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(root / "new")
    return target


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
