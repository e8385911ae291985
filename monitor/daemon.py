"""Wires config -> sources -> analysis -> matching -> alerts -> delivery.

`Daemon` owns every long-lived resource in one AsyncExitStack. `run_once()` is one pass
(what `monitor run --once` does); `run()` hands the same steps to the scheduler.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from monitor.config import Config
from monitor.delivery import build_notifier
from monitor.delivery.base import Notifier
from monitor.delivery.outbox import Outbox
from monitor.errors import MonitorError, RuleError
from monitor.matching import RuleSet, load_rules
from monitor.matching.explain import snippets
from monitor.models import Alert, Document
from monitor.scheduler import Scheduler
from monitor.sources import build_source
from monitor.sources.base import Source
from monitor.store import SQLiteStore
from monitor.text.analysis import analyze

log = logging.getLogger(__name__)

PRUNE_EVERY = 86400.0


def load_rule_set(config: Config) -> RuleSet:
    """The rules as the daemon and `monitor check` load them (same code, same checks)."""
    return load_rules(
        config.rules,
        languages=config.languages,
        notifiers=[n.name for n in config.notifiers],
        sources=[s.id for s in config.sources],
    )


def make_alerts(rules: RuleSet, doc: Document, languages: Sequence[str]) -> list[Alert]:
    """Analyse a document and turn every rule that matches into an Alert (pure)."""
    analysis = analyze(doc, languages)
    alerts = []
    for match in rules.match(analysis, doc):
        rule = rules.rules[match.rule]
        alerts.append(
            Alert(
                id=Alert.make_id(rule.id, doc.content_hash),
                rule=rule.id,
                rule_title=rule.title,
                document=doc,
                language=analysis.language,
                score=match.score,
                hits=match.hits,
                snippets=snippets(doc, match.hits),
            )
        )
    return alerts


class Daemon:
    """The running service. Use as `async with Daemon(config) as d: await d.run(stop)`."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.rules: RuleSet
        self.store: SQLiteStore
        self.sources: dict[str, Source] = {}
        self.notifiers: dict[str, Notifier] = {}
        self.outbox: Outbox
        self._stack = AsyncExitStack()
        self._source_locks: dict[str, asyncio.Lock] = {}
        self._rules_fingerprint: tuple[tuple[str, int, int], ...] = ()
        self.rules_error: str | None = None
        self.rules_loaded_at: float = 0.0
        self.last_pass: float = 0.0

    async def __aenter__(self) -> Daemon:
        config = self.config
        self.rules = load_rule_set(config)  # invalid rules at start-up are fatal
        self._rules_fingerprint = _fingerprint(config.rules)
        self.rules_loaded_at = time.time()
        try:
            self.store = self._stack.enter_context(SQLiteStore(config.state))
            for cfg in config.sources:
                if cfg.enabled:
                    source = build_source(cfg, self.store, languages=config.languages)
                    self.sources[cfg.id] = await self._stack.enter_async_context(source)
                    self._source_locks[cfg.id] = asyncio.Lock()
            for ncfg in config.notifiers:
                notifier = build_notifier(ncfg, templates=config.templates)
                self.notifiers[ncfg.name] = await self._stack.enter_async_context(notifier)
            self.outbox = Outbox(self.store, self.notifiers, config.delivery)
        except BaseException:
            await self._stack.aclose()
            raise
        log.info(
            "started: %d sources, %d rules, %d notifiers, state %s",
            len(self.sources), len(self.rules.rules), len(self.notifiers), config.state,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    # ------------------------------------------------------------ the pipeline

    def ingest(self, doc: Document) -> list[Alert]:
        """Match a document once per text and record its alerts in the outbox.

        Alerts are recorded before the document is marked as seen, so a crash in between
        re-matches it on the next start (the store ignores alerts it already has).
        """
        status = self.store.document_status(doc)
        if status not in ("new", "changed"):
            return []
        alerts = make_alerts(self.rules, doc, self.config.languages)
        recorded = []
        for alert in alerts:
            rule = self.rules.rules[alert.rule]
            names = rule.notify if rule.notify is not None else tuple(self.notifiers)
            targets = [(name, rule.digest) for name in names if name in self.notifiers]
            if self.store.add_alert(alert, targets):
                recorded.append(alert)
                log.info("match: rule %s on %s: %s", alert.rule, doc.id, doc.title[:120])
        self.store.put_document(doc)
        return recorded

    async def poll_source(self, source_id: str) -> int:
        """Poll one source and ingest what it returns; return the number of new alerts."""
        source = self.sources[source_id]
        async with self._source_locks[source_id]:
            try:
                docs = await source.poll()
            except MonitorError as exc:
                log.warning("%s", exc, extra={"source": source_id})
                return 0
            except Exception:
                log.exception("source %r failed unexpectedly", source_id,
                              extra={"source": source_id})
                return 0
            count = 0
            for doc in docs:
                try:
                    count += len(self.ingest(doc))
                except MonitorError as exc:
                    log.warning("source %r, document %s: %s", source_id, doc.id, exc)
                await asyncio.sleep(0)
        if count:
            await self.deliver()
        return count

    async def deliver(self) -> int:
        """Send whatever the outbox has due."""
        return await self.outbox.run_once()

    async def run_once(self) -> int:
        """Poll every source once, then deliver; return the number of new alerts."""
        total = 0
        for source_id in self.sources:
            total += await self.poll_source(source_id)
        await self.deliver()
        self.last_pass = time.time()
        return total

    # ------------------------------------------------------------ rules

    def reload_rules(self, *, force: bool = False) -> bool:
        """Reload the rules when their files changed; keep the last good set on error."""
        fingerprint = _fingerprint(self.config.rules)
        if not force and fingerprint == self._rules_fingerprint:
            return False
        self._rules_fingerprint = fingerprint
        try:
            rules = load_rule_set(self.config)
        except RuleError as exc:
            self.rules_error = str(exc)
            log.error("rules not reloaded, the previous rules stay in force:\n%s", exc)
            return False
        self.rules, self.rules_error = rules, None
        self.rules_loaded_at = time.time()
        log.info("rules reloaded: %d rules", len(rules.rules))
        return True

    # ------------------------------------------------------------ the service

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set: sources on their intervals, file events, the outbox."""
        scheduler = Scheduler()
        for source_id, source in self.sources.items():
            jitter = 0.1 if source.interval >= 60 else 0.0
            scheduler.every(f"source:{source_id}", source.interval,
                            _bound(self.poll_source, source_id), jitter=jitter)
        scheduler.every("deliver", self.config.delivery.interval, self.deliver)
        scheduler.every("rules", 1.0, self._reload_job, now=False)
        scheduler.every("prune", PRUNE_EVERY, self._prune, now=False)
        scheduler.every("pass", 5.0, self._mark_pass)
        watchers = [asyncio.create_task(self._watch(sid, s)) for sid, s in self.sources.items()]
        scheduler.start()
        log.info("running; stop with Ctrl-C or SIGTERM")
        try:
            await stop.wait()
        finally:
            scheduler.shutdown()
            for task in watchers:
                task.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
            log.info("stopped")

    async def _watch(self, source_id: str, source: Source) -> None:
        changes = source.changes()
        if changes is None:
            return
        try:
            async for _ in changes:
                await self.poll_source(source_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("file events for source %r stopped; rescans continue", source_id)

    async def _reload_job(self) -> None:
        self.reload_rules()

    async def _mark_pass(self) -> None:
        self.last_pass = time.time()

    async def _prune(self) -> None:
        removed = self.store.prune(time.time() - self.config.retention)
        log.info("pruned %d old rows from the state", removed)


def _bound(func: Any, arg: str) -> Any:
    async def job() -> None:
        await func(arg)

    return job


def _fingerprint(path: Path) -> tuple[tuple[str, int, int], ...]:
    files = [path] if path.is_file() else sorted(path.rglob("*.yaml")) if path.is_dir() else []
    out = []
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        out.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(out)
