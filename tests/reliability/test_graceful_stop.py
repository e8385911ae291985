"""SIGTERM while the daemon is busy (a folder full of new documents, mail going out slowly,
webhook deliveries failing and pending) exits 0 within 10 s, and a restart delivers every
alert exactly once."""

from __future__ import annotations

import asyncio
import collections
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from tests.reliability.helpers import (
    add_docs,
    log_text,
    start,
    terminate,
    wait_for,
    write_project,
)
from tests.servers import SmtpSink, free_port, http_server

DOCUMENTS = 150
STOP_WITHIN = 10.0


@dataclass
class SlowSink(SmtpSink):
    """Takes `delay` seconds per message, so a send is in flight most of the time."""

    delay: float = 0.05

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


def notifiers(smtp_port: int, hook: str) -> str:
    return (
        "  - name: mail\n    type: email\n    transport: smtp\n"
        f"    smtp: {{host: 127.0.0.1, port: {smtp_port}, tls: none}}\n"
        "    to: [analysts@example.org]\n"
        f"  - {{name: hook, type: webhook, url: '{hook}'}}\n"
    )


def test_sigterm_during_busy_work_exits_0_quickly_and_loses_nothing(tmp_path: Path) -> None:
    sink = SlowSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with http_server() as http:
            status = {"code": 500}
            http.post_status = lambda: status["code"]
            cfg = write_project(tmp_path, notifiers=notifiers(port, f"{http.base}/hook"))
            titles = add_docs(tmp_path / "inbox", DOCUMENTS)
            proc = start(cfg)
            # busy: matching under way, some mail sent, webhook deliveries pending
            assert wait_for(lambda: len(sink.messages) >= 5, 90), log_text(cfg)[-3000:]
            assert len(sink.messages) < DOCUMENTS, "too fast to stop while busy"
            began = time.monotonic()
            code = terminate(proc, timeout=30)
            took = time.monotonic() - began
            assert code == 0, log_text(cfg)[-3000:]
            assert took < STOP_WITHIN, f"stopped in {took:.1f} s"
            assert "Traceback" not in log_text(cfg), log_text(cfg)[-3000:]
            sent_before = len(sink.messages)

            status["code"] = 200  # the webhook is back; restart and catch up
            sink.delay = 0.0
            proc = start(cfg)
            try:
                def done() -> bool:
                    mail = {str(m["Subject"]) for m in sink.messages}
                    hooks = {p["document"]["title"] for p in http.post_json()}
                    return all(any(t in s for s in mail) for t in titles) and (
                        set(titles) <= hooks
                    )

                assert wait_for(done, 120), log_text(cfg)[-3000:]
                time.sleep(1.0)  # anything extra would arrive now
            finally:
                assert terminate(proc) == 0
    finally:
        controller.stop()

    by_title = collections.Counter(
        next(t for t in titles if str(m["Subject"]).endswith(t)) for m in sink.messages
    )
    hooks = collections.Counter(p["document"]["title"] for p in http.post_json())
    assert set(by_title) == set(titles) and set(hooks) == set(titles)
    assert max(by_title.values()) == 1, (sent_before, by_title.most_common(3))
    assert max(hooks.values()) == 1, hooks.most_common(3)
