"""The rule set in force in the daemon: reloaded when a rule file changes, the last good set
kept when the new files are invalid, also across a restart (`rule_memory`)."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from pathlib import Path

from watchfiles import awatch

from monitor import metrics
from monitor.config import Config
from monitor.errors import RuleError, StoreError
from monitor.matching import RuleSet
from monitor.matching.files import rule_files
from monitor.models import Alert
from monitor.pipeline import load_rule_set
from monitor.service import rule_memory
from monitor.service.rule_memory import Fallback, StateKeeper

log = logging.getLogger(__name__)

Fingerprint = tuple[tuple[str, int, int], ...]  # (path, mtime_ns, size) of every rule file


class LiveRules:
    """The current rule set (`current`), the error of the last reload that failed (`error`,
    None once one succeeds) and when the current set was loaded (`loaded_at`)."""

    def __init__(
        self, config: Config, on_reload: Callable[[RuleSet], None],
        store: StateKeeper | None = None,
    ) -> None:
        """Load the rules now; `on_reload` is called with every new set.

        With a `store`, every set that loads is kept in it, and invalid rule files at
        start-up put the kept set in force (`fallback` says so; `error` says what is
        wrong). RuleError when the files are invalid and no set is kept (a first start).
        """
        self.config = config
        self._on_reload = on_reload
        self._store = store
        self._fingerprint = fingerprint(config.rules)
        self.error: str | None = None
        self.fallback: Fallback | None = None
        try:
            self.current = load_rule_set(config)
        except RuleError as exc:
            if store is None:
                raise
            self._fall_back(store, exc)
        else:
            self._remember(self._fingerprint)
        self.loaded_at = time.time()
        self._lock = asyncio.Lock()  # one reload at a time, or an older set could win

    def _fall_back(self, store: StateKeeper, error: RuleError) -> None:
        load = functools.partial(load_rule_set, self.config)
        fallback = rule_memory.fall_back(store, error, lambda path: load(path=path))
        self.fallback, self.current, self.error = fallback, fallback.rules, fallback.error
        log.error(
            "the rules in %s are broken; running with the last good rules (%d, saved %s) "
            "until they are fixed:", self.config.rules, len(fallback.rules.rules),
            time.strftime("%Y-%m-%d %H:%M", time.localtime(fallback.saved_at)),
        )
        _each_problem(error)

    def _remember(self, loaded: Fingerprint) -> None:
        """Keep the rule files that just loaded as the last good set (unless they were
        edited meanwhile: then the copy might not be what loaded)."""
        if self._store is None:
            return
        try:
            files = rule_memory.snapshot(self.config.rules)
            if fingerprint(self.config.rules) == loaded:
                rule_memory.save(self._store, files, single=self.config.rules.is_file())
        except (OSError, RuleError, StoreError) as exc:
            log.warning("could not keep a copy of the rules in the state: %s", exc)

    def start_alert(self) -> Alert | None:
        """The health alert to send when the daemon started on the last good rules."""
        if self.fallback is None:
            return None
        return rule_memory.broken_rules_alert(self.fallback, self.config.rules)
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
                log.error("rules not reloaded, the previous rules stay in force:")
                _each_problem(exc)
                return False
            self.current, self.error, self.loaded_at = rules, None, time.time()
            self._remember(found)
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


def _each_problem(error: RuleError | str) -> None:
    """One log line per problem (`file:line:column: message`): a record's newlines are
    escaped in text logs, so the problems joined in one record read as one `\\n` line."""
    for problem in str(error).splitlines():
        if problem.strip():
            log.error("  %s", problem.strip())
