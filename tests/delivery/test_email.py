"""EmailNotifier over SMTP against a real aiosmtpd server: the message as a mail client sees it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from monitor.config import DeliveryConfig, EmailNotifierConfig
from monitor.delivery import smtp as smtp_module
from monitor.delivery.email import EmailNotifier
from monitor.delivery.outbox import Outbox
from monitor.errors import DeliveryError
from monitor.models import Alert
from monitor.store.sqlite import SQLiteStore

AlertFactory = Callable[..., Alert]
SEED_TITLE = "Азербайджан начинает диалог с Китаем в оборонной промышленности"


def _smtp(port: int, tmp_path: Path | None = None, **smtp: Any) -> EmailNotifier:
    cfg = EmailNotifierConfig.model_validate(
        {
            "type": "email",
            "name": "analysts",
            "transport": "smtp",
            "smtp": {"host": "127.0.0.1", "port": port, "tls": "none", "timeout": 5, **smtp},
            "from": "Monitor <monitor@example.org>",
            "to": ["analysts@example.org"],
            "to_by_rule": {"other": ["other@example.org", "boss@example.org"]},
        }
    )
    return EmailNotifier(cfg)


def _check_strict(msg: EmailMessage) -> None:
    for part in msg.walk():
        assert not part.defects, part.defects


def _bodies(msg: EmailMessage) -> tuple[str, str]:
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def test_alert_mail_is_well_formed(smtp_server: Any, alert_factory: AlertFactory) -> None:
    alert = alert_factory()
    async with _smtp(smtp_server.port) as notifier:
        await notifier.send(alert)
        assert "accepted the message: OK queued as test" in notifier.last_answer
    [(mail_from, rcpt, content)] = smtp_server.sink.received
    assert mail_from == "monitor@example.org" and rcpt == ["analysts@example.org"]
    assert max(content) < 128  # 7-bit clean: never raw 8-bit
    assert all(len(line) <= 998 for line in content.split(b"\r\n"))
    [msg] = smtp_server.sink.messages
    _check_strict(msg)
    assert msg.get_content_type() == "multipart/alternative"
    assert str(msg["Subject"]) == f"[monitor] Defence cooperation with China: {SEED_TITLE}"
    assert msg["Message-ID"] == f"<{alert.id}.analysts@example.org>"
    assert msg["List-Id"] == '"Defence cooperation with China" <defence-china.example.org>'
    assert msg["Date"].datetime.timestamp() == alert.created.timestamp()
    assert msg["From"].addresses[0].addr_spec == "monitor@example.org"
    text, html = _bodies(msg)
    for body in (text, html):
        assert SEED_TITLE in body and "seeds" in body and "defence-china" in body
        assert "2026-11-27 09:30 UTC" in body
    assert "https://example.org/news/1?a=1&b=2" in text
    assert 'href="https://example.org/news/1?a=1&amp;b=2"' in html
    assert "[Китаем]" in text and "[оборонной промышленности]" in text
    assert "<mark><b>Китаем</b></mark>" in html
    for part in msg.walk():
        if not part.is_multipart():
            assert part["Content-Transfer-Encoding"] in ("quoted-printable", "base64")


async def test_resend_has_the_same_message_id(
    smtp_server: Any, alert_factory: AlertFactory
) -> None:
    alert = alert_factory()
    async with _smtp(smtp_server.port) as notifier:
        await notifier.send(alert)
        await notifier.send(alert)
    first, second = smtp_server.sink.messages
    assert first["Message-ID"] == second["Message-ID"]


async def test_maildir_holds_exactly_what_smtp_sends(
    tmp_path: Path, smtp_server: Any, alert_factory: AlertFactory
) -> None:
    alert = alert_factory()
    async with _smtp(smtp_server.port) as notifier:
        await notifier.send(alert)
    maildir_cfg = EmailNotifierConfig.model_validate(
        {
            "type": "email",
            "name": "analysts",
            "maildir": tmp_path / "mail",
            "from": "Monitor <monitor@example.org>",
            "to": ["analysts@example.org"],
        }
    )
    async with EmailNotifier(maildir_cfg) as notifier:
        await notifier.send(alert)
    [path] = (tmp_path / "mail" / "new").iterdir()
    assert path.read_bytes() == smtp_server.sink.received[0][2]


@pytest.mark.parametrize(
    "headline",
    [
        "<script>alert('x')</script> & more",
        "{{ 7*7 }} {% for x in y %}",
        "Breaking\r\nBcc: victim@example.org\r\n\r\nInjected body",
        "Long " + "Китай " * 1700,  # about 10,000 characters
    ],
)
async def test_hostile_headlines_cannot_inject(
    smtp_server: Any, alert_factory: AlertFactory, headline: str
) -> None:
    async with _smtp(smtp_server.port) as notifier:
        await notifier.send(alert_factory(headline))
    [(_, rcpt, content)] = smtp_server.sink.received
    assert rcpt == ["analysts@example.org"]
    [msg] = smtp_server.sink.messages
    _check_strict(msg)
    assert "Bcc" not in msg and msg.get_all("Subject") and len(msg.get_all("Subject")) == 1
    subject = str(msg["Subject"])
    assert "\n" not in subject and "\r" not in subject and len(subject) < 300
    text, html = _bodies(msg)
    if "<script>" in headline:
        assert "<script>" not in html and "&lt;script&gt;" in html
        assert "<script>alert('x')</script>" in text
    if "7*7" in headline:
        assert text.startswith("{{ 7*7 }} {% for x in y %}") and "{{ 7*7 }}" in html
    assert "Injected body" not in text.split("\n\n")[0] or "Bcc:" in text.split("\n")[0]
    assert all(len(line) <= 998 for line in content.split(b"\r\n"))


async def test_recipients_per_rule(smtp_server: Any, alert_factory: AlertFactory) -> None:
    async with _smtp(smtp_server.port) as notifier:
        await notifier.send(alert_factory("x", rule="other", rule_title="Other"))
    [(_, rcpt, _)] = smtp_server.sink.received
    assert rcpt == ["other@example.org", "boss@example.org"]


async def test_digest_mail(smtp_server: Any, alert_factory: AlertFactory) -> None:
    alerts = [alert_factory(f"Headline {n}", n=n) for n in range(3)]
    async with _smtp(smtp_server.port) as notifier:
        await notifier.send_digest(alerts, "Daily digest, 2026-11-27")
    [msg] = smtp_server.sink.messages
    _check_strict(msg)
    assert str(msg["Subject"]).strip() == (
        "[monitor] Daily digest, 2026-11-27: 3 alerts, Defence cooperation with China"
    )
    text, html = _bodies(msg)
    assert text.index("Headline 2") < text.index("Headline 1") < text.index("Headline 0")
    assert html.count("<mark><b>Китаем</b></mark>") == 3


async def test_server_rejection_is_permanent_and_busy_is_retryable(
    smtp_server: Any, alert_factory: AlertFactory
) -> None:
    async with _smtp(smtp_server.port) as notifier:
        smtp_server.sink.answer = "554 5.7.1 rejected as spam"
        with pytest.raises(DeliveryError) as info:
            await notifier.send(alert_factory())
        assert not info.value.retryable and "554" in str(info.value)
        assert "analysts" in str(info.value)
        smtp_server.sink.answer = "451 4.3.0 try again later"
        with pytest.raises(DeliveryError) as info:
            await notifier.send(alert_factory())
        assert info.value.retryable and "451" in str(info.value)


async def test_smtp_down_then_up_delivers_exactly_once(
    tmp_path: Path, alert_factory: AlertFactory, smtp_server_factory: Any
) -> None:
    server = smtp_server_factory()  # not started: connection refused
    with SQLiteStore(tmp_path / "state.db") as store:
        store.add_alert(alert_factory(), [("analysts", "immediate")])
        async with _smtp(server.port) as notifier:
            outbox = Outbox(store, {"analysts": notifier}, DeliveryConfig(backoff=5))
            now = time.time()
            assert await outbox.run_once(now) == 0
            [row] = store.deliveries("pending")
            assert row.attempts == 1 and "cannot reach 127.0.0.1" in (row.last_error or "")
            server.start()
            assert await outbox.run_once(now + 1) == 0  # still backing off
            assert await outbox.run_once(now + 60) == 1
            assert await outbox.run_once(now + 120) == 0
    assert len(server.sink.received) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_login_with_credentials_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, alert_factory: AlertFactory, smtp_server_factory: Any
) -> None:
    from aiosmtpd.smtp import AuthResult

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = data.login == b"alice" and data.password == b"s3cret-pw"
        return AuthResult(success=ok, handled=False)

    server = smtp_server_factory(
        authenticator=check, auth_required=True, auth_require_tls=False
    ).start()
    monkeypatch.setenv("T_SMTP_USER", "alice")
    monkeypatch.setenv("T_SMTP_PASSWORD", "s3cret-pw")
    creds: dict[str, Any] = {"username_env": "T_SMTP_USER", "password_env": "T_SMTP_PASSWORD"}
    async with _smtp(server.port, **creds) as notifier:
        await notifier.send(alert_factory())
    assert len(server.sink.received) == 1
    monkeypatch.setenv("T_SMTP_PASSWORD", "wrong-pw")
    async with _smtp(server.port, **creds) as notifier:
        with pytest.raises(DeliveryError) as info:
            await notifier.send(alert_factory())
    assert not info.value.retryable and "wrong-pw" not in str(info.value)
    monkeypatch.delenv("T_SMTP_PASSWORD")
    async with _smtp(server.port, **creds) as notifier:
        with pytest.raises(DeliveryError, match="T_SMTP_PASSWORD"):
            await notifier.send(alert_factory())


async def test_a_burst_of_alerts_shares_one_connection(
    smtp_server: Any, alert_factory: AlertFactory
) -> None:
    async with _smtp(smtp_server.port) as notifier:
        for i in range(5):
            await notifier.send(alert_factory(f"Headline {i}"))
    assert len(smtp_server.sink.received) == 5
    assert len(set(smtp_server.sink.peers)) == 1  # one connection, one handshake
    assert smtp_server.sink.quits == 1  # closed politely when the notifier closed


async def test_a_server_restart_between_alerts_loses_nothing(
    alert_factory: AlertFactory, smtp_server_factory: Any
) -> None:
    server = smtp_server_factory().start()
    async with _smtp(server.port) as notifier:
        await notifier.send(alert_factory("Before"))
        server.stop()  # the open connection is now dead
        server.start()
        await notifier.send(alert_factory("After"))
    before, after = server.sink.messages
    assert str(before["Subject"]).endswith("Before") and str(after["Subject"]).endswith("After")
    assert len(set(server.sink.peers)) == 2  # the dead connection was replaced


async def test_a_connection_at_rest_is_closed(
    monkeypatch: pytest.MonkeyPatch, smtp_server: Any, alert_factory: AlertFactory
) -> None:
    monkeypatch.setattr(smtp_module, "IDLE", 0.2)
    async with _smtp(smtp_server.port) as notifier:
        await notifier.send(alert_factory())
        deadline = time.monotonic() + 5
        while smtp_server.sink.quits == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert smtp_server.sink.quits == 1  # said goodbye while the notifier stayed open
        await notifier.send(alert_factory("Later"))  # and opens another when needed
    assert len(set(smtp_server.sink.peers)) == 2
