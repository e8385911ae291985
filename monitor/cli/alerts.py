"""`monitor alerts` (the outbox: what waits, what failed, send failed ones again) and
`monitor notify-test NAME` (one test message through one notifier).

`alerts --retry` only flips failed deliveries back to pending in the state file (safe
while the daemon runs: it sends them within `delivery.interval`; otherwise they go out
on the next `monitor run`, and the message says which of the two applies).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.cli.common import Exit, add_command, config_or_none, count, error, with_state
from monitor.cli.display import counted, shorten, when
from monitor.errors import MonitorError

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.models import Alert
    from monitor.store import Store
    from monitor.store.base import Delivery, DeliveryStatus


def register(sub: Any) -> None:
    p = add_command(
        sub, "alerts", with_state(_alerts),
        "the outbox: deliveries waiting to be sent (default) or failed (--failed); "
        "--retry sends the failed ones again",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--failed",
        action="store_true",
        help="list deliveries that were given up, with the last error",
    )
    what.add_argument(
        "--retry",
        action="store_true",
        help="make every failed delivery pending again (sent by the daemon)",
    )
    p.add_argument(
        "--limit",
        type=count,
        default=100,
        metavar="N",
        help="list at most N deliveries (default: 100)",
    )
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p = add_command(
        sub, "notify-test", _notify_test,
        "send a test alert through one notifier and print the server's answer or the "
        "exact error (exit 1 when it fails)",
    )
    p.add_argument("name", metavar="NAME", help="the notifier's `name:` in config.yaml")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")


def daemon_running(state: Path) -> bool:
    """Whether a daemon holds the state's lock right now."""
    lock = state.with_name(state.name + ".lock")
    if not lock.exists():
        return False
    fd = os.open(lock, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


# ---------------------------------------------------------------- alerts


def delivery_json(d: Delivery) -> dict[str, Any]:
    """What `alerts --json` prints for one delivery."""
    return {
        "id": d.id,
        "status": d.status,
        "notifier": d.notifier,
        "digest": d.digest,
        "attempts": d.attempts,
        "next_attempt": _iso(d.next_attempt) if d.status == "pending" else None,
        "last_error": d.last_error,
        "alert": d.alert.id,
        "rule": d.alert.rule,
        "title": d.alert.document.title,
        "created": _iso(d.created),
    }


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _line(d: Delivery) -> str:
    head = (
        f"#{d.id}  {when(d.created)}  {d.notifier}  {d.alert.rule}  "
        f"{shorten(d.alert.document.title, 80)}"
    )
    lines = [head]
    if d.status == "pending":
        tried = f"{counted(d.attempts, 'attempt')} so far"
        if d.digest == "immediate":
            lines.append(f"    {tried}; next at {when(d.next_attempt)}")
        else:
            digest = f"digest {d.digest!r}" if " " in d.digest else f"{d.digest} digest"
            lines.append(f"    waits for the next {digest}" + (f"; {tried}" if d.attempts else ""))
    if d.last_error:
        lines.append(f"    last error: {shorten(d.last_error, 300)}")
    return "\n".join(lines)


def _alerts(args: argparse.Namespace, config: Config, store: Store) -> int:
    if args.retry:
        count = store.retry_failed(time.time())
        running = config.state_url is None and daemon_running(config.state)
        if args.json:
            print(json.dumps({"pending_again": count, "daemon_running": running}))
        elif running:
            print(f"{counted(count, 'failed delivery', 'failed deliveries')} pending again; "
                  "the running daemon "
                  "sends them within a few seconds")
        else:
            print(f"{counted(count, 'failed delivery', 'failed deliveries')} pending again; "
                  "the daemon is not "
                  "running, so they go out when it starts (`monitor run`, or "
                  "`monitor run --once` to send them now)")
        return Exit.OK
    status: DeliveryStatus = "failed" if args.failed else "pending"
    rows = store.deliveries(status, limit=args.limit)
    if args.json:
        print(json.dumps([delivery_json(d) for d in rows], indent=2, ensure_ascii=False))
        return Exit.OK
    for d in rows:
        print(_line(d))
    hint = "; `monitor alerts --retry` sends them again" if args.failed and rows else ""
    total = store.delivery_counts().get(status, len(rows))
    if total > len(rows):
        hint += f" (the newest {len(rows)} of {total}; use --limit {total} to see them all)"
    print(f"{counted(len(rows), f'{status} delivery', f'{status} deliveries')}{hint}")
    return Exit.OK


# ---------------------------------------------------------------- notify-test


def test_alert(now: datetime | None = None) -> Alert:
    """A recognisable test alert, new each time (so nothing de-duplicates it)."""
    from monitor.models import Alert, Document, Hit, Snippet

    now = now or datetime.now(UTC)
    title = "monitor test alert: delivery works"
    doc = Document(
        id=f"notify-test/{now.timestamp()}",
        source="monitor",
        title=title,
        body="This message was sent by `monitor notify-test`.",
        published=now,
    )
    return Alert(
        id=Alert.make_id("notify-test", f"{doc.content_hash}{now.timestamp()}"),
        rule="notify-test",
        rule_title="Test",
        document=doc,
        language="en",
        hits=(Hit(term="test", field="title", text="test", start=8, end=12),),
        snippets=(
            Snippet(
                field="title",
                segments=(("monitor ", False), ("test", True), (" alert: delivery works", False)),
            ),
        ),
        created=now,
        kind="test",
    )


def _notify_test(args: argparse.Namespace) -> int:
    config = config_or_none(args)
    if config is None:
        return Exit.INVALID
    names = [n.name for n in config.notifiers]
    if args.name not in names:
        error(
            f"no notifier named {args.name!r} in {args.config}; "
            f"notifiers: {', '.join(names) or '(none)'}"
        )
        return Exit.INVALID
    import asyncio

    try:
        answer = asyncio.run(_send_test(config, args.name))
    except MonitorError as exc:
        if args.json:
            print(json.dumps({"notifier": args.name, "delivered": False, "error": str(exc)},
                             ensure_ascii=False))
        else:
            error(f"the test message was not delivered: {exc}")
        return Exit.ERROR
    if args.json:
        print(json.dumps({"notifier": args.name, "delivered": True, "answer": answer},
                         ensure_ascii=False))
    else:
        print(f"notifier {args.name!r}: {answer}")
    return Exit.OK


async def _send_test(config: Config, name: str) -> str:
    from monitor.delivery.routing import open_notifiers  # keeps --help fast
    from monitor.registry import Resources

    configs = [n for n in config.notifiers if n.name == name]
    async with AsyncExitStack() as stack:
        notifiers = await open_notifiers(configs, Resources(templates=config.templates), stack)
        await notifiers[name].send(test_alert())
    return notifiers[name].last_answer or "sent"
