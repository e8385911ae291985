"""The daemon's lifecycle: wiring config -> sources -> ingest -> outbox, start and stop.

`Daemon` owns every long-lived resource in one AsyncExitStack. `run_once()` is one pass
(what `monitor run --once` does); `run()` hands the same steps to the scheduler until
stopped. The steps live in their own modules: ingest.py (documents to alerts),
live_rules.py, scheduler.py (the job table), status.py, feed_alerts.py and pruning.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

from monitor import metrics
from monitor.cluster import START_WAIT, open_coordinator
from monitor.config import Config
from monitor.delivery.base import Notifier
from monitor.delivery.outbox import Outbox
from monitor.delivery.routing import everyone, open_notifiers
from monitor.errors import MonitorError
from monitor.matching import RuleSet
from monitor.matching.cached import keep_prepared
from monitor.registry import Resources
from monitor.secrets_env import unset_secrets
from monitor.service import pruning
from monitor.service.feed_alerts import HealthEvent, healths_of, report_feeds
from monitor.service.ingest import Ingest
from monitor.service.live_rules import LiveRules
from monitor.service.nodes import Node
from monitor.service.queue import SharedQueue
from monitor.service.scheduler import job_table, watch_source
from monitor.service.state_buffer import StateBuffer, saved_keys
from monitor.service.status import ServiceStatus
from monitor.service.timings import Timings
from monitor.service.turns import Turns
from monitor.service.work import Work
from monitor.sources import build_source
from monitor.sources.base import Source
from monitor.sources.http import FeedHttp
from monitor.store import Store, open_store
from monitor.stories.keeper import story_keeper
from monitor.web import WebServer, add_health_routes, feeds_folder
from monitor.wording import counted
from monitor.workers import worker_count

log = logging.getLogger(__name__)
SETTLE_TRIES = 3  # waits for files still being written, in one `run --once` pass
SETTLE_WAIT_MAX = 30.0  # seconds; a longer `settle` leaves the file to the next pass


class Daemon:
    """The running service. Use as `async with Daemon(config) as d: await d.run(stop)`.

    `store` and `http` default to those the config describes, made and closed by the
    daemon; given ones belong to the caller. `clock` is unix time now; `timings` the
    intervals of the service's own jobs and the grace period of a stop.
    """

    def __init__(self, config: Config, *, store: Store | None = None,
                 http: FeedHttp | None = None, clock: Callable[[], float] = time.time,
                 timings: Timings | None = None) -> None:
        self.config = config
        self.timings = timings or Timings()
        self.clock = clock
        self.live: LiveRules  # the rule set in force
        self.store: Store
        self.ingest: Ingest
        self.outbox: Outbox
        self.node: Node  # this daemon among the nodes sharing the state
        self.queue: SharedQueue  # the documents any node matches (a shared state only)
        self.states: StateBuffer | None = None  # the sources' states (a shared state only)
        self.sources: dict[str, Source] = {}
        self.notifiers: dict[str, Notifier] = {}
        self.vitals = ServiceStatus(clock)
        self._given_store = store
        self._http = http
        self._stack = AsyncExitStack()
        self._source_locks: dict[str, asyncio.Lock] = {}
        self._stopped = asyncio.Event()  # ends the rules folder's watcher
        self.work = Work()  # polls and outbox passes under way; the graceful stop

    async def __aenter__(self) -> Daemon:
        try:
            await self._open()
        except BaseException:
            await self._stack.aclose()
            raise
        metrics.current().rules.set(len(self.live.current.rules))
        for warning in unset_secrets(self.config):
            log.warning("%s", warning)
        log.info("started: %s, %s, %s, state %s%s",
                 counted(len(self.sources), "source"),
                 counted(len(self.live.current.rules), "rule"),
                 counted(len(self.notifiers), "notifier"),
                 self.node.where or self.config.state,
                 f", node {self.node.name}" if self.node.shared else "")
        return self

    async def _open(self) -> None:
        """Open every resource once, each on the exit stack (closed in reverse order)."""
        config, stack = self.config, self._stack
        # the coordinator first: a node starting while PostgreSQL restarts waits for it
        coordinator = open_coordinator(config)
        stack.callback(coordinator.close)
        # (a node starting while PostgreSQL restarts waits for it, as the coordinator did)
        self.store = self._given_store or open_store(
            config, wait=START_WAIT if config.state_url else 0.0)
        if self._given_store is None:
            stack.callback(self.store.close)
        self.node = Node(coordinator, config.nodes, self.clock)
        # invalid rules are fatal only when the state keeps no good set to fall back on
        self.live = LiveRules(config, self._rules_reloaded, self.store)
        http = self._http or await stack.enter_async_context(FeedHttp.from_config(config.feeds))
        if self.node.shared:
            self.states = StateBuffer(self.store)
            stack.callback(self.states.flush)  # (a stop flushes before; this is the last try)
        ctx = Resources(store=self.store, http=http, clock=self.clock,
                        languages=tuple(config.languages), feeds=config.feeds,
                        pages=config.pages, templates=config.templates,
                        shared=self.node.shared, states=self.states)
        enabled = [c for c in config.sources if c.enabled]
        if self.states is not None:  # every source's saved state in one query, not 2 each
            keys = saved_keys(c.id for c in enabled)
            self.states.prefetch(keys)
        for cfg in enabled:
            self.sources[cfg.id] = await stack.enter_async_context(build_source(cfg, ctx))
            self._source_locks[cfg.id] = asyncio.Lock()
        if self.states is not None:
            self.states.forget(keys)  # (those no source read: read afresh when wanted)
        self.notifiers = await open_notifiers(config.notifiers, ctx, stack)
        self.outbox = Outbox(self.store, self.notifiers, config.delivery, lanes=self.node)
        self.ingest = Ingest(self.store, lambda: self.live.current, self.notifiers,
                             config.languages, stopping=lambda: self.work.stopping,
                             batch=self.timings.match_batch,
                             stories=story_keeper(config, self.store),
                             workers=worker_count(config.workers))
        stack.callback(self.ingest.close)
        self.queue = SharedQueue(self.node, self.store, self.ingest,
                                 batch=self.timings.match_batch,
                                 stopping=lambda: self.work.stopping,
                                 matched=lambda count: self.deliver_soon())
        self._rules_reloaded(self.live.current)
        if (broken := self.live.start_alert()) is not None:
            self.store.add_alert(broken, everyone(self.notifiers))
        if config.http.enabled:
            folder = feeds_folder(config)
            server = WebServer(config.http, feeds=folder)
            if folder is not None and self.node.shared:  # the feeds kept in the state
                from monitor.delivery.atom_shared import shared_feeds

                server.route("/feeds/", shared_feeds(self.store, folder))
            add_health_routes(server, self.health)
            from monitor.dashboard import add_dashboard  # templates, tester: only with HTTP

            add_dashboard(server, config, lambda: self.live.current)  # the last route
            await stack.enter_async_context(server)

    async def __aexit__(self, *exc: object) -> None:
        if hasattr(self, "live"):  # the next start finds the languages met so far prepared
            keep_prepared(self.live.current)
        await self._stack.aclose()

    def _rules_reloaded(self, rules: RuleSet) -> None:
        """A new rule set is in force: the outbox throttles by its rules' `max_per_hour`;
        the other nodes hear of its content hash."""
        self.node.set_rules(self.config.rules, len(rules.rules))
        self.outbox.limit_rules({r.id: r.max_per_hour for r in rules.rules.values()
                                 if r.max_per_hour is not None})

    # ------------------------------------------------------------ one pass

    async def poll_source(self, source_id: str, *, turn: bool = False) -> int:
        """Poll one source and ingest what it returns; return the number of new alerts.
        With several nodes, only the node holding the source's lease polls it; `turn`
        (a scheduled poll): only when its interval has passed since any node polled it."""
        source = self.sources[source_id]
        if self.work.stopping:
            return 0
        lease = f"source:{source_id}"
        if self.node.take(lease, every=source.interval if turn else 0.0) is None:
            return 0
        try:
            return await self._poll(source_id, source)
        finally:
            if self.states is not None:  # what it saved, before the next node may read it
                self.states.flush()
            self.node.give(lease)

    async def _poll(self, source_id: str, source: Source) -> int:
        async with self._source_locks[source_id], self.work.busy():
            started = time.monotonic()
            try:
                docs = await source.poll()
            except MonitorError as exc:
                log.warning("%s", exc, extra={"source": source_id})
                self.vitals.record_poll(source_id, started, error=str(exc))
                return 0
            except Exception as exc:
                log.exception("source %r failed unexpectedly", source_id,
                              extra={"source": source_id})
                self.vitals.record_poll(source_id, started,
                                         error=f"unexpected error: {exc!r}")
                return 0
            if self.node.shared:  # any node matches them
                docs = self.queue.take_kept(source_id) + docs
                self.queue.put(source_id, docs)
                self.vitals.record_poll(source_id, started, documents=len(docs))
                return 0
            docs = self.ingest.take_kept(source_id) + docs
            count = await self.ingest.ingest(source_id, docs)
            self.vitals.record_poll(source_id, started, documents=len(docs))
        if count:
            await self.deliver()
        return count

    def deliver_soon(self) -> None:
        """In the service, start sending what is due without waiting (else nothing: a
        pass delivers at its end)."""
        if self.vitals.running:
            self.outbox.start()

    async def deliver(self) -> int:
        """Send whatever the outbox has due (in the service, start sending it: each notifier
        in a lane of its own, not waited for)."""
        if self.vitals.running:
            self.outbox.start()
            return 0
        async with self.work.busy():
            return 0 if self.work.stopping else await self.outbox.run_once()

    async def run_once(self, progress: Callable[[], None] | None = None) -> int:
        """Poll every source once (all at the same time: the HTTP limits keep it polite),
        then deliver; return the number of new alerts. `progress()` is called as each
        source finishes. A file still being written is waited for (its folder's `settle`)
        and read in this pass; one still changing after a few waits is left to the next."""

        async def poll(source_id: str) -> int:
            count = await self.poll_source(source_id)
            for _ in range(SETTLE_TRIES):
                wait = self.sources[source_id].settling()
                if wait is None or wait > SETTLE_WAIT_MAX or self.work.stopping:
                    break
                await asyncio.sleep(wait + 0.05)
                count += await self.poll_source(source_id)
            if self.sources[source_id].settling() is not None:
                log.info("source %r: a file still being written is left to the next pass",
                         source_id, extra={"source": source_id})
            if progress is not None:
                progress()
            return count

        total = sum(await asyncio.gather(*map(poll, self.sources)))
        if self.node.shared:
            total += await self.queue.drain()
        await self.deliver()
        self.prune_if_due()
        self.vitals.mark_pass()
        self.save_status()
        return total

    # ------------------------------------------------------------ the service

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set: sources on their intervals, file events, the outbox."""
        scheduler = job_table(self)
        watchers = [asyncio.create_task(watch_source(self, sid, s), name=f"watch:{sid}")
                    for sid, s in self.sources.items()]
        watchers.append(asyncio.create_task(self.live.watch(self._stopped), name="watch:rules"))
        turns = Turns(self.node, {sid: s.interval for sid, s in self.sources.items()},
                      self.poll_turn, room=2 * self.config.feeds.max_concurrent,
                      stopping=lambda: self.work.stopping, states=self.states)
        if self.node.shared:
            self.node.heartbeat()
            watchers.append(asyncio.create_task(self.queue.run(), name="queue"))
            watchers.append(asyncio.create_task(turns.run(), name="turns"))
        scheduler.start()
        self.vitals.running = True
        log.info("running; stop with Ctrl-C or SIGTERM")
        try:
            await stop.wait()
        finally:
            self.outbox.stop()
            await self.work.finish(self.timings.stop_grace, lambda: self.outbox.busy)
            await self.outbox.abandon()
            await turns.end()
            self.node.goodbye()
            self._stopped.set()
            scheduler.shutdown()
            self.vitals.running = False
            self.save_status()
            await self.work.end(watchers, self.timings.stop_grace)
            log.info("stopped")

    async def poll_job(self, source_id: str) -> None:
        """A source's scheduled poll. Cancelled at the end of a stop's grace period, what
        it had in hand is read and matched again at the next start."""
        try:
            await self.poll_source(source_id, turn=True)
        except asyncio.CancelledError:
            if not self.work.stopping:
                raise

    async def poll_turn(self, source_id: str) -> bool:
        """A source's turn claimed by this node (several nodes, service/turns.py): poll it
        (Turns gives the lease back after, which records the turn's end). False when a
        stop came before the poll or cut it short: the turn goes back untaken."""
        if self.work.stopping:
            return False
        try:
            await self._poll(source_id, self.sources[source_id])
        except asyncio.CancelledError:
            if not self.work.stopping:
                raise
            return False
        except Exception:
            log.exception("source %r: its turn failed", source_id, extra={"source": source_id})
        return True

    # ------------------------------------------------------------ jobs and status

    async def check_health(self, now: float | None = None) -> list[HealthEvent]:
        """Report feeds failing for longer than `feeds.alert_after` (once), and recoveries
        (with several nodes, by one of them at a time)."""
        if self.node.take("job:health") is None:
            return []
        try:
            healths = healths_of(self.sources.values(), self.store, shared=self.node.shared)
            events = report_feeds(self.store, healths, self.notifiers,
                                  alert_after=self.config.feeds.alert_after,
                                  now=self.clock() if now is None else now)
        finally:
            self.node.give("job:health")
        if events:
            await self.deliver()
        return events

    async def prune(self) -> int:
        """Drop what is older than `retention` from the state; return the rows removed."""
        return pruning.prune(self.store, self.config.retention, self.clock())

    def prune_if_due(self) -> None:
        """Prune once `timings.prune_every` has passed since the last prune (by one node
        at a time)."""
        if self.node.take("job:prune") is None:
            return
        try:
            pruning.prune_if_due(self.store, self.config.retention, self.clock(),
                                 self.timings.prune_every)
        finally:
            self.node.give("job:prune")

    def save_status(self) -> None:
        """Save `status()` in the store for `monitor status`; a failure is only logged."""
        node = self.node.status() if self.node.shared else None
        others = any(p.alive and p.node != self.node.name for p in self.node.peers)
        self.vitals.save(self.store, self.sources, self.live, node, others_running=others,
                         reports=[p.node for p in self.node.peers])

    def status(self) -> dict[str, Any]:
        """What `monitor status` shows about the running daemon (JSON-able)."""
        return self.vitals.snapshot(self.sources, self.live)

    def health(self) -> tuple[int, dict[str, Any]]:
        """The `/healthz` answer: (200 or 503, a JSON-able body with the reason)."""
        return self.vitals.healthz(self.live.error, self.node.rules_mismatch())

    @property
    def last_pass(self) -> float:
        return self.vitals.last_pass

    @property
    def scheduler_running(self) -> bool:
        return self.vitals.running
