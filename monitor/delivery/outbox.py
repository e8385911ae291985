"""The Outbox: sends what the store says is due, and remembers what went out.

Every match becomes delivery rows in the store before anything is sent (the daemon calls
`store.add_alert`). `Outbox.start` (the daemon, each
`delivery.interval`) or `Outbox.run_once` (which also waits) then, for each notifier in a lane
of its own (a stalled webhook holds up no mail),

* sends each due immediate delivery through its notifier;
* sends each digest whose window has closed (`hourly`, `daily`, `weekly` or a cron
  expression): one message per notifier and window, nothing when the window is empty;
  the last window sent is kept in the store (`digest:<notifier>:<schedule>`), so a
  restart neither loses nor repeats a digest;
* marks successes delivered (never sent again); retries failures with exponential
  backoff and jitter, honouring a server's Retry-After; gives up (status failed, listed
  by `monitor alerts --failed`) on a permanent error or after `max_attempts`.

A notifier failure never escapes `run_once`: it is logged with the notifier and alert.

Several daemons on one state send through the same outbox: a notifier's lane runs on the
node that takes its lease (`Lanes`), which checks it still holds it before every send, so
a node that hung and wakes up after another took over sends nothing that one sends.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from monitor.config import DeliveryConfig
from monitor.delivery.base import Notifier
from monitor.delivery.digest import last_close, validate_digest, window_title, zone
from monitor.delivery.render import one_line
from monitor.errors import ConfigError, DeliveryError
from monitor.models import Alert
from monitor.store.base import Delivery, Store
from monitor.wording import counted

log = logging.getLogger(__name__)

BATCH = 200  # immediate deliveries read from the store at a time
MAX_RETRY_AFTER = 86400.0  # a server asking for more than a day is capped at a day
THROTTLE_DIGEST = "hourly"


class Lanes(Protocol):
    """Which notifiers this process may send for (the daemon's node and its leases)."""

    def take_lane(self, notifier: str) -> bool:
        """Whether this process may send for `notifier` now (then it holds the lane)."""
        ...

    def keep_lane(self, notifier: str) -> bool:
        """Whether it still holds the lane (asked before every send)."""
        ...

    def give_lane(self, notifier: str) -> None:
        """The lane's pass is over."""
        ...


class OwnLanes:
    """One process on its own state: every lane is its own."""

    def take_lane(self, notifier: str) -> bool:
        return True

    def keep_lane(self, notifier: str) -> bool:
        return True

    def give_lane(self, notifier: str) -> None:
        return None


class Outbox:
    """Drives the notifiers from the store's delivery rows."""

    def __init__(
        self, store: Store, notifiers: Mapping[str, Notifier], config: DeliveryConfig,
        lanes: Lanes | None = None,
    ) -> None:
        self.store = store
        self.lanes = lanes or OwnLanes()
        self.notifiers = notifiers
        self.config = config
        try:
            self.zone = zone(config.timezone)
        except ValueError as exc:
            raise ConfigError(f"delivery.timezone: {exc}") from exc
        self.rng = random.Random()
        self._lanes: dict[str, asyncio.Task[int]] = {}  # the notifiers sending right now
        # Per-rule `max_per_hour` from the rule files, overriding `config.max_per_hour`;
        # the daemon sets it at start and after each rule reload.
        self.rule_limits: dict[str, int] = {}
        self.stopping = False  # set on SIGTERM: finish the send in flight, start no other
        self.unrecorded: list[int] = []  # sent, but the state file could not record it yet

    def stop(self) -> None:
        """SIGTERM: finish the send in flight, start no other."""
        self.stopping = True

    def limit_rules(self, limits: Mapping[str, int]) -> None:
        """The rules' own `max_per_hour` (rule id -> limit), set again at each reload."""
        self.rule_limits = dict(limits)

    async def run_once(self, now: float | None = None) -> int:
        """Send what is due at `now` (default: the current time) and wait until it is
        sent; return how many deliveries succeeded."""
        lanes = self.start(now)
        return sum(await asyncio.gather(*lanes))

    def start(self, now: float | None = None) -> list[asyncio.Task[int]]:
        """Start sending what is due at `now`, without waiting: each notifier in a lane of
        its own, so a slow one (a webhook trickling its answer) holds up no other. A
        notifier whose lane is still busy is left to it; the new lanes are returned."""
        now = time.time() if now is None else now
        if self.stopping or not self._record([], now):
            return []
        names = {*self.notifiers, *(n for n, _ in self.store.pending_digests())}
        names.update(r.notifier for r in self.store.due_deliveries(now, limit=BATCH))
        started = []
        for name in sorted(names):
            if name not in self._lanes and self.lanes.take_lane(name):
                lane = asyncio.create_task(self._lane(name, now), name=f"deliver:{name}")
                lane.add_done_callback(self._lane_done)
                self._lanes[name] = lane
                started.append(lane)
        return started

    def _lane_done(self, lane: asyncio.Task[int]) -> None:
        name = lane.get_name().removeprefix("deliver:")
        if self._lanes.get(name) is lane:
            del self._lanes[name]
        if not lane.cancelled() and lane.exception() is not None:  # e.g. the state file
            log.error("notifier %r: the delivery pass failed; it is tried again at the next pass",
                      name, exc_info=lane.exception())

    @property
    def busy(self) -> bool:
        """Whether a send is under way."""
        return bool(self._lanes)

    async def abandon(self) -> None:
        """On stop: cancel the sends still under way (they are done again at the next
        start, with the same ids) and say which."""
        lanes = list(self._lanes.items())
        for name, lane in lanes:
            log.warning("stopping: notifier %r is still sending; its delivery is abandoned "
                        "and sent again at the next start", name)
            lane.cancel()
        await asyncio.gather(*(lane for _, lane in lanes), return_exceptions=True)

    async def _lane(self, name: str, now: float) -> int:
        try:
            sent = await self._immediate(name, now)
            for notifier, spec in self.store.pending_digests():
                if self.stopping:
                    break
                if notifier == name:
                    sent += await self._digest(name, spec, now)
            return sent
        finally:
            self.lanes.give_lane(name)

    # ------------------------------------------------------------ immediate

    async def _immediate(self, name: str, now: float) -> int:
        sent = 0
        seen: set[int] = set()  # a row retried "now" (backoff 0) is not sent twice per pass
        while not self.stopping and not self.unrecorded:
            due = self.store.due_deliveries(now, limit=BATCH, notifier=name)
            due = [r for r in due if r.id not in seen]
            if not due:
                break
            seen.update(r.id for r in due)
            sent += await self._send_rows(name, self._throttle(due, now), now)
        return sent

    def _throttle(self, rows: Sequence[Delivery], now: float) -> list[Delivery]:
        """Rows to send now; beyond `max_per_hour` per notifier and rule, the rest go to
        the next hourly digest."""
        if self.config.max_per_hour is None and not self.rule_limits:
            return list(rows)
        counts: dict[tuple[str, str], int] = {}
        keep: list[Delivery] = []
        overflow: list[Delivery] = []
        for row in rows:
            limit = self.rule_limits.get(row.alert.rule, self.config.max_per_hour)
            key = (row.notifier, row.alert.rule)
            if limit is not None and key not in counts:
                counts[key] = self.store.count_delivered(*key, now - 3600)
            if limit is None or counts[key] < limit:
                counts[key] = counts.get(key, 0) + 1
                keep.append(row)
            else:
                overflow.append(row)
        if overflow:
            self.store.move_to_digest([r.id for r in overflow], THROTTLE_DIGEST)
            log.info(
                "%d alert(s) over their rule's max_per_hour folded into the next hourly digest",
                len(overflow),
            )
        return keep

    async def _send_rows(self, name: str, rows: Sequence[Delivery], now: float) -> int:
        notifier = self._notifier(name, rows) if rows else None
        if notifier is None:
            return 0
        sent = 0
        for batch in _batches(notifier, rows):
            if self.stopping or not self.lanes.keep_lane(name):
                break
            try:
                if len(batch) == 1:
                    await notifier.send(self.current(batch[0].alert))
                else:  # one article, several rules: one message listing them all
                    title = one_line(batch[0].alert.document.title, 200) or "(untitled)"
                    await notifier.send_digest([self.current(r.alert) for r in batch], title)
            except Exception as exc:  # a notifier bug must not stop the outbox
                self._failed(name, batch, _as_delivery_error(name, exc), now)
                continue
            sent += len(batch)
            if not self._record([r.id for r in batch], now):
                break
        return sent

    def _record(self, ids: Sequence[int], now: float) -> bool:
        """Mark sent rows delivered, with any the state file could not take before. When it
        still cannot (a full disk), keep them in memory and return False: nothing more is
        sent until they are recorded, so nothing is sent twice."""
        pending = [*self.unrecorded, *ids]
        if not pending:
            return True
        try:
            self.store.mark_delivered(pending, now)
        except Exception as exc:
            if not self.unrecorded:
                log.error("%d sent alert(s) cannot be recorded in the state file (%s); "
                          "nothing more is sent until they can", len(pending), exc)
            self.unrecorded = pending
            return False
        if self.unrecorded:
            log.info("the state file records deliveries again; sending resumes")
        self.unrecorded = []
        return True

    def _notifier(self, name: str, rows: Sequence[Delivery]) -> Notifier | None:
        notifier = self.notifiers.get(name)
        if notifier is None:
            error = f"no notifier named {name!r} in the configuration"
            self.store.mark_failed([r.id for r in rows], error)
            log.warning("%s: %d delivery(ies) marked failed", error, len(rows))
        return notifier

    def current(self, alert: Alert) -> Alert:
        """The alert as it goes out: with its story's outlets as known now; a copy attached
        to a story is sent as the story's alert (the Atom entry it updates)."""
        if alert.story is None:
            return alert
        try:
            lead = self.store.get_alert(alert.attached_to) if alert.attached_to else None
            alert = lead or alert
            outlets = tuple(self.store.story_outlets(alert.story or ""))
        except Exception as exc:  # the alert still goes out, without its story
            log.warning("alert %s: cannot read its story (%s)", alert.id, exc)
            return alert
        return alert.model_copy(update={"outlets": outlets})

    # ------------------------------------------------------------ digests

    async def _digest(self, name: str, spec: str, now: float) -> int:
        try:
            validate_digest(spec)
        except ValueError as exc:
            rows = self.store.digest_deliveries(name, spec)
            self.store.mark_failed([r.id for r in rows], str(exc))
            log.warning("notifier %r: %s; %d delivery(ies) marked failed", name, exc, len(rows))
            return 0
        close = last_close(spec, datetime.fromtimestamp(now, self.zone))
        key = f"digest:{name}:{spec}"
        state = self.store.get_state(key)
        if float(state.get("last_close", 0.0)) >= close.timestamp():
            return 0  # this window was already sent
        rows = [
            r for r in self.store.digest_deliveries(name, spec) if r.created < close.timestamp()
        ]
        if rows and min(r.next_attempt for r in rows) > now:
            return 0  # backing off after a failure
        if not self.lanes.keep_lane(name):
            return 0  # another node took the notifier over: it sends this window
        notifier = self._notifier(name, rows) if rows else None
        title = window_title(spec, close)
        if notifier is not None:
            try:
                await notifier.send_digest([self.current(r.alert) for r in rows], title)
            except Exception as exc:  # a notifier bug must not stop the outbox
                self._failed(name, rows, _as_delivery_error(name, exc), now)
                return 0
            if not self._record([r.id for r in rows], now):
                return len(rows)
            log.info("notifier %r: sent %s with %d alert(s)", name, title, len(rows))
        self.store.set_state(key, {"last_close": close.timestamp(), "title": title})
        return len(rows) if notifier is not None else 0

    # ------------------------------------------------------------ failures

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the `attempt`-th failed attempt (1-based): `backoff`
        doubling up to `backoff_max`, with jitter; at least the server's Retry-After."""
        base = min(self.config.backoff * 2 ** min(attempt - 1, 60), self.config.backoff_max)
        delay: float = base * self.rng.uniform(0.5, 1.0)
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
        return delay

    def _failed(self, name: str, rows: Sequence[Delivery], exc: DeliveryError, now: float) -> None:
        ids = [r.id for r in rows]
        attempts = max(r.attempts for r in rows) + 1
        what = _describe(rows)
        if not exc.retryable or attempts >= self.config.max_attempts:
            self.store.mark_failed(ids, str(exc))
            why = ("permanent error" if not exc.retryable
                   else counted(attempts, "attempt"))
            log.warning(
                "%s: giving up on %s (%s); `monitor alerts --retry` sends it again", exc, what, why
            )
            return
        delay = self.backoff(attempts, exc.retry_after)
        self.store.mark_retry(ids, str(exc), now + delay)
        log.warning(
            "%s: %s not delivered (attempt %d of %d); next try in %.0f s",
            exc,
            what,
            attempts,
            self.config.max_attempts,
            delay,
        )


def _as_delivery_error(name: str, exc: Exception) -> DeliveryError:
    if isinstance(exc, DeliveryError):
        return exc
    log.error("notifier %r failed unexpectedly", name, exc_info=exc)
    return DeliveryError(name, f"unexpected {type(exc).__name__}: {exc}")


def _describe(rows: Sequence[Delivery]) -> str:
    if len(rows) == 1:
        alert = rows[0].alert
        return f"alert {alert.id} (rule {alert.rule!r})"
    return f"a digest of {len(rows)} alerts"


def _batches(notifier: Notifier, rows: Sequence[Delivery]) -> list[list[Delivery]]:
    """The rows to send together: each alone, or, for a notifier that groups by document
    (email with `group: document`), the alerts of one article together."""
    if not getattr(notifier, "group_by_document", False):
        return [[row] for row in rows]
    by_document: dict[str, list[Delivery]] = {}
    for row in rows:
        by_document.setdefault(row.alert.document.id, []).append(row)
    return list(by_document.values())
