"""Wires config -> sources -> analysis -> matching -> alerts -> delivery.

`Daemon` owns every long-lived resource in one AsyncExitStack. `run_once()` is one pass
(what `monitor run --once` does); `run()` hands the same steps to the scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from typing import Any

from monitor import health, metrics
from monitor.config import Config
from monitor.dashboard import add_dashboard
from monitor.delivery import build_notifier
from monitor.delivery.base import Notifier
from monitor.delivery.outbox import Outbox
from monitor.errors import MonitorError
from monitor.feed_alerts import HealthEvent, feed_healths, health_events
from monitor.live_rules import LiveRules
from monitor.matching import RuleSet
from monitor.models import Alert, Document
from monitor.pipeline import make_alerts
from monitor.registry import Resources
from monitor.scheduler import Scheduler
from monitor.sources import build_source
from monitor.sources.base import Source
from monitor.sources.http import FeedHttp
from monitor.store import Store, open_store
from monitor.web import WebServer, add_health_routes, feeds_folder

log = logging.getLogger(__name__)

PRUNE_EVERY = 86400.0
PRUNE_KEY = "prune"  # the state key of the last prune's time
STOP_GRACE = 5.0  # seconds work in flight may take to finish after SIGTERM
HEALTH_EVERY = 60.0
HEALTH_STATE = "health-alerts"
MATCH_BATCH = 32  # documents handed to the matching thread at a time


class Daemon:
    """The running service. Use as `async with Daemon(config) as d: await d.run(stop)`."""

    def __init__(
        self,
        config: Config,
        *,
        store: Store | None = None,
        http: FeedHttp | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`store` and `http` default to those the config describes, made and closed by the
        daemon; given ones belong to the caller, who opens and closes them."""
        self.config = config
        self.live: LiveRules  # the rule set in force
        self.store: Store
        self._given_store = store
        self.http = http or FeedHttp.from_config(config.feeds)
        self._own_http = http is None
        self.clock = clock
        self.sources: dict[str, Source] = {}
        self.notifiers: dict[str, Notifier] = {}
        self.outbox: Outbox
        self._stack = AsyncExitStack()
        self._source_locks: dict[str, asyncio.Lock] = {}
        self._deliver_lock = asyncio.Lock()  # one outbox pass at a time, or rows go out twice
        self._stopped = asyncio.Event()  # ends the rules folder's watcher
        self.last_pass: float = 0.0
        self.started = self.clock()
        self.scheduler_running = False
        self.polls = health.PollLog()
        self._stopping = False  # SIGTERM: finish the document or send in hand, start nothing
        self._inflight = 0  # polls and outbox passes under way
        self._unstored: dict[str, list[Document]] = {}  # the state file could not take them
        # matching runs in one thread of its own (MATCH_BATCH documents per hand-over), so the
        # event loop (health page, deliveries, other sources) keeps moving while documents
        # are matched, even when a language's prefilter is built first (seconds, 100k rules)
        self._matcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="matcher")

    async def __aenter__(self) -> Daemon:
        config = self.config
        self.live = LiveRules(config, self._rules_reloaded)  # invalid rules here are fatal
        self._stack.callback(self._matcher.shutdown, wait=True, cancel_futures=True)
        try:
            self.store = self._given_store or self._opened_store()
            if self._own_http:
                await self._stack.enter_async_context(self.http)
            ctx = Resources(store=self.store, http=self.http, clock=self.clock,
                            languages=tuple(config.languages), feeds=config.feeds,
                            templates=config.templates)
            for cfg in config.sources:
                if cfg.enabled:
                    source = build_source(cfg, ctx)
                    self.sources[cfg.id] = await self._stack.enter_async_context(source)
                    self._source_locks[cfg.id] = asyncio.Lock()
            for ncfg in config.notifiers:
                notifier = build_notifier(ncfg, ctx)
                entered = await self._stack.enter_async_context(notifier)
                self.notifiers[ncfg.name] = metrics.MeteredNotifier(entered)
            self.outbox = Outbox(self.store, self.notifiers, config.delivery)
            self._rules_reloaded(self.live.current)
            if config.http.enabled:
                server = WebServer(config.http, feeds=feeds_folder(config))
                add_health_routes(server, self.health)
                add_dashboard(server, config, lambda: self.live.current)  # the last route
                await self._stack.enter_async_context(server)
        except BaseException:
            await self._stack.aclose()
            raise
        metrics.RULES.set(len(self.live.current.rules))
        log.info(
            "started: %d sources, %d rules, %d notifiers, state %s",
            len(self.sources), len(self.live.current.rules), len(self.notifiers), config.state,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    def _opened_store(self) -> Store:
        store = open_store(self.config)
        self._stack.callback(store.close)
        return store

    # ------------------------------------------------------------ the pipeline

    async def ingest(self, source_id: str, docs: list[Document]) -> int:
        """Match the documents not seen before (each text once) and record their alerts in
        the outbox; return the number of new alerts.

        Alerts are recorded before a document is marked as seen, so a crash in between
        re-matches it on the next start (the store ignores alerts it already has).
        Documents go to the matching thread MATCH_BATCH at a time: handing each one over
        on its own cost about a fifth more time.
        """
        count = 0
        for first in range(0, len(docs), MATCH_BATCH):
            if self._stopping:  # the rest is read again at the next start
                log.info("stopping: %d document(s) of %r left for the next start",
                         len(docs) - first, source_id)
                break
            batch = docs[first : first + MATCH_BATCH]
            try:
                fresh = [(first + i, d) for i, d in enumerate(batch) if self._is_new(d)]
            except (sqlite3.OperationalError, OSError) as exc:
                self._keep(source_id, docs[first:], exc)
                break
            rules = self.live.current
            results = await asyncio.get_running_loop().run_in_executor(
                self._matcher, _alerts_or_errors, rules, [d for _, d in fresh],
                self.config.languages,
            )
            for (at, doc), result in zip(fresh, results, strict=True):
                try:
                    if isinstance(result, Exception):
                        raise result
                    count += self._record(rules, doc, result)
                except MonitorError as exc:
                    log.warning("source %r, document %s: %s", source_id, doc.id, exc,
                                extra={"source": source_id, "document": doc.id})
                except (sqlite3.OperationalError, OSError) as exc:  # e.g. its disk is full
                    self._keep(source_id, docs[at:], exc)
                    return count
                except Exception:  # one odd document must not cost the rest of the batch
                    log.exception("source %r, document %s: skipped after an unexpected "
                                  "error", source_id, doc.id,
                                  extra={"source": source_id, "document": doc.id})
            await asyncio.sleep(0)  # a batch of documents seen before awaits nothing else
        return count

    def _is_new(self, doc: Document) -> bool:
        """Whether the document's text was not matched before (then it is counted)."""
        if self.store.document_status(doc) not in ("new", "changed"):
            return False
        metrics.record_document(doc.source)
        return True

    def _record(self, rules: RuleSet, doc: Document, alerts: list[Alert]) -> int:
        """Put a matched document's alerts in the outbox, then mark it seen."""
        recorded = 0
        for alert in alerts:
            rule = rules.rules[alert.rule]
            names = rule.notify if rule.notify is not None else tuple(self.notifiers)
            targets = [(name, rule.digest) for name in names if name in self.notifiers]
            if self.store.add_alert(alert, targets):
                recorded += 1
                metrics.record_match(alert.rule)
                log.info("match: rule %s on %s: %s", alert.rule, doc.id, doc.title[:120],
                         extra={"rule": alert.rule, "source": doc.source, "document": doc.id})
        self.store.put_document(doc)
        return recorded

    def _keep(self, source_id: str, docs: list[Document], exc: Exception) -> None:
        """The state file cannot be written: keep the documents for the next poll."""
        self._unstored[source_id] = docs
        log.error("source %r: the state file cannot be written (%s); %d document(s) kept "
                  "for the next poll", source_id, exc, len(docs), extra={"source": source_id})

    async def poll_source(self, source_id: str) -> int:
        """Poll one source and ingest what it returns; return the number of new alerts."""
        source = self.sources[source_id]
        if self._stopping:
            return 0
        async with self._source_locks[source_id], self._busy():
            started = time.monotonic()
            try:
                docs = await source.poll()
            except MonitorError as exc:
                log.warning("%s", exc, extra={"source": source_id})
                self._record_poll(source_id, started, error=str(exc))
                return 0
            except Exception as exc:
                log.exception("source %r failed unexpectedly", source_id,
                              extra={"source": source_id})
                self._record_poll(source_id, started, error=f"unexpected error: {exc!r}")
                return 0
            docs = self._unstored.pop(source_id, []) + docs
            count = await self.ingest(source_id, docs)
            self._record_poll(source_id, started, documents=len(docs))
        if count:
            await self.deliver()
        return count

    async def deliver(self) -> int:
        """Send whatever the outbox has due (in the service, start sending it)."""
        if self.scheduler_running:  # each notifier in a lane of its own, not waited for
            self.outbox.start()
            return 0
        async with self._deliver_lock, self._busy():
            if self._stopping:
                return 0
            return await self.outbox.run_once()

    @contextlib.asynccontextmanager
    async def _busy(self) -> AsyncIterator[None]:
        self._inflight += 1
        try:
            yield
        finally:
            self._inflight -= 1

    async def _finish_work(self) -> None:
        """On stop: let the poll or send in flight finish (up to STOP_GRACE seconds)."""
        self._stopping = True
        self.outbox.stopping = True
        deadline = time.monotonic() + STOP_GRACE
        while (self._inflight or self.outbox.busy) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await self.outbox.abandon()
        if self._inflight:
            log.warning("stopping: work still busy after %.0f s is abandoned; it is done "
                        "again at the next start", STOP_GRACE)

    async def run_once(self, progress: Callable[[], None] | None = None) -> int:
        """Poll every source once (all at the same time: the HTTP limits keep it polite),
        then deliver; return the number of new alerts. `progress()` is called as each
        source finishes."""

        async def poll(source_id: str) -> int:
            count = await self.poll_source(source_id)
            if progress is not None:
                progress()
            return count

        total = sum(await asyncio.gather(*map(poll, self.sources)))
        await self.deliver()
        await self._prune_if_due()
        self.last_pass = self.clock()
        metrics.record_pass(self.last_pass)
        self.save_status()
        return total

    def _record_poll(
        self, source_id: str, started: float, *, documents: int = 0, error: str | None = None
    ) -> None:
        metrics.record_poll(source_id, time.monotonic() - started, ok=error is None)
        if error is None:
            self.polls.ok(source_id, self.clock(), documents)
        else:
            self.polls.failed(source_id, self.clock(), error)

    # ------------------------------------------------------------ health

    def health(self) -> tuple[int, dict[str, Any]]:
        """The `/healthz` answer: (200 or 503, a JSON-able body with the reason)."""
        return health.healthz(running=self.scheduler_running, last_pass=self.last_pass)

    def status(self) -> dict[str, Any]:
        """What `monitor status` shows about the running daemon (JSON-able)."""
        sources = {sid: health.source_status(self.polls.of(sid), _source_health(s))
                   for sid, s in self.sources.items()}
        return health.snapshot(
            started=self.started, running=self.scheduler_running, last_pass=self.last_pass,
            rules=len(self.live.current.rules), rules_loaded_at=self.live.loaded_at,
            rules_error=self.live.error, sources=sources,
        )

    def save_status(self) -> None:
        """Save `status()` in the store for `monitor status`; a failure is only logged."""
        try:
            self.store.set_state(health.STATUS_KEY, self.status())
        except Exception:
            log.exception("could not save the status that `monitor status` shows")

    # ------------------------------------------------------------ rules

    def _rules_reloaded(self, rules: RuleSet) -> None:
        """A new rule set is in force: the outbox throttles by its rules' `max_per_hour`."""
        self.outbox.rule_limits = {
            r.id: r.max_per_hour for r in rules.rules.values() if r.max_per_hour is not None
        }

    # ------------------------------------------------------------ the service

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set: sources on their intervals, file events, the outbox."""
        scheduler = Scheduler()
        for source_id, source in self.sources.items():
            jitter = 0.1 if source.interval >= 60 else 0.0
            scheduler.every(f"source:{source_id}", source.interval,
                            functools.partial(self._poll_job, source_id), jitter=jitter)
        scheduler.every("deliver", self.config.delivery.interval, self.deliver)
        scheduler.every("rules", 1.0, self.live.reload, now=False)  # missed file events
        scheduler.every("prune", min(PRUNE_EVERY, 3600.0), self._prune_if_due)
        scheduler.every("pass", 5.0, self._mark_pass)
        scheduler.every("health", HEALTH_EVERY, self.check_health, now=False)
        scheduler.every("status", health.SNAPSHOT_EVERY, self._save_status_job)
        watchers = [asyncio.create_task(self._watch(sid, s)) for sid, s in self.sources.items()]
        watchers.append(asyncio.create_task(self.live.watch(self._stopped)))
        scheduler.start()
        self.scheduler_running = True
        log.info("running; stop with Ctrl-C or SIGTERM")
        try:
            await stop.wait()
        finally:
            await self._finish_work()
            self._stopped.set()
            scheduler.shutdown()
            self.scheduler_running = False
            self.save_status()
            for task in watchers:
                task.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
            log.info("stopped")

    async def _poll_job(self, source_id: str) -> None:
        try:
            await self.poll_source(source_id)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # cancelled at the end of a stop's grace period (a long poll or match): what
            # was in hand is read and matched again at the next start, as already logged

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

    async def check_health(self, now: float | None = None) -> list[HealthEvent]:
        """Report feeds failing for longer than `feeds.alert_after` (once), and recoveries."""
        now = self.clock() if now is None else now
        reported: dict[str, float] = self.store.get_state(HEALTH_STATE)
        events: list[HealthEvent] = []
        for source in self.sources.values():
            for feed in feed_healths(source.health()):
                events += health_events(feed, reported, now, self.config.feeds.alert_after)
        for event in events:
            targets = [(name, "immediate") for name in self.notifiers]
            self.store.add_alert(event.alert, targets)
            if event.kind == "failing":
                reported[event.feed] = event.since
                log.warning("%s", event.alert.document.title, extra={"source": event.feed})
            else:
                reported.pop(event.feed, None)
                log.info("%s", event.alert.document.title, extra={"source": event.feed})
        if events:
            self.store.set_state(HEALTH_STATE, reported)
            await self.deliver()
        return events

    async def _mark_pass(self) -> None:
        self.last_pass = self.clock()
        metrics.record_pass(self.last_pass)

    async def _save_status_job(self) -> None:
        self.save_status()

    async def prune(self) -> int:
        """Drop what is older than `retention` from the state; return the rows removed."""
        removed = self.store.prune(self.clock() - self.config.retention)
        self.store.set_state(PRUNE_KEY, {"at": self.clock()})
        log.info("pruned %d old rows from the state", removed)
        return removed

    async def _prune_if_due(self) -> None:
        """Prune once PRUNE_EVERY has passed since the last prune, as recorded in the state:
        a daemon restarted every night, or `run --once` from cron, prunes too."""
        last = float(self.store.get_state(PRUNE_KEY).get("at") or 0.0)
        if self.clock() - last >= PRUNE_EVERY:
            await self.prune()


def _alerts_or_errors(
    rules: RuleSet, docs: list[Document], languages: Sequence[str]
) -> list[list[Alert] | Exception]:
    """Each document's alerts, or the error matching it raised (in the matching thread)."""
    out: list[list[Alert] | Exception] = []
    for doc in docs:
        try:
            out.append(make_alerts(rules, doc, languages))
        except Exception as exc:
            out.append(exc)
    return out


def _source_health(source: Source) -> dict[str, Any]:
    try:
        return dict(source.health())
    except Exception as exc:  # a status page must not fail because of one source
        return {"health_error": repr(exc)}
