"""Shared fixtures for the delivery tests: alerts as the daemon builds them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from monitor.models import Alert, Document, Hit, Snippet
from tests.helpers import HttpTestServer
from tests.servers import SmtpServer

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


def WebhookServer() -> HttpTestServer:
    """The test HTTP server, up, taking webhooks at a path with a token in it (which no
    error message may repeat). POSTs are answered from `answers` (status, headers, delay
    seconds), the last one repeating."""
    return HttpTestServer(hook_path="/hooks/T0KEN-in-path").up()


@pytest.fixture
def webhook_server() -> Iterator[HttpTestServer]:
    server = WebhookServer()
    yield server
    server.stop()
