"""Walking a folder tree for the folder source: never leaving the root, each folder once,
no deeper than a cap, and stoppable between folders.

A walk starts only where the real path (symlinks resolved) is inside the root's real path,
and follows a symlink only when its target is inside too, so a link made while the daemon
runs cannot lead it elsewhere. Folders are recognised by (device, inode), so loops through
links are walked once and no path is resolved more than once: the cost of a walk grows
with the number of entries, not with the square of the depth.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

Signature = tuple[int, int]  # (size, mtime_ns)
DEFAULT_MAX_DEPTH = 32


@dataclass(kw_only=True)
class Walk:
    """What one walk found: candidate files, the first folders below the depth cap (not
    entered), the folders it could not list, and whether it was stopped before the end."""

    files: list[tuple[Path, Signature]] = field(default_factory=list)
    too_deep: list[Path] = field(default_factory=list)
    unlistable: list[tuple[Path, str]] = field(default_factory=list)
    interrupted: bool = False


@dataclass(frozen=True, kw_only=True)
class Tree:
    """The tree a walk may cover: `root` as configured, its real path, whether subfolders
    count, how many folder levels below the root are entered, and which files count."""

    root: Path
    root_real: str
    recursive: bool
    max_depth: int
    wanted: Callable[[Path], bool]


def is_inside(path: str, root: str) -> bool:
    """Whether the (real) `path` is `root` or below it."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def depth_of(tree: Tree, path: Path) -> int | None:
    """How many folder levels below the root `path` is (0: the root), None when outside."""
    try:
        return len(path.relative_to(tree.root).parts)
    except ValueError:
        return None


def confined(tree: Tree, path: Path) -> bool:
    """Whether `path`, every link in it resolved, is inside the root."""
    return is_inside(os.path.realpath(path), tree.root_real)


def walk(tree: Tree, start: Path, halt: threading.Event) -> Walk:
    """Every wanted file under `start` (a folder spelled under the root) with its signature.

    Stops between folders once `halt` is set (then `interrupted` is True and the result is
    partial). Hidden entries (a leading dot) are skipped.
    """
    out = Walk()
    depth = depth_of(tree, start)
    if depth is None or depth > tree.max_depth or not confined(tree, start):
        log.debug("not walking %s: outside the folder or too deep", start)
        return out
    try:
        st = os.stat(start)
    except OSError as exc:
        out.unlistable.append((start, exc.strerror or str(exc)))
        return out
    visited = {(st.st_dev, st.st_ino)}
    stack = [(str(start), depth)]
    while stack:
        if halt.is_set():
            out.interrupted = True
            return out
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as exc:
            out.unlistable.append((Path(folder), exc.strerror or str(exc)))
            continue
        for entry in entries:
            child = _visit(tree, entry, depth, visited, out)
            if child is not None:
                stack.append((child, depth + 1))
    return out


def _visit(
    tree: Tree, entry: os.DirEntry[str], depth: int, visited: set[tuple[int, int]], out: Walk
) -> str | None:
    """Record a wanted file; return a folder to walk next (None for anything else)."""
    if entry.name.startswith("."):
        return None
    try:
        if entry.is_symlink() and not is_inside(os.path.realpath(entry.path), tree.root_real):
            log.debug("not following %s (leaves the folder)", entry.path)
            return None
        if entry.is_dir():
            return _subfolder(tree, entry, depth, visited, out)
        path = Path(entry.path)
        if not entry.is_file() or not tree.wanted(path):
            log.debug("ignoring %s", entry.path)
            return None
        st = entry.stat()
    except OSError as exc:  # vanished or unreadable between listing and stat
        log.debug("cannot stat %s: %s", entry.path, exc)
        return None
    out.files.append((path, (st.st_size, st.st_mtime_ns)))
    return None


def _subfolder(
    tree: Tree, entry: os.DirEntry[str], depth: int, visited: set[tuple[int, int]], out: Walk
) -> str | None:
    if not tree.recursive:
        return None
    if depth + 1 > tree.max_depth:
        out.too_deep.append(Path(entry.path))
        return None
    st = entry.stat()  # follows a link: its target's folder
    key = (st.st_dev, st.st_ino)
    if key in visited:
        return None
    visited.add(key)
    return entry.path
