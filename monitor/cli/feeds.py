"""`monitor feeds`: the health of every feed, from the state file (works beside the daemon)."""

from __future__ import annotations

import argparse
import json
import time
from contextlib import AbstractContextManager, closing, nullcontext
from typing import Any

from monitor.cli.common import Exit, add_command, config_or_none, error
from monitor.cli.display import ago, shorten, table
from monitor.errors import StoreError


class _NoState:
    """The state of a daemon that has never run: nothing saved."""

    def get_state(self, key: str) -> dict[str, Any]:
        return {}

    def set_state(self, key: str, state: dict[str, Any]) -> None:
        raise StoreError("read-only")


def register(sub: Any) -> None:
    p = add_command(
        sub, "feeds", _feeds,
        "the health of every feed: last attempt and success, HTTP status, failures, "
        "backoff, next poll, entries seen, pages behind entries (fetched, text extracted, "
        "blocked by robots.txt, skipped, matched on the summary), last error",
    )
    p.add_argument("--json", action="store_true", help="print JSON for scripts")


def _feeds(args: argparse.Namespace) -> int:
    config = config_or_none(args)
    if config is None:
        return Exit.INVALID
    from monitor.registry import Resources
    from monitor.sources import feeds_health
    from monitor.store import open_store

    opened: AbstractContextManager[Any]
    if config.state_url or config.state.exists():
        try:
            opened = closing(open_store(config, Resources(read_only=True)))
        except StoreError as exc:
            error(str(exc))
            return Exit.ERROR
    else:
        opened = nullcontext(_NoState())
    with opened as state:
        rows = [with_pages(row, state) for row in feeds_health(config.sources, state)]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False, default=str))
    elif not rows:
        print("no feeds are configured (add `type: feed`, `opml`, `sitemap` or `page` sources)")
    else:
        print(render_feeds(rows, time.time()))
    return Exit.OK


def with_pages(row: dict[str, Any], state: Any) -> dict[str, Any]:
    """The row with its source's page counters (full text), when it fetched any."""
    from monitor.sources.fulltext import counts_key, pages_health

    saved = state.get_state(counts_key(row.get("opml") or row["id"]))
    return {**row, "pages": pages_health(saved)} if saved else row


def pages_cell(pages: dict[str, Any] | None) -> str:
    """e.g. "12 fetched, 10 text, 1 robots, 2 summary" (full text of entries)."""
    if not pages:
        return "-"
    parts = [f"{pages['fetched']} fetched", f"{pages['extracted']} text"]
    parts += [f"{pages[k]} {k}" for k in ("robots", "skipped", "summary") if pages[k]]
    return ", ".join(parts)


def _problem(row: dict[str, Any]) -> str:
    sites = (row.get("pages") or {}).get("sites") or {}
    failing = [f"site {host} failing ({s['failures']}): {s['last_error']}"
               for host, s in sites.items()]
    moved = "moved to another origin" if row.get("moved") else ""
    first = row.get("last_error") or row.get("problem") or moved
    return "; ".join([first, *failing]).strip("; ")


def feed_state(row: dict[str, Any], now: float) -> str:
    """One word or two for a feed: ok, never polled, failing (n), backing off, disabled."""
    if row.get("disabled"):
        return "disabled (410)"
    if not row.get("enabled", True):
        return "paused"
    if not row.get("last_attempt"):
        return "error" if row.get("last_error") else "never polled"
    failures = row.get("failures") or 0
    if not failures:
        return "ok"
    if (row.get("retry_at") or 0) > now:
        return f"backing off ({failures})"
    return f"failing ({failures})"


def render_feeds(rows: list[dict[str, Any]], now: float) -> str:
    """The table `monitor feeds` prints."""
    body = []
    for row in rows:
        label = row["id"] + (f"  {shorten(row['title'], 30)}" if row.get("title") else "")
        body.append([
            label,
            feed_state(row, now),
            row.get("status") or "-",
            ago(row.get("last_attempt"), now),
            ago(row.get("last_success"), now),
            _until(row.get("next_poll"), now),
            row.get("entries_last") if row.get("entries_last") is not None else "-",
            pages_cell(row.get("pages")),
            shorten(_problem(row), 60),
        ])
    headers = ["FEED", "STATE", "HTTP", "LAST ATTEMPT", "LAST SUCCESS", "NEXT POLL",
               "ENTRIES", "PAGES", "LAST ERROR / PROBLEM"]
    notes = [
        f"\n{row['id']}: moved permanently to {row['moved']}, another origin. Its headers "
        "are not sent there, so it is still polled at its configured URL; put the new URL "
        "in the config if you trust it." for row in rows if row.get("moved")
    ]
    return table(headers, body, indent="") + "".join(notes)


def _until(ts: float | None, now: float) -> str:
    if not ts:
        return "-"
    seconds = ts - now
    if seconds <= 0:
        return "due"
    for limit, unit, div in ((120, "s", 1), (7200, "min", 60), (172800, "h", 3600)):
        if seconds < limit:
            return f"in {seconds / div:.0f} {unit}"
    return f"in {seconds / 86400:.0f} d"
