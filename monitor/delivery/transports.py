"""Mail transports: where an email notifier's finished messages go.

`MailTransport` is the protocol; `MaildirTransport` writes into a local Maildir and
`SmtpTransport` sends through a server (one connection, reused while busy). `TRANSPORTS`
maps config.yaml's `transport:` to the class; `mail_transport(cfg)` makes the one a
section names. Both get the same bytes, so the Maildir copy is exactly what an SMTP server
would receive.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from monitor.config import EmailNotifierConfig, SmtpConfig
from monitor.delivery import maildir
from monitor.delivery.message import envelope_recipients
from monitor.errors import ConfigError, DeliveryError

if TYPE_CHECKING:
    from monitor.delivery.smtp import SmtpConnection

log = logging.getLogger(__name__)


class MailTransport(Protocol):
    """Delivers finished messages for one notifier (`owner`, named in errors)."""

    async def open(self) -> None:
        """Prepare what can be prepared; a problem is logged, each send then fails with it."""
        ...

    async def send(self, message_id: str, sender: str, to: Sequence[str], data: bytes) -> str:
        """Deliver one message (`sender` and `to` as in its headers); return a
        human-readable answer. Raises DeliveryError."""
        ...

    async def close(self) -> None:
        """Release what it holds (a server connection)."""
        ...


class MaildirTransport:
    """Messages written into a Maildir (`new/`), one file per Message-ID."""

    def __init__(self, root: Path, *, owner: str) -> None:
        self.root = root
        self.owner = owner

    @classmethod
    def from_config(cls, cfg: EmailNotifierConfig) -> MaildirTransport:
        if cfg.maildir is None:
            raise ConfigError(f"notifier {cfg.name!r}: transport maildir needs `maildir:`")
        return cls(cfg.maildir, owner=cfg.name)

    async def open(self) -> None:
        try:
            await asyncio.to_thread(maildir.ensure_maildir, self.root)
        except OSError as exc:  # each send will fail (and be retried) with the reason
            log.warning("notifier %r: cannot create the Maildir %s: %s", self.owner, self.root,
                        exc)

    async def send(self, message_id: str, sender: str, to: Sequence[str], data: bytes) -> str:
        try:
            path = await asyncio.to_thread(maildir.deliver, self.root, message_id, data)
        except OSError as exc:
            raise DeliveryError(
                self.owner, f"cannot write to the Maildir {self.root}: {exc.strerror or exc}"
            ) from exc
        log.debug("notifier %r: wrote %s", self.owner, path)
        return f"written to {path}"

    async def close(self) -> None:
        return None


class SmtpTransport:
    """Messages sent through an SMTP server; the connection opens at the first message."""

    def __init__(self, smtp: SmtpConfig, *, owner: str) -> None:
        self.smtp = smtp
        self.owner = owner
        self._connection: SmtpConnection | None = None

    @classmethod
    def from_config(cls, cfg: EmailNotifierConfig) -> SmtpTransport:
        if cfg.smtp is None:
            raise ConfigError(f"notifier {cfg.name!r}: transport smtp needs `smtp:`")
        return cls(cfg.smtp, owner=cfg.name)

    async def open(self) -> None:
        return None

    async def send(self, message_id: str, sender: str, to: Sequence[str], data: bytes) -> str:
        if self._connection is None:
            from monitor.delivery.smtp import SmtpConnection  # aiosmtplib: for SMTP only

            self._connection = SmtpConnection(self.smtp, name=self.owner)
        envelope_from = envelope_recipients([sender])[0]
        return await self._connection.send(envelope_from, envelope_recipients(to), data)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()


TRANSPORTS: dict[str, type[MaildirTransport] | type[SmtpTransport]] = {
    "maildir": MaildirTransport,
    "smtp": SmtpTransport,
}


def mail_transport(cfg: EmailNotifierConfig) -> MailTransport:
    """The transport an email notifier's section names."""
    return TRANSPORTS[cfg.transport].from_config(cfg)
