"""Counts per day and the geometry of the SVG bar charts (pure; the template draws them).

Days are calendar days in `delivery.timezone` (the digests' zone), so "today" on the
dashboard is the same day as in the daily digest.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, kw_only=True)
class Bar:
    """One day's bar; `x`, `y`, `height` in SVG units (y grows downwards)."""

    label: str  # the day, 2026-12-02
    count: int
    x: float
    y: float
    height: float


@dataclass(frozen=True, kw_only=True)
class BarChart:
    """A row of bars, one per day, scaled to the highest count."""

    bars: tuple[Bar, ...]
    width: int
    height: int
    bar_width: float
    total: int
    peak: int


def day_starts(now: float, days: int, zone: str) -> list[float]:
    """The unix times at which each of the last `days` days began (oldest first, today
    last), in the time zone `zone`."""
    tz = ZoneInfo(zone)
    today = datetime.fromtimestamp(now, tz).date()
    starts = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        starts.append(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())
    return starts


def per_day(times: Iterable[float], starts: Sequence[float]) -> list[int]:
    """How many of `times` fall in each day that begins at `starts` (the last day open
    ended); earlier times are not counted."""
    counts = [0] * len(starts)
    for t in times:
        i = bisect_right(starts, t) - 1
        if i >= 0:
            counts[i] += 1
    return counts


def day_labels(starts: Sequence[float], zone: str) -> list[str]:
    tz = ZoneInfo(zone)
    return [datetime.fromtimestamp(s, tz).strftime("%Y-%m-%d") for s in starts]


def bar_chart(labels: Sequence[str], counts: Sequence[int], *, width: int = 210,
              height: int = 40) -> BarChart:
    """Bars for `counts` in a `width` x `height` box (a zero day keeps a 1-unit stub so
    the day is visible)."""
    n = max(1, len(counts))
    slot = width / n
    peak = max(counts, default=0)
    bars = []
    for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
        h = (height - 1) * count / peak if peak else 0.0
        h = max(h, 1.0)
        bars.append(Bar(label=label, count=count, x=round(i * slot + slot * 0.1, 2),
                        y=round(height - h, 2), height=round(h, 2)))
    return BarChart(bars=tuple(bars), width=width, height=height,
                    bar_width=round(slot * 0.8, 2), total=sum(counts), peak=peak)
