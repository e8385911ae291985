"""Prometheus metrics: one registry for the process, plain functions to record into it.

The daemon calls the `record_*` functions; `/metrics` serves `exposition()`. Nothing here
does I/O. Metric names (all prefixed `monitor_`) are listed in docs/operations.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from monitor.models import Alert

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST

# per-document work is in milliseconds; polls and deliveries in seconds
_FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_SLOW = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)

DOCUMENTS = Counter(
    "monitor_documents_ingested",
    "New or changed documents analysed, per source.",
    ["source"],
    registry=REGISTRY,
)
POLLS = Counter(
    "monitor_polls",
    "Polls of a source, per source and result (ok or error).",
    ["source", "result"],
    registry=REGISTRY,
)
POLL_SECONDS = Histogram(
    "monitor_poll_duration_seconds",
    "Time to poll a source and ingest what it returned.",
    ["source"],
    buckets=_SLOW,
    registry=REGISTRY,
)
ANALYSIS_SECONDS = Histogram(
    "monitor_analysis_seconds",
    "Time to analyse one document (language, tokens, lemmas).",
    buckets=_FAST,
    registry=REGISTRY,
)
MATCHING_SECONDS = Histogram(
    "monitor_matching_seconds",
    "Time to match one analysed document against every rule.",
    buckets=_FAST,
    registry=REGISTRY,
)
MATCHES = Counter(
    "monitor_matches",
    "New alerts recorded, per rule.",
    ["rule"],
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "monitor_deliveries",
    "Alerts delivered, per notifier (a digest counts each alert).",
    ["notifier"],
    registry=REGISTRY,
)
DELIVERY_FAILURES = Counter(
    "monitor_delivery_failures",
    "Failed delivery attempts, per notifier.",
    ["notifier"],
    registry=REGISTRY,
)
RULE_RELOADS = Counter(
    "monitor_rule_reloads",
    "Reloads of the rule files, per result (ok or error).",
    ["result"],
    registry=REGISTRY,
)
RULES = Gauge("monitor_rules", "Rules in force.", registry=REGISTRY)
LAST_PASS = Gauge(
    "monitor_last_pass_timestamp_seconds",
    "Unix time the scheduler last completed a pass.",
    registry=REGISTRY,
)


def exposition() -> bytes:
    """The registry in the Prometheus text format (serve with CONTENT_TYPE)."""
    return generate_latest(REGISTRY)


@contextmanager
def timed(histogram: Histogram, **labels: str) -> Iterator[None]:
    """Observe the time the `with` body takes (also when it raises)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        target = histogram.labels(**labels) if labels else histogram
        target.observe(time.perf_counter() - start)


def record_poll(source: str, seconds: float, *, ok: bool) -> None:
    """A poll of `source` finished (ok) or failed."""
    POLLS.labels(source=source, result="ok" if ok else "error").inc()
    POLL_SECONDS.labels(source=source).observe(seconds)


def record_document(source: str) -> None:
    """A new or changed document from `source` was analysed."""
    DOCUMENTS.labels(source=source).inc()


def record_match(rule: str) -> None:
    """A rule raised a new alert."""
    MATCHES.labels(rule=rule).inc()


def record_reload(*, ok: bool, rules: int | None = None) -> None:
    """The rule files were reloaded (ok) or found invalid; `rules` is the count in force."""
    RULE_RELOADS.labels(result="ok" if ok else "error").inc()
    if rules is not None:
        RULES.set(rules)


def record_pass(at: float) -> None:
    """The scheduler completed a pass at unix time `at`."""
    LAST_PASS.set(at)


class MeteredNotifier:
    """Wraps an entered notifier: counts what it delivers and what fails, per name.

    It forwards everything else, so the outbox sees the notifier it wrapped.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.name: str = inner.name
        # create the series at start, so a notifier that never failed still shows 0
        DELIVERIES.labels(notifier=self.name)
        DELIVERY_FAILURES.labels(notifier=self.name)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)

    @property
    def last_answer(self) -> str:
        """The wrapped notifier's reply to its last successful send."""
        return str(self._inner.last_answer)

    async def __aenter__(self) -> MeteredNotifier:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def send(self, alert: Alert) -> None:
        """Deliver one alert through the wrapped notifier."""
        try:
            await self._inner.send(alert)
        except Exception:
            DELIVERY_FAILURES.labels(notifier=self.name).inc()
            raise
        DELIVERIES.labels(notifier=self.name).inc()

    async def send_digest(self, alerts: Sequence[Alert], title: str) -> None:
        """Deliver a digest through the wrapped notifier."""
        try:
            await self._inner.send_digest(alerts, title)
        except Exception:
            DELIVERY_FAILURES.labels(notifier=self.name).inc()
            raise
        DELIVERIES.labels(notifier=self.name).inc(len(alerts))
