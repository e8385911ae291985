"""Counts per day in the digests' time zone, and the bars drawn from them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.dashboard.charts import bar_chart, day_labels, day_starts, per_day


def test_days_follow_the_time_zone_across_a_clock_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 10, 26, 12, 0, tzinfo=berlin).timestamp()  # the day after DST ends
    starts = day_starts(now, 3, "Europe/Berlin")
    assert day_labels(starts, "Europe/Berlin") == ["2026-10-24", "2026-10-25", "2026-10-26"]
    assert starts[2] - starts[1] == 25 * 3600  # the 25th was 25 hours long
    late_on_25th = datetime(2026, 10, 25, 23, 30, tzinfo=berlin).timestamp()
    early_on_26th = datetime(2026, 10, 26, 0, 30, tzinfo=berlin).timestamp()
    too_old = starts[0] - 1
    assert per_day([late_on_25th, early_on_26th, early_on_26th, too_old], starts) == [0, 1, 2]


def test_bars_scale_to_the_busiest_day_and_empty_days_stay_visible() -> None:
    chart = bar_chart(["a", "b", "c"], [0, 5, 10], width=300, height=40)
    assert [b.count for b in chart.bars] == [0, 5, 10]
    assert (chart.total, chart.peak) == (15, 10)
    heights = [b.height for b in chart.bars]
    assert heights[0] == 1.0 and heights[2] == 39.0 and heights[1] == 19.5
    assert all(b.y + b.height == 40 for b in chart.bars)
    assert [b.x for b in chart.bars] == [10.0, 110.0, 210.0]
    assert bar_chart([], []).bars == ()
