"""Small formatting helpers for the operator commands: times, ages, sizes, tables."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from monitor.controls import escape_controls
from monitor.wording import counted as counted  # (the commands import it from here)


def when(ts: float | None) -> str:
    """A unix time as `2026-11-28 01:02 UTC`, or `never`."""
    if not ts:
        return "never"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def ago(ts: float | None, now: float | None = None) -> str:
    """How long ago a unix time was: `12 s ago`, `5 min ago`, `3 h ago`, `2 d ago`."""
    if not ts:
        return "never"
    seconds = max(0.0, (time.time() if now is None else now) - ts)
    for limit, unit, div in ((120, "s", 1), (7200, "min", 60), (172800, "h", 3600)):
        if seconds < limit:
            return f"{seconds / div:.0f} {unit} ago"
    return f"{seconds / 86400:.0f} d ago"


def size(n: int) -> str:
    """A byte count as `812 B`, `4.2 KB`, `1.3 MB`."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], indent: str = "  ") -> str:
    """Rows under headers in aligned columns; numbers are right-aligned."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    numeric = [
        all(isinstance(row[i], int | float) for row in rows) and bool(rows)
        for i in range(len(headers))
    ]
    lines = []
    for r in cells:
        parts = [
            c.rjust(w) if num else c.ljust(w) for c, w, num in zip(r, widths, numeric, strict=True)
        ]
        lines.append(indent + "  ".join(parts).rstrip())
    return "\n".join(lines)


def shorten(text: str, width: int) -> str:
    """`text` on one line, cut to `width` characters with an ellipsis, control characters
    escaped."""
    text = escape_controls(" ".join(text.split()))
    return text if len(text) <= width else text[: width - 1] + "…"


def safe(line: str) -> str:
    """One line for the terminal: control characters (CR, LF, ESC…) escaped, so a headline
    or file name cannot forge lines, clear the screen or retitle the window."""
    return escape_controls(line)
