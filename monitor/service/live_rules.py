"""The rule set in force in the daemon: reloaded when a rule file changes, the last good set
kept when the new files are invalid."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from watchfiles import awatch

from monitor import metrics
from monitor.config import Config
from monitor.errors import RuleError
from monitor.matching import RuleSet
from monitor.matching.files import rule_files
from monitor.pipeline import load_rule_set

log = logging.getLogger(__name__)

Fingerprint = tuple[tuple[str, int, int], ...]  # (path, mtime_ns, size) of every rule file


class LiveRules:
    """The current rule set (`current`), the error of the last reload that failed (`error`,
    None once one succeeds) and when the current set was loaded (`loaded_at`)."""

    def __init__(self, config: Config, on_reload: Callable[[RuleSet], None]) -> None:
        """Load the rules now (raises RuleError: invalid rules at start-up are fatal);
        `on_reload` is called with every new set."""
        self.config = config
        self._on_reload = on_reload
        self._fingerprint = fingerprint(config.rules)
        self.current = load_rule_set(config)
        self.error: str | None = None
        self.loaded_at = time.time()
        self._lock = asyncio.Lock()  # one reload at a time, or an older set could win

    async def reload(self) -> bool:
        """Reload the rules if their files changed; return whether a new set is in force.

        Compiling runs in a thread (tens of thousands of rules take seconds), so sources
        and deliveries keep moving with the previous rules meanwhile. The thread also builds
        the prefilter of every language documents have come in so far, which would otherwise
        be built by the first document in each (seconds, with 100,000 rules).
        """
        async with self._lock:
            found = fingerprint(self.config.rules)
            if found == self._fingerprint:
                return False
            self._fingerprint = found
            try:
                rules = await asyncio.to_thread(load_rule_set, self.config, self.current.prepared)
            except RuleError as exc:
                self.error = str(exc)
                metrics.record_reload(ok=False)
                log.error("rules not reloaded, the previous rules stay in force:\n%s", exc)
                return False
            self.current, self.error, self.loaded_at = rules, None, time.time()
            self._on_reload(rules)
            metrics.record_reload(ok=True, rules=len(rules.rules))
            log.info("rules reloaded: %d rules", len(rules.rules))
            return True

    async def watch(self, stop: asyncio.Event) -> None:
        """Reload as soon as a rule file is saved, until `stop` is set: file events (inotify
        on Linux) start it within a tenth of a second. File systems that send none (network
        mounts) need `reload()` called now and then as well."""
        path = self.config.rules
        root = path if path.is_dir() else path.parent
        try:
            async for _ in awatch(root, stop_event=stop, debounce=100, step=20,
                                  recursive=path.is_dir()):
                await self.reload()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("file events for the rules stopped; they are still checked every "
                          "second")


def fingerprint(path: Path) -> Fingerprint:
    """What changes when a rule file under `path` (a folder or one file) is edited, added or
    removed: the files the loader reads (`*.yaml` and `*.yml`)."""
    try:
        files = rule_files(path)
    except RuleError:  # the path is gone: loading will say so
        return ()
    out = []
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        out.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(out)
