"""`monitor matches` (what fired, and why) and `monitor backfill` (a rule over the past).

Backfill runs one rule over the documents the state kept (for `retention`). It records
new alerts exactly as the daemon does, so an alert is never raised twice, and delivers
them at once through a one-shot outbox. It needs the state's lock, so it refuses (exit 3)
while the daemon runs; `--dry-run` only lists and works at any time.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from monitor.cli.common import (
    Exit,
    add_command,
    config_or_none,
    count,
    error,
    open_state,
    with_state,
)
from monitor.cli.display import when
from monitor.cli.matches import alert_json, render_alert
from monitor.cli.matches import run as _matches
from monitor.errors import LockedError, MonitorError, RuleError
from monitor.logs import ctx, setup_logging

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.matching import RuleSet
    from monitor.models import Alert, Document
    from monitor.store import Store

log = logging.getLogger(__name__)


def duration(text: str) -> float:
    """An argparse type: a duration such as 2h or 7d, in seconds."""
    from monitor.config import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: Any) -> None:
    p = add_command(
        sub, "matches", with_state(_matches),
        "recent matches, newest first: time, rule, source, headline and the matched words",
    )
    p.add_argument("--rule", metavar="ID", help="only this rule's matches")
    p.add_argument(
        "--since",
        type=duration,
        default=86400.0,
        metavar="AGE",
        help="how far back to look, e.g. 2h, 7d (default: 24h)",
    )
    p.add_argument(
        "--limit", type=count, default=200, metavar="N",
        help="show at most N matches (default: 200)",
    )
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p = add_command(
        sub, "backfill", _backfill,
        "run one rule over the stored documents of a past period and deliver what it "
        "matches (the daemon must be stopped), or only list it with --dry-run",
    )
    p.add_argument("rule", metavar="RULE", help="the rule id")
    p.add_argument(
        "--since",
        type=duration,
        required=True,
        metavar="AGE",
        help="documents stored in this period, e.g. 7d (at most `retention`)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="only list what the rule would match; record and deliver nothing",
    )
    p.add_argument("--json", action="store_true", help="print JSON for scripts")


# ---------------------------------------------------------------- backfill


def _backfill(args: argparse.Namespace) -> int:
    config = config_or_none(args)
    if config is None:
        return Exit.INVALID
    setup_logging(config.log.level, config.log.format)
    from monitor.pipeline import load_rule_set  # imports the engine

    try:
        rules = load_rule_set(config)
    except RuleError as exc:
        error(f"invalid rules:\n{exc}")
        return Exit.INVALID
    if args.rule not in rules.rules:
        error(f"no rule {args.rule!r} in {config.rules}; rules: {', '.join(sorted(rules.rules))}")
        return Exit.INVALID
    if args.since > config.retention:
        days = config.retention / 86400
        error(f"--since reaches back further than `retention` ({days:g} days): older documents "
              f"are not kept; use at most --since {days:g}d")
        return Exit.INVALID
    try:
        with open_state(config, lock=not args.dry_run) as store:
            if store is None:
                return Exit.ERROR
            return _run_backfill(config, store, rules, args)
    except LockedError as exc:
        error(
            f"{exc}\nbackfill records and delivers alerts, so it needs the daemon stopped "
            "(e.g. `systemctl stop monitor`); `--dry-run` only lists and works meanwhile"
        )
        return Exit.LOCKED


def _run_backfill(
    config: Config, store: Store, rules: RuleSet, args: argparse.Namespace
) -> int:
    since = time.time() - args.since
    docs = store.documents_since(since)
    found = scan(rules, args.rule, docs, config)
    # alerted before: this document, or the same text under another id (which the store
    # refuses as the same alert)
    before = store.alerts_since(0.0, rule=args.rule)
    known = {a.document.id for a in before} | {a.id for a in before}
    fresh = [a for a in found if a.document.id not in known and a.id not in known]
    recorded = delivered = 0
    if not args.dry_run:
        import asyncio

        from monitor.delivery.routing import rule_targets

        targets = rule_targets(rules.rules[args.rule], [n.name for n in config.notifiers])
        recorded = sum(store.add_alert(alert, targets) for alert in fresh)
        delivered = asyncio.run(deliver_once(config, store)) if recorded else 0
    if args.json:
        print(json.dumps(_backfill_json(args, docs, found, fresh, recorded, delivered),
                         indent=2, ensure_ascii=False))
        return Exit.OK
    for alert in found:
        mark = "" if alert in fresh else "  (already alerted)"
        print(render_alert(alert, at=article_time(alert)) + mark)
    summary = (
        f"rule {args.rule!r} over {len(docs)} documents stored since {when(since)}: "
        f"{len(found)} match, {len(fresh)} not alerted before"
    )
    if args.dry_run:
        print(summary + " (dry run: nothing recorded or delivered)")
    else:
        print(f"{summary}; {recorded} recorded, {delivered} deliveries sent now "
              "(digests and retries go out with the daemon)")
    return Exit.OK


def article_time(alert: Alert) -> float:
    """When the article appeared: its publication time, else when it was read."""
    doc = alert.document
    return (doc.published or doc.fetched).timestamp()


def _backfill_json(args: argparse.Namespace, docs: Sequence[Document], found: list[Alert],
                   fresh: list[Alert], recorded: int, delivered: int) -> dict[str, Any]:
    return {
        "rule": args.rule, "dry_run": args.dry_run, "documents": len(docs),
        "matches": [alert_json(a) | {"article_time": _iso(article_time(a)),
                                     "alerted_before": a not in fresh} for a in found],
        "not_alerted_before": len(fresh), "recorded": recorded, "delivered": delivered,
    }


def _iso(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def scan(
    rules: RuleSet, rule: str, docs: Sequence[Document], config: Config
) -> list[Alert]:
    """The alerts `rule` raises on `docs`, matched by the workers (`workers:`; a progress
    bar on a terminal); a document that cannot be analysed is logged and skipped."""
    from monitor.cli.progress import track
    from monitor.match_workers import MatchWorkers
    from monitor.workers import worker_count

    workers = MatchWorkers(worker_count(config.workers), config.languages)
    found: list[Alert] = []
    try:
        items = ((None, doc) for doc in track(docs, f"backfill {rule}"))
        for _, doc, alerts in workers.stream(workers.alerts, rules, items):
            if isinstance(alerts, MonitorError):
                log.warning("skipped: %s", alerts,
                            extra=ctx(rule=rule, document=doc.id, source=doc.source))
            elif isinstance(alerts, Exception):
                raise alerts
            else:
                found += [a for a in alerts if a.rule == rule]
    finally:
        workers.close()
    return found


async def deliver_once(config: Config, store: Store) -> int:
    """Send what the outbox has due, with the config's notifiers, once."""
    from monitor.delivery.outbox import Outbox
    from monitor.delivery.routing import open_notifiers
    from monitor.registry import Resources

    ctx = Resources(languages=tuple(config.languages), templates=config.templates)
    async with AsyncExitStack() as stack:
        notifiers = await open_notifiers(config.notifiers, ctx, stack)
        count: int = await Outbox(store, notifiers, config.delivery).run_once()
        return count
