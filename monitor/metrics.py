"""Prometheus metrics: one registry for the process, plain functions to record into it.

The daemon calls the `record_*` functions; `/metrics` serves `exposition()`. Nothing here
does I/O. Metric names (all prefixed `monitor_`) are listed in docs/operations.md.

The registry and its metrics (monitor/prometheus.py) are made on first use, which imports
prometheus_client (about 0.07 s of CPU). A process in which nothing can read them
(`monitor test`, a daemon without `http`) calls `silence()` first: the metrics are then
no-ops and prometheus_client is not imported.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from monitor.models import Alert

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

    REGISTRY: CollectorRegistry
    CONTENT_TYPE: str
    DOCUMENTS: Counter
    POLLS: Counter
    POLL_SECONDS: Histogram
    ANALYSIS_SECONDS: Histogram
    MATCHING_SECONDS: Histogram
    MATCHES: Counter
    DELIVERIES: Counter
    DELIVERY_FAILURES: Counter
    RULE_RELOADS: Counter
    RULES: Gauge
    LAST_PASS: Gauge

_METRICS = ("DOCUMENTS", "POLLS", "POLL_SECONDS", "ANALYSIS_SECONDS", "MATCHING_SECONDS",
            "MATCHES", "DELIVERIES", "DELIVERY_FAILURES", "RULE_RELOADS", "RULES", "LAST_PASS")


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


def silence() -> None:
    """Nothing in this process can read the metrics: make them no-ops, without importing
    prometheus_client. Does nothing once the real metrics are made."""
    if "DOCUMENTS" not in globals():
        globals().update(dict.fromkeys(_METRICS, _Off()))


def _made() -> dict[str, Any]:
    """The metrics, made real on first use unless `silence()` came first."""
    names = globals()
    if "DOCUMENTS" not in names:
        for name in _METRICS:  # one set already (a worker's stand-ins) is kept
            names.setdefault(name, getattr(_real(), name))
    return names


def __getattr__(name: str) -> Any:
    if name in _METRICS:
        return _made()[name]
    if name in ("REGISTRY", "CONTENT_TYPE"):
        return getattr(_real(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _real() -> Any:
    from monitor import prometheus

    return prometheus


def exposition() -> bytes:
    """The registry in the Prometheus text format (serve with CONTENT_TYPE)."""
    return bytes(_real().exposition())


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
    m = _made()
    m["POLLS"].labels(source=source, result="ok" if ok else "error").inc()
    m["POLL_SECONDS"].labels(source=source).observe(seconds)


def record_document(source: str) -> None:
    """A new or changed document from `source` was analysed."""
    m = _made()
    m["DOCUMENTS"].labels(source=source).inc()


def record_match(rule: str) -> None:
    """A rule raised a new alert."""
    m = _made()
    m["MATCHES"].labels(rule=rule).inc()


def record_reload(*, ok: bool, rules: int | None = None) -> None:
    """The rule files were reloaded (ok) or found invalid; `rules` is the count in force."""
    m = _made()
    m["RULE_RELOADS"].labels(result="ok" if ok else "error").inc()
    if rules is not None:
        m["RULES"].set(rules)


def record_pass(at: float) -> None:
    """The scheduler completed a pass at unix time `at`."""
    m = _made()
    m["LAST_PASS"].set(at)


class MeteredNotifier:
    """Wraps an entered notifier: counts what it delivers and what fails, per name.

    It forwards everything else, so the outbox sees the notifier it wrapped.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.name: str = inner.name
        # create the series at start, so a notifier that never failed still shows 0
        m = _made()
        m["DELIVERIES"].labels(notifier=self.name)
        m["DELIVERY_FAILURES"].labels(notifier=self.name)

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
        m = _made()
        try:
            await self._inner.send(alert)
        except Exception:
            m["DELIVERY_FAILURES"].labels(notifier=self.name).inc()
            raise
        m["DELIVERIES"].labels(notifier=self.name).inc()

    async def send_digest(self, alerts: Sequence[Alert], title: str) -> None:
        """Deliver a digest through the wrapped notifier."""
        m = _made()
        try:
            await self._inner.send_digest(alerts, title)
        except Exception:
            m["DELIVERY_FAILURES"].labels(notifier=self.name).inc()
            raise
        m["DELIVERIES"].labels(notifier=self.name).inc(len(alerts))
