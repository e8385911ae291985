"""The Notifier protocol: one way of delivering alerts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from monitor.config import NotifierSection
from monitor.models import Alert
from monitor.registry import Resources

C = TypeVar("C", bound=NotifierSection)


class Notifier(Protocol):
    """Delivers alerts somewhere: a mailbox, a webhook, a feed file.

    A notifier is an async context manager (it may hold a connection or an HTTP client);
    the daemon enters it once and hands it to the Outbox, which calls `send` and
    `send_digest` one at a time per notifier.

    `send` and `send_digest` either succeed or raise DeliveryError naming the notifier;
    `retryable=False` tells the outbox not to try again (a 4xx answer, a rejected
    recipient, a missing secret), `retry_after` passes on a server's requested delay.
    Any other exception is treated as a retryable failure and logged as a bug.

    Delivery is at-least-once, so sending the same alert twice must be recognisable by
    the receiver (stable Message-ID, X-Monitor-Delivery header, Atom entry id), and a
    digest resent for the same window and alerts must carry the same id.

    Error messages and logs never contain secrets (passwords, HMAC keys, tokens in URLs).
    """

    name: str

    @property
    def last_answer(self) -> str:
        """The reply to the last successful send, human-readable ("" before one): the SMTP
        server's answer, the file written; `monitor notify-test` prints it."""
        ...

    async def __aenter__(self) -> Notifier:
        """Acquire resources."""
        ...

    async def __aexit__(self, *exc: object) -> None:
        """Release them."""
        ...

    async def send(self, alert: Alert) -> None:
        """Deliver one alert."""
        ...

    async def send_digest(self, alerts: Sequence[Alert], title: str) -> None:
        """Deliver several alerts as one message, grouped by rule and newest first;
        `title` names the window (e.g. "Daily digest, 2026-11-27") and is stable for it."""
        ...


class NotifierBase(Generic[C]):
    """Optional base of a notifier made from its config section: keeps the section
    (`config`), the `name`, the templates folder overriding the shipped templates, and
    `last_answer`; `from_config` hands it `ctx.templates`. A kind sets up the rest of what
    it keeps in `_setup`."""

    config_model: ClassVar[type[Any]]

    def __init__(self, config: C, *, templates: Path | None = None) -> None:
        self.config = config
        self.name = config.name
        self.templates = templates
        self.last_answer = ""
        self._setup()

    @classmethod
    def from_config(cls, cfg: C, ctx: Resources) -> Self:
        """The notifier for a config section, with the templates of `ctx.templates`."""
        return cls(cfg, templates=ctx.templates)

    def _setup(self) -> None:
        """Set up what the kind keeps besides (its constructor takes no more arguments)."""
