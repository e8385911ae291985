"""Prometheus metrics: one set for the process, plain functions to record into it.

The daemon calls the `record_*` functions; `/metrics` serves `exposition()`. Nothing here
does I/O. Metric names (all prefixed `monitor_`) are listed in docs/operations.md.

The real metrics (monitor/prometheus.py) are made on first use, which imports
prometheus_client (about 0.07 s of CPU). A process in which nothing can read them
(`monitor test`, a daemon without `http`) calls `silence()` first: its metrics are then
stand-ins that drop every record, and prometheus_client is not imported. A worker process
installs its own set with `use()`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, cast

from monitor.models import Alert

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge, Histogram


@dataclass(frozen=True, slots=True)
class Metrics:
    """The process's metrics: prometheus_client's, or stand-ins (`Metrics.off`)."""

    documents: Counter
    polls: Counter
    poll_seconds: Histogram
    analysis_seconds: Histogram
    matching_seconds: Histogram
    matches: Counter
    deliveries: Counter
    delivery_failures: Counter
    rule_reloads: Counter
    rules: Gauge
    last_pass: Gauge

    @classmethod
    def off(cls, **kept: Any) -> Metrics:
        """Metrics that drop every record, but those given by name in `kept`."""
        return cls(**{f.name: kept.get(f.name, _OFF) for f in fields(cls)})


class _Off:
    """A metric nothing reads: every record is dropped."""

    def labels(self, *_: str, **__: str) -> _Off:
        return self

    def inc(self, amount: float = 1) -> None:
        return None

    def observe(self, amount: float) -> None:
        return None

    def set(self, value: float) -> None:
        return None


_OFF = cast(Any, _Off())
_current: Metrics | None = None


def current() -> Metrics:
    """The process's metrics, made real on first use unless `silence()` or `use()` came
    first."""
    global _current
    if _current is None:
        from monitor.prometheus import METRICS

        _current = METRICS
    return _current


def silence() -> None:
    """Nothing in this process can read the metrics: make them stand-ins, without
    importing prometheus_client. Does nothing once the process has its metrics."""
    global _current
    if _current is None:
        _current = Metrics.off()


def use(metrics: Metrics) -> None:
    """Record into `metrics` from now on (a worker process's own set)."""
    global _current
    _current = metrics


def exposition() -> tuple[bytes, str]:
    """The real metrics in the Prometheus text format, and that format's content type."""
    from monitor import prometheus

    return prometheus.exposition(), prometheus.CONTENT_TYPE


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
    m = current()
    m.polls.labels(source=source, result="ok" if ok else "error").inc()
    m.poll_seconds.labels(source=source).observe(seconds)


def record_document(source: str) -> None:
    """A new or changed document from `source` was analysed."""
    current().documents.labels(source=source).inc()


def record_match(rule: str) -> None:
    """A rule raised a new alert."""
    current().matches.labels(rule=rule).inc()


def record_reload(*, ok: bool, rules: int | None = None) -> None:
    """The rule files were reloaded (ok) or found invalid; `rules` is the count in force."""
    m = current()
    m.rule_reloads.labels(result="ok" if ok else "error").inc()
    if rules is not None:
        m.rules.set(rules)


def record_pass(at: float) -> None:
    """The scheduler completed a pass at unix time `at`."""
    current().last_pass.set(at)


class MeteredNotifier:
    """Wraps an entered notifier: counts what it delivers and what fails, per name.

    It forwards everything else, so the outbox sees the notifier it wrapped.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.name: str = inner.name
        # create the series at start, so a notifier that never failed still shows 0
        m = current()
        m.deliveries.labels(notifier=self.name)
        m.delivery_failures.labels(notifier=self.name)

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
        m = current()
        try:
            await self._inner.send(alert)
        except Exception:
            m.delivery_failures.labels(notifier=self.name).inc()
            raise
        m.deliveries.labels(notifier=self.name).inc()

    async def send_digest(self, alerts: Sequence[Alert], title: str) -> None:
        """Deliver a digest through the wrapped notifier."""
        m = current()
        try:
            await self._inner.send_digest(alerts, title)
        except Exception:
            m.delivery_failures.labels(notifier=self.name).inc()
            raise
        m.deliveries.labels(notifier=self.name).inc(len(alerts))
