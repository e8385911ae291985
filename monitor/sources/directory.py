"""DirectorySource: a folder of article files, rescanned on an interval and watched with inotify.

A file is read once it has settled: its mtime is at least `settle` seconds old, or its size
and mtime were the same in two scans `settle` seconds apart. Until then it may still be
being written. Each settled (size, mtime) is read once; a later change is read again.

While file events arrive (someone iterates `changes()`), a poll looks only at the paths
the events named and at files still settling; the whole tree is walked on the first poll,
then at least every FULL_RESCAN seconds, in case an event was lost.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watchfiles import awatch

from monitor.config import FolderSourceConfig
from monitor.errors import DocumentError, SourceError
from monitor.models import Document
from monitor.registry import Resources
from monitor.sources.readers import is_candidate, read_file

log = logging.getLogger(__name__)

Signature = tuple[int, int]  # (size, mtime_ns)
FULL_RESCAN = 60.0  # seconds between full walks while file events are being received
WATCH_WARMUP = 0.5  # seconds for the watcher to be in place after it is started


@dataclass
class _Pending:
    signature: Signature
    since: float  # monotonic time this signature was first seen


@dataclass
class ScanResult:
    """One scan: the files ready to read, and when the next not-yet-settled one will be."""

    ready: list[tuple[Path, Signature]] = field(default_factory=list)
    next_due: float | None = None  # monotonic time, None when nothing is pending
    files: int = 0


class DirectorySource:
    """Documents from the article files in a folder (and its subfolders when `recursive`)."""

    config_model = FolderSourceConfig

    @classmethod
    def from_config(cls, cfg: FolderSourceConfig, ctx: Resources) -> DirectorySource:
        """The folder source for a config section (documents in `ctx.languages`)."""
        return cls(cfg, languages=ctx.languages)

    def __init__(
        self,
        cfg: FolderSourceConfig,
        *,
        languages: Sequence[str] = (),
        settle: float | None = None,
    ) -> None:
        self.cfg = cfg
        self.id = cfg.id
        self.interval = cfg.interval
        self.root = Path(cfg.path).absolute()
        self._root_real = Path(os.path.realpath(self.root))
        self.languages = tuple(languages)
        self.settle = settle if settle is not None else getattr(cfg, "settle", 1.0)
        self._taken: dict[Path, Signature] = {}  # read (or refused) at this signature
        self._pending: dict[Path, _Pending] = {}
        self._warned: set[Path] = set()  # folders that could not be listed
        self._dirty: set[str] = set()  # paths named by file events since the last poll
        self._watch_since: float | None = None  # monotonic time the watcher started
        self._last_full = float("-inf")  # monotonic time the last full walk started
        self._due = asyncio.Event()
        self._next_due: float | None = None
        self._stop = asyncio.Event()
        self._stats: dict[str, Any] = {
            "documents": 0, "skipped": 0, "last_scan": None, "last_error": None, "files": 0,
        }

    async def __aenter__(self) -> DirectorySource:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()

    # ------------------------------------------------------------ polling

    async def poll(self) -> list[Document]:
        """Documents from the files that are new or changed and have settled since last time."""
        if not self.root.is_dir():
            self._stats["last_error"] = f"{self.root} is not a readable folder"
            raise SourceError(self.id, f"{self.root} does not exist or is not a folder")
        dirty, self._dirty = self._dirty, set()  # swapped on the loop, where events land
        return await asyncio.to_thread(self.poll_sync, dirty)

    def poll_sync(self, dirty: set[str] | None = None) -> list[Document]:
        """The blocking body of poll(); `dirty` are paths named by file events."""
        now, wall = time.monotonic(), time.time()
        if dirty is not None and self._events_suffice(now):
            scan = self.scan_paths(dirty, now, wall)
        else:
            self._last_full = now
            scan = self.scan(now, wall)
        docs: list[Document] = []
        for path, signature in scan.ready:
            docs.extend(self._read(path))
            self._taken[path] = signature
        self._next_due = scan.next_due
        self._stats.update(last_scan=time.time(), files=scan.files, last_error=None)
        self._stats["documents"] += len(docs)
        return docs

    def _read(self, path: Path) -> list[Document]:
        try:
            return read_file(
                path, source=self.id, root=self.root, max_size=self.cfg.max_size,
                languages=self.languages, language=self.cfg.language,
            )
        except DocumentError as exc:
            log.warning("source %r: skipped %s", self.id, exc)
        except Exception as exc:  # a reader bug must not stop the folder
            log.warning("source %r: skipped %s: unexpected %s: %s", self.id, path,
                        type(exc).__name__, exc)
        self._stats["skipped"] += 1
        return []

    def _events_suffice(self, now: float) -> bool:
        """Whether file events cover every change since the last full walk."""
        since = self._watch_since
        return (since is not None and self._last_full >= since + WATCH_WARMUP
                and now - self._last_full < FULL_RESCAN)

    def scan(self, now: float, wall: float) -> ScanResult:
        """Walk the folder; decide which files are ready (settled and not yet read)."""
        result = ScanResult()
        present: set[Path] = set()
        for path, signature in self._walk(self.root):
            present.add(path)
            self._decide(path, signature, now, wall, result)
        result.files = len(present)
        for gone in [p for p in self._taken if p not in present]:
            del self._taken[gone]
        for gone in [p for p in self._pending if p not in present]:
            del self._pending[gone]
        return result

    def scan_paths(self, paths: set[str], now: float, wall: float) -> ScanResult:
        """Look only at these paths (from file events) and at the files still settling."""
        found: dict[Path, Signature] = {}
        for path in {self._under_root(Path(p)) for p in paths} | set(self._pending):
            if not self._in_scope(path):
                continue
            try:
                st = os.stat(path)
            except OSError:  # deleted, or moved away
                self._taken.pop(path, None)
                self._pending.pop(path, None)
                continue
            if stat.S_ISDIR(st.st_mode):  # a folder moved in: read what it holds
                found.update(self._walk(path))
            elif stat.S_ISREG(st.st_mode) and is_candidate(path) and self._inside(path):
                found[path] = (st.st_size, st.st_mtime_ns)
        result = ScanResult()
        for path, signature in found.items():
            self._decide(path, signature, now, wall, result)
        result.files = len(self._taken) + len(self._pending)
        return result

    def _under_root(self, path: Path) -> Path:
        """An event's path spelled under `root` (the watcher may report the real path)."""
        if path.is_relative_to(self._root_real) and not path.is_relative_to(self.root):
            return self.root / path.relative_to(self._root_real)
        return path

    def _in_scope(self, path: Path) -> bool:
        try:
            parts = path.relative_to(self.root).parts
        except ValueError:
            return False
        if not parts or any(part.startswith(".") for part in parts):
            return False
        return self.cfg.recursive or len(parts) == 1

    def _inside(self, path: Path) -> bool:
        return not path.is_symlink() or _inside(os.path.realpath(path),
                                                os.path.realpath(self.root))

    def _decide(self, path: Path, signature: Signature, now: float, wall: float,
                result: ScanResult) -> None:
        """Ready when settled and not read at this signature; else note when to look again."""
        if self._taken.get(path) == signature:
            return
        pending = self._pending.get(path)
        if pending is None or pending.signature != signature:
            pending = self._pending[path] = _Pending(signature, now)
        mtime_age = wall - signature[1] / 1e9
        if mtime_age >= self.settle or now - pending.since >= self.settle:
            result.ready.append((path, signature))
            del self._pending[path]
        else:
            due = pending.since + min(self.settle, max(self.settle - mtime_age, 0.0))
            result.next_due = due if result.next_due is None else min(result.next_due, due)

    def _walk(self, start: Path) -> list[tuple[Path, Signature]]:
        """(path, signature) of every candidate file, following symlinks only inside the root."""
        root_real = os.path.realpath(self.root)
        out: list[tuple[Path, Signature]] = []
        stack = [str(start)]
        visited: set[str] = set()
        while stack:
            folder = stack.pop()
            real = os.path.realpath(folder)
            if real in visited:
                continue
            visited.add(real)
            try:
                entries = list(os.scandir(folder))
            except OSError as exc:
                self._warn_once(Path(folder), f"cannot list the folder: {exc.strerror or exc}")
                continue
            for entry in entries:
                self._visit(entry, root_real, stack, out)
        return out

    def _visit(
        self, entry: os.DirEntry[str], root_real: str, stack: list[str],
        out: list[tuple[Path, Signature]],
    ) -> None:
        if entry.name.startswith("."):
            return
        try:
            if entry.is_symlink() and not _inside(os.path.realpath(entry.path), root_real):
                log.debug("source %r: not following %s (leaves the folder)", self.id, entry.path)
                return
            if entry.is_dir():
                if self.cfg.recursive:
                    stack.append(entry.path)
                return
            path = Path(entry.path)
            if not entry.is_file() or not is_candidate(path):
                log.debug("source %r: ignoring %s", self.id, entry.path)
                return
            st = entry.stat()
        except OSError as exc:  # vanished or unreadable between listing and stat
            log.debug("source %r: cannot stat %s: %s", self.id, entry.path, exc)
            return
        out.append((path, (st.st_size, st.st_mtime_ns)))

    def _warn_once(self, path: Path, message: str) -> None:
        if path not in self._warned:
            log.warning("source %r: %s: %s", self.id, path, message)
            self._warned.add(path)

    # ------------------------------------------------------------ events

    def changes(self) -> AsyncIterator[None] | None:
        """Yields when files changed (debounced), and when a waiting file should have settled."""
        if not self.cfg.watch:
            return None
        return self._changes()

    async def _changes(self) -> AsyncIterator[None]:
        watch = _watcher(self.root, self._stop)
        events = asyncio.ensure_future(anext(watch)) if watch is not None else None
        self._watch_since = time.monotonic() if events is not None else None
        try:
            while not self._stop.is_set():
                timeout = None
                if self._next_due is not None:
                    timeout = max(self._next_due - time.monotonic(), 0.0) + 0.02
                if events is None:
                    await asyncio.sleep(timeout if timeout is not None else self.interval)
                    yield None
                    continue
                done, _ = await asyncio.wait({events}, timeout=timeout)
                if events in done:
                    if events.exception() is not None:
                        log.warning("source %r: file watching stopped: %s", self.id,
                                    events.exception())
                        events = self._watch_since = None
                        continue
                    self._dirty.update(path for _change, path in events.result())
                    events = asyncio.ensure_future(anext(watch))  # type: ignore[arg-type]
                self._next_due = None
                yield None
        finally:
            self._watch_since = None
            if events is not None:
                events.cancel()
                await asyncio.wait({events})  # the generator must be idle before aclose()
            if watch is not None:
                await watch.aclose()

    def health(self) -> dict[str, Any]:
        """Folder, files seen, documents read, files skipped, last scan and last error."""
        return {
            "id": self.id, "type": "folder", "path": str(self.root),
            "pending": len(self._pending), **self._stats,
        }


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _watcher(root: Path, stop: asyncio.Event) -> AsyncGenerator[Any, None] | None:
    """watchfiles' async watcher over `root` (inotify on Linux, polling elsewhere)."""
    return awatch(root, stop_event=stop, debounce=50, step=20, recursive=True)
