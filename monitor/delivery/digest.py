"""Digest windows: `hourly`, `daily`, `weekly` or a cron expression.

A window closes at each fire time of the schedule (hourly: every full hour; daily: at
midnight; weekly: Monday at midnight; cron: `0 8 * * 1-5` = 08:00 on weekdays), in the
time zone of `delivery.timezone`. Pure functions over datetimes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

IMMEDIATE = "immediate"
NAMED = {"hourly": "0 * * * *", "daily": "0 0 * * *", "weekly": "0 0 * * 1"}


def cron_of(spec: str) -> str:
    """The cron expression of a digest spec."""
    return NAMED.get(spec.strip().lower(), spec.strip())


def validate_digest(spec: str) -> None:
    """Raise ValueError with a helpful message when `spec` is not a digest schedule."""
    if spec == IMMEDIATE:
        return
    from croniter import croniter  # imported by digests only (0.1 s)

    expr = cron_of(spec)
    if len(expr.split()) != 5 or not croniter.is_valid(expr):
        raise ValueError(
            f"{spec!r} is not a digest schedule: use hourly, daily, weekly or a cron "
            "expression of 5 fields such as '0 8 * * 1-5'"
        )


def last_close(spec: str, now: datetime) -> datetime:
    """The most recent moment at or before `now` when a window of `spec` closed."""
    # croniter's get_prev is strictly before its start; a second later includes `now`
    # itself when it falls exactly on a fire time.
    from croniter import croniter

    it = croniter(cron_of(spec), now + timedelta(seconds=1))
    prev: datetime = it.get_prev(datetime)
    return prev


def previous_close(spec: str, close: datetime) -> datetime:
    """The close of the window before the one that closes at `close`."""
    from croniter import croniter

    prev: datetime = croniter(cron_of(spec), close).get_prev(datetime)
    return prev


def window_title(spec: str, close: datetime) -> str:
    """A title naming the window, e.g. `Daily digest, 2026-11-27` (stable per window)."""
    start = previous_close(spec, close)
    zone = close.tzname() or ""
    kind = spec.strip().lower()
    if kind == "daily":
        return f"Daily digest, {start:%Y-%m-%d}"
    if kind == "weekly":
        return f"Weekly digest, {start:%Y-%m-%d} to {close - timedelta(days=1):%Y-%m-%d}"
    if kind == "hourly":
        return f"Hourly digest, {start:%Y-%m-%d %H:%M}–{close:%H:%M} {zone}".rstrip()
    return f"Digest, {start:%Y-%m-%d %H:%M} to {close:%Y-%m-%d %H:%M} {zone}".rstrip()


def zone(name: str) -> ZoneInfo:
    """The time zone digests are computed in (raises ValueError for an unknown name)."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError) as exc:
        from monitor.wording import unknown_zone  # only on this error: pydantic is heavy

        raise ValueError(unknown_zone(name)) from exc
