"""Delivery: notifiers (email, webhook, atom, apprise) and the outbox that drives them.

`NOTIFIERS` is the registry of notifier kinds: config `type:` -> class, each made with
`from_config(cfg, ctx)`; `build_notifier` makes one from its config section. The daemon
enters each notifier once (they are async context managers) and hands them to an `Outbox`
(monitor.delivery.outbox).
"""

from __future__ import annotations

from monitor.config import NotifierSection
from monitor.delivery.apprise import AppriseNotifier
from monitor.delivery.atom import AtomNotifier
from monitor.delivery.base import Notifier
from monitor.delivery.email import EmailNotifier
from monitor.delivery.webhook import WebhookNotifier
from monitor.registry import Registry, Resources

NOTIFIERS: Registry[Notifier] = Registry(
    "notifier", "monitor.notifiers",
    [EmailNotifier, AtomNotifier, WebhookNotifier, AppriseNotifier],
)


def build_notifier(cfg: NotifierSection, ctx: Resources | None = None) -> Notifier:
    """The notifier for a config section, with the shared resources in `ctx`."""
    return NOTIFIERS.build(cfg, ctx or Resources())


__all__ = [
    "NOTIFIERS",
    "AppriseNotifier",
    "AtomNotifier",
    "EmailNotifier",
    "Notifier",
    "WebhookNotifier",
    "build_notifier",
]
