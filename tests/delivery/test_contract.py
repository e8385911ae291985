"""The Notifier contract, run against every implementation through `build_notifier`:
a sent alert arrives once; the same alert sent again (a resend after a crash) is
recognisable as the same; a digest arrives as one delivery carrying every alert."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import feedparser
import pytest
from pydantic import TypeAdapter

from monitor.delivery import NOTIFIERS, build_notifier
from tests.delivery.conftest import SEED_TITLE, SmtpServer, WebhookServer, make_alert


@dataclass
class Receiver:
    """One notifier's configuration and how to read what it delivered: one (id, text) per
    delivery, where `id` is what a receiver de-duplicates on."""

    config: dict[str, object]
    received: Callable[[], list[tuple[str, str]]]


def _plain(msg: Any) -> str:
    body = msg.get_body(("plain",))
    assert body is not None, "no text/plain part"
    return str(body.get_content())


def _maildir(tmp: Path) -> Iterator[Receiver]:
    def received() -> list[tuple[str, str]]:
        out = []
        for p in sorted((tmp / "mail" / "new").glob("*")):
            msg = email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            out.append((str(msg["Message-ID"]), _plain(msg)))
        return out

    yield Receiver({"type": "email", "name": "mail", "transport": "maildir",
                    "maildir": str(tmp / "mail"), "to": ["a@example.org"]}, received)


def _smtp(tmp: Path) -> Iterator[Receiver]:
    server = SmtpServer().start()

    def received() -> list[tuple[str, str]]:
        return [(str(m["Message-ID"]), _plain(m)) for m in server.sink.messages]

    try:
        yield Receiver({"type": "email", "name": "smtp", "transport": "smtp",
                        "smtp": {"host": "127.0.0.1", "port": server.port, "tls": "none"},
                        "to": ["a@example.org"]}, received)
    finally:
        server.stop()


def _webhook(tmp: Path) -> Iterator[Receiver]:
    server = WebhookServer()

    def received() -> list[tuple[str, str]]:
        return [(r.headers["X-Monitor-Delivery"], json.dumps(json.loads(r.body),
                                                             ensure_ascii=False))
                for r in server.requests]

    try:
        yield Receiver({"type": "webhook", "name": "hook", "url": server.url}, received)
    finally:
        server.stop()


def _atom(tmp: Path) -> Iterator[Receiver]:
    def received() -> list[tuple[str, str]]:
        path = tmp / "feeds" / "all.atom"
        if not path.exists():
            return []
        return [(e.id, f"{e.title} {e.get('summary', '')}")
                for e in feedparser.parse(path.read_bytes()).entries]

    yield Receiver({"type": "atom", "name": "atom", "path": str(tmp / "feeds")}, received)


def _apprise(tmp: Path) -> Iterator[Receiver]:
    import os

    from tests.servers import http_server

    with http_server() as server:
        def received() -> list[tuple[str, str]]:
            # a chat message has no id of its own: a resend carries the same title
            return [(m["title"], m["message"]) for m in server.post_json()]

        os.environ["CONTRACT_APPRISE_URLS"] = f"json://127.0.0.1:{server.port}/hook"
        try:
            yield Receiver({"type": "apprise", "name": "chat",
                            "urls_env": ["CONTRACT_APPRISE_URLS"]}, received)
        finally:
            del os.environ["CONTRACT_APPRISE_URLS"]


KINDS = {"maildir": _maildir, "smtp": _smtp, "webhook": _webhook, "atom": _atom,
         "apprise": _apprise}


@pytest.fixture(params=sorted(KINDS))
def receiver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Receiver]:
    yield from KINDS[request.param](tmp_path)


def test_every_notifier_type_has_a_contract_case() -> None:
    covered = {"maildir": "email", "smtp": "email", "webhook": "webhook", "atom": "atom",
               "apprise": "apprise"}
    assert set(covered) == set(KINDS)
    assert set(covered.values()) == set(NOTIFIERS)


async def test_send_then_resend_is_recognisably_the_same(receiver: Receiver) -> None:
    config = TypeAdapter(NOTIFIERS.union()).validate_python(receiver.config)
    alert = make_alert()
    async with build_notifier(config) as notifier:
        await notifier.send(alert)
        [(first_id, text)] = receiver.received()
        assert SEED_TITLE in text
        await notifier.send(alert)  # a resend after a crash
    ids = [i for i, _ in receiver.received()]
    assert set(ids) == {first_id}, ids
    if receiver.config["type"] == "atom" or receiver.config.get("transport") == "maildir":
        assert len(ids) == 1  # files we write ourselves hold no duplicate at all


async def test_a_digest_is_one_delivery_with_every_alert(receiver: Receiver) -> None:
    config = TypeAdapter(NOTIFIERS.union()).validate_python(receiver.config)
    alerts = [make_alert(f"Headline number {n}", n=n) for n in range(3)]
    async with build_notifier(config) as notifier:
        await notifier.send_digest(alerts, "Daily digest")
    got = receiver.received()
    texts = " ".join(text for _, text in got)
    assert all(f"Headline number {n}" in texts for n in range(3))
    if config.type != "atom":  # a feed has no "message": each alert stays an entry
        assert len(got) == 1
