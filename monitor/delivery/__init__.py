"""Delivery: notifiers (email, webhook, atom, apprise) and the outbox that drives them.

`NOTIFIERS` is the registry of notifier kinds: config `type:` -> class, each made with
`from_config(cfg, ctx)`; `build_notifier` makes one from its config section. The daemon
enters each notifier once (they are async context managers) and hands them to an `Outbox`
(monitor.delivery.outbox). A kind's module (templates, HTTP client, Apprise) is imported when
the first notifier of that kind is built.
"""

from __future__ import annotations

from monitor.config import (
    AppriseNotifierConfig,
    AtomNotifierConfig,
    EmailNotifierConfig,
    NotifierSection,
    WebhookNotifierConfig,
)
from monitor.delivery.base import Notifier
from monitor.registry import Registry, Resources

NOTIFIERS: Registry[Notifier] = Registry("notifier", "monitor.notifiers", [
    (EmailNotifierConfig, "monitor.delivery.email:EmailNotifier"),
    (AtomNotifierConfig, "monitor.delivery.atom:AtomNotifier"),
    (WebhookNotifierConfig, "monitor.delivery.webhook:WebhookNotifier"),
    (AppriseNotifierConfig, "monitor.delivery.apprise:AppriseNotifier"),
])


def build_notifier(cfg: NotifierSection, ctx: Resources | None = None) -> Notifier:
    """The notifier for a config section, with the shared resources in `ctx`."""
    return NOTIFIERS.build(cfg, ctx or Resources())


__all__ = ["NOTIFIERS", "Notifier", "build_notifier"]
