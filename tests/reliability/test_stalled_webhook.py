"""A webhook receiver that stalls (answers 200, then one byte now and then, for ever) or answers
with a huge body: each delivery has a total deadline, the reply is read up to a cap, the other
notifiers keep delivering meanwhile, and SIGTERM still stops the daemon cleanly."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config import WebhookNotifierConfig
from monitor.delivery.webhook import REPLY_CAP, WebhookNotifier
from monitor.errors import DeliveryError
from tests.delivery.conftest import make_alert
from tests.reliability.helpers import add_docs, log_text, start, terminate, wait_for, write_project


class RawReceiver:
    """A bare TCP server that reads each request and then answers by a script, on 127.0.0.1:
    `trickle` sends a 200 with a long declared body one byte every 0.2 s until the client
    hangs up; `flood` sends a 200 and up to 200 MB of body as fast as the client takes it."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.requests = 0
        self.sent = 0  # body bytes written, over all connections
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.closed = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            self.requests += 1
            size = 200 * 1024 * 1024
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
                block = b"x" if self.mode == "trickle" else b"x" * 65536
                while self.sent < size and not self.closed.is_set():
                    conn.sendall(block)
                    self.sent += len(block)
                    if self.mode == "trickle":
                        time.sleep(0.2)
            except OSError:
                return  # the client hung up

    def close(self) -> None:
        self.closed.set()
        self.sock.close()


@pytest.fixture
def trickle() -> Iterator[RawReceiver]:
    server = RawReceiver("trickle")
    yield server
    server.close()


@pytest.fixture
def flood() -> Iterator[RawReceiver]:
    server = RawReceiver("flood")
    yield server
    server.close()


def _hook(url: str, timeout: float) -> WebhookNotifier:
    cfg = WebhookNotifierConfig.model_validate(
        {"type": "webhook", "name": "hook", "url": url, "timeout": timeout})
    return WebhookNotifier(cfg)


async def test_a_reply_trickling_for_ever_fails_at_the_delivery_deadline(
    trickle: RawReceiver,
) -> None:
    async with _hook(trickle.url, timeout=1.0) as hook:
        with pytest.raises(DeliveryError) as err:
            async with asyncio.timeout(30):  # a guard: without a deadline this never ends
                await hook.send(make_alert())
    assert err.value.retryable and "within 1 s" in str(err.value)
    assert trickle.requests == 1 and trickle.sent >= 1


async def test_a_huge_reply_is_read_up_to_the_cap_only(flood: RawReceiver) -> None:
    async with _hook(flood.url, timeout=30.0) as hook:
        await hook.send(make_alert())
        assert "200" in hook.last_answer and len(hook.last_answer) < 400
    # the client stops reading after REPLY_CAP; the kernel's socket buffers hold a few MB more
    assert flood.sent < REPLY_CAP + 32 * 1024 * 1024, flood.sent


MAILDIR = "  - {name: mail, type: email, transport: maildir, maildir: mail/, to: [a@example.org]}\n"


def test_a_stalled_webhook_holds_up_no_other_notifier_and_sigterm_stops_cleanly(
    tmp_path: Path, trickle: RawReceiver
) -> None:
    hook = f"  - {{name: hook, type: webhook, url: '{trickle.url}', timeout: 1h}}\n"
    cfg = write_project(tmp_path, notifiers=MAILDIR + hook)
    add_docs(tmp_path / "inbox", 3)
    proc = start(cfg)
    try:
        mail = tmp_path / "mail" / "new"
        assert wait_for(lambda: trickle.requests >= 1, 60), log_text(cfg)[-3000:]
        # the webhook is stuck on its first alert (for an hour); the mail goes out regardless
        assert wait_for(lambda: mail.is_dir() and len(list(mail.iterdir())) == 3, 60), (
            log_text(cfg)[-3000:])
        add_docs(tmp_path / "inbox", 2, start=3, prefix="Later")
        assert wait_for(lambda: len(list(mail.iterdir())) == 5, 60), log_text(cfg)[-3000:]
        assert trickle.requests == 1
        began = time.monotonic()
        code = terminate(proc, timeout=30)
        took = time.monotonic() - began
    finally:
        terminate(proc)
    text = log_text(cfg)
    assert code == 0 and took < 10.0, (code, took, text[-3000:])
    assert "Traceback" not in text, text[-3000:]
    assert "abandoned" in text, text[-3000:]
