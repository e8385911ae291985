"""Real servers on 127.0.0.1 for tests: an SMTP sink (aiosmtpd) here, and the HTTP server of
tests/helpers.py (re-exported), which serves feeds and records webhook POSTs. Both run in
background threads and record what they receive."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

from tests.helpers import HttpTestServer, QuietHTTPServer, http_server

__all__ = ["HttpTestServer", "QuietHTTPServer", "SmtpServer", "SmtpSink", "free_port",
           "http_server", "smtp_server"]


@dataclass
class SmtpSink:
    """What the SMTP server received. `up=False` refuses mail with 451; `answer` replaces
    the "250 OK" (e.g. a 550)."""

    up: bool = True
    answer: str | None = None
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    peers: list[Any] = field(default_factory=list)  # the client's address, per message
    quits: int = 0  # clients that said goodbye
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.up:
            return "451 4.3.0 try again later"
        if self.answer is not None:
            return self.answer
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            self.peers.append(session.peer)
        return "250 OK queued as test"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.quits += 1
        return "221 Bye"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        """Every message received, parsed with the strict policy (a defect raises)."""
        with self.lock:
            raw = [content for _, _, content in self.received]
        return [
            email.message_from_bytes(c, policy=email.policy.strict)  # type: ignore[misc]
            for c in raw
        ]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that can be stopped and started again."""

    def __init__(self, port: int | None = None, **kwargs: Any) -> None:
        self.port = port or free_port()
        self.sink = SmtpSink()
        self.kwargs = kwargs
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port,
                                     **self.kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@contextmanager
def smtp_server() -> Iterator[tuple[SmtpSink, int]]:
    """An aiosmtpd server on 127.0.0.1 with a free port: yields (sink, port)."""
    server = SmtpServer().start()
    try:
        yield server.sink, server.port
    finally:
        server.stop()
