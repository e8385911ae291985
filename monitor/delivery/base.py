"""The Notifier protocol: one way of delivering alerts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from monitor.models import Alert


class Notifier(Protocol):
    """Delivers alerts somewhere: a mailbox, a webhook, a feed file.

    A notifier is an async context manager (it may hold a connection or an HTTP client).
    `send` and `send_digest` either succeed or raise DeliveryError; `retryable=False`
    tells the outbox not to try again. Sending the same alert twice must be recognisable
    by the receiver (stable Message-ID, X-Monitor-Delivery header, Atom entry id).
    """

    name: str

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
        """Deliver several alerts as one message (newest first); `title` names the window."""
        ...
