"""A digest of N matches rendered and sent through SMTP to a local aiosmtpd server.

Configurations, all in one run on the same alerts (Russian headlines and snippets):

* "outbox_digest_smtp": the real path. N alerts sit in a SQLite outbox as `hourly`
  digest rows; one `Outbox.run_once` after the window closed reads them, renders the
  text and HTML templates, builds the MIME message and sends it over SMTP.
* "render_only": the same message built without sending (templates + MIME).
* "raw_smtp_baseline": the same message bytes, pre-built, sent over SMTP with
  aiosmtplib alone (the transport's floor).
* "immediate_smtp": the same N alerts as N separate messages (what a digest saves).

    .venv/bin/python benchmarks/bench_digest.py [--alerts 200] [--repeat 5]

Prints one JSON object per configuration: median and best seconds over the repeats.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosmtplib
from aiosmtpd.controller import Controller

from monitor.config import DeliveryConfig, EmailNotifierConfig
from monitor.delivery.email import EmailNotifier
from monitor.delivery.message import digest_message, message_bytes
from monitor.delivery.outbox import Outbox
from monitor.models import Alert, Document, Hit, Snippet
from monitor.store.sqlite import SQLiteStore

TITLE = "Азербайджан начинает диалог с Китаем в оборонной промышленности, выпуск {n}"
BODY = (
    "Президент заявил, что сотрудничество с Китаем в оборонной промышленности может быть "
    "очень перспективным процессом. "
) * 20


class Sink:
    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        self.bytes += len(envelope.content)
        return "250 OK"


def make_alerts(n: int) -> list[Alert]:
    start = datetime(2026, 11, 28, tzinfo=UTC)
    alerts = []
    for i in range(n):
        doc = Document(
            id=f"bench/{i}",
            source="bench",
            title=TITLE.format(n=i),
            body=BODY,
            url=f"https://example.org/news/{i}",
            published=start,
        )
        rule = ("defence-china", "energy-kz", "arms-trade")[i % 3]
        alerts.append(
            Alert(
                id=Alert.make_id(rule, doc.content_hash),
                rule=rule,
                rule_title=f"Rule {rule}",
                document=doc,
                language="ru",
                hits=(Hit(term="Китай", field="title", text="Китаем", start=30, end=36),),
                snippets=(
                    Snippet(
                        field="title",
                        segments=(
                            ("…диалог с ", False),
                            ("Китаем", True),
                            (" в оборонной промышленности", False),
                        ),
                    ),
                ),
                created=start + timedelta(seconds=i),
            )
        )
    return alerts


def notifier_config(port: int) -> EmailNotifierConfig:
    return EmailNotifierConfig.model_validate(
        {
            "type": "email",
            "name": "bench",
            "transport": "smtp",
            "to": ["a@example.org"],
            "smtp": {"host": "127.0.0.1", "port": port, "tls": "none"},
        }
    )


async def timed(
    repeat: int, setup: Callable[[], Awaitable[Callable[[], Awaitable[Any]]]]
) -> list[float]:
    times = []
    for _ in range(repeat):
        run = await setup()
        t0 = time.perf_counter()
        await run()
        times.append(time.perf_counter() - t0)
    return times


def report(name: str, times: list[float], **extra: Any) -> dict[str, Any]:
    row = {
        "config": name,
        "median_s": round(statistics.median(times), 4),
        "best_s": round(min(times), 4),
        "repeat": len(times),
        **extra,
    }
    print(json.dumps(row), flush=True)
    return row


async def main(n: int, repeat: int, port: int, sink: Sink) -> None:
    alerts = make_alerts(n)
    notifier = EmailNotifier(notifier_config(port))
    workdir = Path(tempfile.mkdtemp(prefix="bench-digest-"))

    async def outbox_setup() -> Callable[[], Awaitable[Any]]:
        state = workdir / f"state-{time.monotonic_ns()}.db"
        store = SQLiteStore(state)
        for alert in alerts:
            store.add_alert(alert, [("bench", "hourly")])
        outbox = Outbox(store, {"bench": notifier}, DeliveryConfig())

        async def run() -> None:
            sent = await outbox.run_once(time.time() + 3600)
            store.close()
            assert sent == n, sent

        return run

    def build() -> bytes:
        msg = digest_message(
            alerts,
            "Hourly digest",
            notifier="bench",
            sender="monitor@localhost",
            to=["a@example.org"],
            prefix="[monitor]",
            renderer=notifier.renderer,
        )
        return message_bytes(msg)

    async def render_setup() -> Callable[[], Awaitable[Any]]:
        async def run() -> None:
            build()

        return run

    data = build()

    async def raw_setup() -> Callable[[], Awaitable[Any]]:
        async def run() -> None:
            await aiosmtplib.send(
                data,
                sender="monitor@localhost",
                recipients=["a@example.org"],
                hostname="127.0.0.1",
                port=port,
                start_tls=False,
            )

        return run

    async def immediate_setup() -> Callable[[], Awaitable[Any]]:
        async def run() -> None:
            for alert in alerts:
                await notifier.send(alert)

        return run

    async with notifier:
        before = sink.count
        report(
            "outbox_digest_smtp",
            await timed(repeat, outbox_setup),
            alerts=n,
            message_bytes=len(data),
        )
        assert sink.count - before == repeat, "one message per digest"
        report("render_only", await timed(repeat, render_setup), alerts=n)
        report(
            "raw_smtp_baseline", await timed(repeat, raw_setup), alerts=n, message_bytes=len(data)
        )
        report(
            "immediate_smtp",
            await timed(max(1, repeat // 5), immediate_setup),
            alerts=n,
            messages=n,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        asyncio.run(main(args.alerts, args.repeat, port, sink))
    finally:
        controller.stop()
    sys.exit(0)
