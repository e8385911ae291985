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
import threading
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
from monitor.sources.walk import DEFAULT_MAX_DEPTH, Tree, Walk, confined, depth_of, walk

log = logging.getLogger(__name__)

Signature = tuple[int, int]  # (size, mtime_ns), as in walk.Signature
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
    interrupted: bool = False  # the source was closed during the walk: nothing decided


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
        self.tree = Tree(
            root=self.root, root_real=str(self._root_real), recursive=cfg.recursive,
            max_depth=getattr(cfg, "max_depth", DEFAULT_MAX_DEPTH), wanted=is_candidate,
        )
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
        self._halt = threading.Event()  # set on close: a walk or read in a thread stops
        self._stats: dict[str, Any] = {
            "documents": 0, "skipped": 0, "last_scan": None, "last_error": None, "files": 0,
            "too_deep": None,
        }

    async def __aenter__(self) -> DirectorySource:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.halt()

    def halt(self) -> None:
        """Stop watching, and stop a walk or read under way in another thread."""
        self._stop.set()
        self._halt.set()

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
        docs = self.read_ready(scan)
        self._next_due = scan.next_due
        self._stats.update(last_scan=time.time(), files=scan.files, last_error=None)
        self._stats["documents"] += len(docs)
        return docs

    def read_ready(self, scan: ScanResult) -> list[Document]:
        """Read the files a scan found ready (until the source is closed); remember each."""
        docs: list[Document] = []
        for path, signature in scan.ready:
            if self._halt.is_set():  # what is left is read at the next start
                break
            docs.extend(self._read(path))
            self._taken[path] = signature
        return docs

    def _read(self, path: Path) -> list[Document]:
        try:
            return read_file(
                path, source=self.id, root=self.root, max_size=self.cfg.max_size,
                languages=self.languages, language=self.cfg.language,
                confine=self.tree.root_real,
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
        found = self._walk(self.root)
        if found.interrupted:
            result.interrupted = True
            return result
        self._stats["too_deep"] = str(found.too_deep[0]) if found.too_deep else None
        present: set[Path] = set()
        for path, signature in found.files:
            present.add(path)
            self._decide(path, signature, now, wall, result)
        result.files = len(present)
        for gone in [p for p in self._taken if p not in present]:
            del self._taken[gone]
        for gone in [p for p in self._pending if p not in present]:
            del self._pending[gone]
        return result

    def scan_paths(self, paths: set[str], now: float, wall: float) -> ScanResult:
        """Look only at these paths (from file events) and at the files still settling.

        A path counts only when it is inside the root with every link resolved: a link
        made while the daemon runs cannot lead a read or a walk out of the folder.
        """
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
            if not confined(self.tree, path):
                log.debug("source %r: not following %s (leaves the folder)", self.id, path)
            elif stat.S_ISDIR(st.st_mode):  # a folder moved in: read what it holds
                found.update(self._walk(path).files)
            elif stat.S_ISREG(st.st_mode) and is_candidate(path):
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
        depth = depth_of(self.tree, path)
        if not depth or any(part.startswith(".") for part in path.relative_to(self.root).parts):
            return False
        # a file is one level deeper than its folder: `max_depth` folders, then the file
        return depth <= (self.tree.max_depth + 1 if self.cfg.recursive else 1)

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

    def _walk(self, start: Path) -> Walk:
        """Walk under `start`; warn (once each) of folders not listed or below the cap."""
        found = walk(self.tree, start, self._halt)
        for folder, reason in found.unlistable:
            self._warn_once(folder, f"cannot list the folder: {reason}")
        if found.too_deep:
            self._warn_once(
                found.too_deep[0],
                f"not read: deeper than max_depth {self.tree.max_depth} folder levels "
                f"({len(found.too_deep)} such folder(s); raise max_depth to read them)",
            )
        return found

    def _warn_once(self, path: Path, message: str) -> None:
        if path not in self._warned:
            log.warning("source %r: %s: %s", self.id, path, message)
            self._warned.add(path)

    def settling(self) -> float | None:
        """Seconds until the first file the last poll left unsettled may be read."""
        due = self._next_due
        return None if due is None else max(due - time.monotonic(), 0.0)

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


def _watcher(root: Path, stop: asyncio.Event) -> AsyncGenerator[Any, None] | None:
    """watchfiles' async watcher over `root` (inotify on Linux, polling elsewhere)."""
    return awatch(root, stop_event=stop, debounce=50, step=20, recursive=True)
