"""Shared fixtures for the delivery tests: alerts as the daemon builds them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from monitor.models import Alert, Document, Hit, Snippet
from tests.servers import QuietHTTPServer, SmtpServer

SEED_TITLE = "Азербайджан начинает диалог с Китаем в оборонной промышленности"

AlertFactory = Callable[..., Alert]


def make_alert(
    title: str = SEED_TITLE,
    *,
    rule: str = "defence-china",
    rule_title: str = "Defence cooperation with China",
    url: str | None = "https://example.org/news/1?a=1&b=2",
    body: str = "Баку и Пекин обсудили сотрудничество в оборонной промышленности.",
    created: datetime | None = None,
    n: int = 0,
    **extra: Any,
) -> Alert:
    doc = Document(
        id=f"seeds/{rule}/{n}",
        source="seeds",
        title=title,
        body=body,
        url=url,
        published=datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
    )
    hits = (
        Hit(term="Китай", field="title", text="Китаем", start=30, end=36),
        Hit(
            term="оборонная промышленность",
            field="title",
            text="оборонной промышленности",
            start=39,
            end=63,
        ),
    )
    snippet = Snippet(
        field="title",
        segments=(
            ("…диалог с ", False),
            ("Китаем", True),
            (" в ", False),
            ("оборонной промышленности", True),
        ),
    )
    return Alert(
        id=Alert.make_id(rule, doc.content_hash),
        rule=rule,
        rule_title=rule_title,
        document=doc,
        language="ru",
        hits=hits,
        snippets=(snippet,),
        created=created or datetime(2026, 11, 28, 1, 0, tzinfo=UTC) + timedelta(seconds=n),
        **extra,
    )


@pytest.fixture
def alert_factory() -> AlertFactory:
    return make_alert


# ---------------------------------------------------------------- a real SMTP server


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server_factory() -> Iterator[Callable[..., SmtpServer]]:
    """Make SMTP servers (not started) that are stopped at the end of the test."""
    servers: list[SmtpServer] = []

    def make(**kwargs: Any) -> SmtpServer:
        servers.append(SmtpServer(**kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


# ---------------------------------------------------------------- a real HTTP server


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookServer:
    """An HTTP server on 127.0.0.1 that records POSTs and answers from a script:
    each answer is (status, headers, delay seconds); the last one repeats."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.answers: list[tuple[int, dict[str, str], float]] = [(200, {}, 0.0)]
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                owner.requests.append(Recorded(self.path, dict(self.headers), body))
                status, headers, delay = (
                    owner.answers.pop(0) if len(owner.answers) > 1 else owner.answers[0]
                )
                time.sleep(delay)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = QuietHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/T0KEN-in-path"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    server = WebhookServer()
    yield server
    server.stop()
