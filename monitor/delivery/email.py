"""EmailNotifier: alert mail through SMTP (aiosmtplib) or into a local Maildir.

Both transports get the same bytes from `monitor.delivery.message`; the Maildir copy is
exactly what an SMTP server would receive.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from email.message import EmailMessage

from monitor.config import EmailNotifierConfig
from monitor.delivery import maildir
from monitor.delivery.base import NotifierBase
from monitor.delivery.message import (
    alert_message,
    digest_message,
    envelope_recipients,
    message_bytes,
)
from monitor.delivery.render import Renderer, make_renderer
from monitor.delivery.smtp import SmtpConnection
from monitor.errors import DeliveryError
from monitor.models import Alert

log = logging.getLogger(__name__)


class EmailNotifier(NotifierBase[EmailNotifierConfig]):
    """Sends each alert (or digest) as a multipart/alternative email.

    `last_answer` holds the server's reply (SMTP) or the written file (Maildir) of the
    last successful send, for `monitor notify-test`.
    """

    config_model = EmailNotifierConfig

    def _setup(self) -> None:
        self.renderer: Renderer = make_renderer(self.templates, owner=self.name)
        self._smtp: SmtpConnection | None = None  # opened on the first message

    async def __aenter__(self) -> EmailNotifier:
        root = self.config.maildir
        if self.config.transport == "maildir" and root is not None:
            try:
                await asyncio.to_thread(maildir.ensure_maildir, root)
            except OSError as exc:  # each send will fail (and be retried) with the reason
                log.warning("notifier %r: cannot create the Maildir %s: %s", self.name, root, exc)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._smtp is not None:
            await self._smtp.close()

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
        if self._smtp is None:
            assert self.config.smtp is not None  # checked by the config model
            self._smtp = SmtpConnection(self.config.smtp, name=self.name)
        sender = envelope_recipients([self.config.from_])[0]
        self.last_answer = await self._smtp.send(sender, envelope_recipients(to), data)
