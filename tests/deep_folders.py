"""Folder chains deeper than a path may spell, made and removed without long paths or recursion.

pytest removes old temporary folders with shutil.rmtree, which recurses and fails past
about 1,000 levels (and then fails every later session on the machine): a test that makes a
deep chain removes it itself, through `deep_chain`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def deep_chain(top: Path, depth: int, *, name: str = "d") -> Iterator[Path]:
    """`top/d/d/.../d`, `depth` levels, each level holding `at-<level>.txt` (an hour old);
    removed again on exit."""
    make_chain(top, depth, name=name)
    try:
        yield top
    finally:
        remove_tree(top)


def make_chain(top: Path, depth: int, *, name: str = "d") -> None:
    """The chain, made through folder descriptors: the whole path is longer than the OS
    takes in one call."""
    top.mkdir(parents=True, exist_ok=True)
    old = time.time() - 3600
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for level in range(1, depth + 1):
            os.mkdir(name, dir_fd=fd)
            nxt = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nxt
            f = os.open(f"at-{level}.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(f, f"Level {level}\nbody".encode())
            os.utime(f, (old, old))
            os.close(f)
    finally:
        os.close(fd)


def remove_tree(top: Path) -> None:
    """Remove a folder tree of any depth: each subfolder is first moved up beside `top`, so
    no path grows long and nothing recurses."""
    queue, moved = [top], 0
    while queue:
        folder = queue.pop()
        for entry in list(os.scandir(folder)):
            if entry.is_dir(follow_symlinks=False):
                moved += 1
                parked = top.parent / f".{top.name}-removing-{moved}"
                os.rename(entry.path, parked)
                queue.append(parked)
            else:
                os.unlink(entry.path)
        os.rmdir(folder)
