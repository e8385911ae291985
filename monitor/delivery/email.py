"""EmailNotifier: alert mail through SMTP (aiosmtplib) or into a local Maildir.

Both transports get the same bytes from `monitor.delivery.message`; the Maildir copy is
exactly what an SMTP server would receive.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib

from monitor.config import EmailNotifierConfig, SmtpConfig
from monitor.delivery import maildir
from monitor.delivery.message import (
    alert_message,
    digest_message,
    envelope_recipients,
    message_bytes,
)
from monitor.delivery.render import Renderer, make_renderer
from monitor.errors import DeliveryError
from monitor.models import Alert

log = logging.getLogger(__name__)


class EmailNotifier:
    """Sends each alert (or digest) as a multipart/alternative email.

    `last_answer` holds the server's reply (SMTP) or the written file (Maildir) of the
    last successful send, for `monitor notify-test`.
    """

    def __init__(self, config: EmailNotifierConfig, *, templates: Path | None = None) -> None:
        self.config = config
        self.name = config.name
        self.renderer: Renderer = make_renderer(templates, owner=config.name)
        self.last_answer = ""

    async def __aenter__(self) -> EmailNotifier:
        root = self.config.maildir
        if self.config.transport == "maildir" and root is not None:
            try:
                await asyncio.to_thread(maildir.ensure_maildir, root)
            except OSError as exc:  # each send will fail (and be retried) with the reason
                log.warning("notifier %r: cannot create the Maildir %s: %s", self.name, root, exc)
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def recipients(self, rule: str) -> list[str]:
        """The To addresses for a rule: its override from `to_by_rule`, else `to`."""
        return list(self.config.to_by_rule.get(rule) or self.config.to)

    def build(self, alert: Alert) -> EmailMessage:
        """The message `send` would deliver for this alert."""
        return alert_message(
            alert,
            notifier=self.name,
            sender=self.config.from_,
            to=self.recipients(alert.rule),
            prefix=self.config.subject_prefix,
            renderer=self.renderer,
        )

    async def send(self, alert: Alert) -> None:
        await self._deliver(self.build(alert), self.recipients(alert.rule))

    async def send_digest(self, alerts: Sequence[Alert], title: str) -> None:
        if not alerts:
            return
        by_recipients: dict[tuple[str, ...], list[Alert]] = {}
        for alert in alerts:
            by_recipients.setdefault(tuple(self.recipients(alert.rule)), []).append(alert)
        for to, group in by_recipients.items():
            msg = digest_message(
                group,
                title,
                notifier=self.name,
                sender=self.config.from_,
                to=to,
                prefix=self.config.subject_prefix,
                renderer=self.renderer,
            )
            await self._deliver(msg, to)

    async def _deliver(self, msg: EmailMessage, to: Sequence[str]) -> None:
        try:
            data = message_bytes(msg)
        except (ValueError, TypeError) as exc:  # a header the email package refuses
            raise DeliveryError(
                self.name, f"cannot build the message: {exc}", retryable=False
            ) from exc
        if self.config.transport == "maildir":
            await self._to_maildir(str(msg["Message-ID"]), data)
        else:
            await self._to_smtp(data, to)

    async def _to_maildir(self, msg_id: str, data: bytes) -> None:
        root = self.config.maildir
        assert root is not None  # checked by the config model
        try:
            path = await asyncio.to_thread(maildir.deliver, root, msg_id, data)
        except OSError as exc:
            raise DeliveryError(
                self.name, f"cannot write to the Maildir {root}: {exc.strerror or exc}"
            ) from exc
        self.last_answer = f"written to {path}"
        log.debug("notifier %r: wrote %s", self.name, path)

    async def _to_smtp(self, data: bytes, to: Sequence[str]) -> None:
        smtp = self.config.smtp
        assert smtp is not None  # checked by the config model
        sender = envelope_recipients([self.config.from_])[0]
        self.last_answer = await send_smtp(
            smtp, sender, envelope_recipients(to), data, name=self.name
        )


async def send_smtp(
    smtp: SmtpConfig, sender: str, to: Sequence[str], data: bytes, *, name: str
) -> str:
    """Send `data` through the server; return its answer. Raises DeliveryError naming the
    notifier `name`, not retryable for 5xx answers and missing credentials. Passwords
    never appear in errors or logs."""
    user, password = _credentials(smtp, name)
    client = aiosmtplib.SMTP(
        hostname=smtp.host,
        port=smtp.port,
        use_tls=smtp.tls == "implicit",
        start_tls=smtp.tls == "starttls",
        timeout=smtp.timeout,
        cert_bundle=str(smtp.ca_file) if smtp.ca_file else None,
    )
    where = f"{smtp.host}:{smtp.port}"
    try:
        async with client:
            if user is not None and password is not None:
                await client.login(user, password)
            refused, answer = await client.sendmail(sender, list(to), data)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        raise DeliveryError(
            name,
            f"{where} refused every recipient: "
            + "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients),
            retryable=any(400 <= c < 500 for c in codes),
        ) from None
    except aiosmtplib.SMTPResponseException as exc:
        raise DeliveryError(
            name, f"{where} answered {exc.code} {exc.message}", retryable=exc.code < 500
        ) from None
    except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
        raise DeliveryError(name, f"cannot reach {where}: {exc}") from None
    if refused:
        log.warning(
            "%s refused some recipients: %s",
            where,
            "; ".join(f"{k}: {v.code} {v.message}" for k, v in refused.items()),
        )
    return f"{where} accepted the message: {answer}"


def _credentials(smtp: SmtpConfig, name: str) -> tuple[str | None, str | None]:
    user = password = None
    for env, label in ((smtp.username_env, "user name"), (smtp.password_env, "password")):
        if env is None:
            continue
        value = os.environ.get(env)
        if not value:
            raise DeliveryError(
                name, f"the environment variable {env} (SMTP {label}) is not set", retryable=False
            )
        if label == "password":
            password = value
        else:
            user = value
    return user, password
