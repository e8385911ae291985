"""EmailNotifier: alert mail built from the templates, handed to its mail transport
(SMTP or a local Maildir: monitor.delivery.transports)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.message import EmailMessage

from monitor.config import EmailNotifierConfig
from monitor.delivery.base import NotifierBase
from monitor.delivery.message import (
    alert_message,
    digest_message,
    message_bytes,
)
from monitor.delivery.render import Renderer, make_renderer
from monitor.delivery.transports import MailTransport, mail_transport
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
        self.transport: MailTransport = mail_transport(self.config)

    async def __aenter__(self) -> EmailNotifier:
        await self.transport.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.transport.close()

    @property
    def group_by_document(self) -> bool:
        """Whether the outbox should send one message per article (`group: document`)."""
        return self.config.group == "document"

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
        self.last_answer = await self.transport.send(
            str(msg["Message-ID"]), self.config.from_, to, data)
