"""Delivery: notifiers (email, webhook, atom, apprise) and the outbox that drives them.

`NOTIFIERS` maps the config `type:` to the class; `build_notifier` makes one from its
config section. The daemon enters each notifier once (they are async context managers)
and hands them to an `Outbox` (monitor.delivery.outbox).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from monitor.config import NotifierConfig
from monitor.delivery.apprise import AppriseNotifier
from monitor.delivery.atom import AtomNotifier
from monitor.delivery.base import Notifier
from monitor.delivery.email import EmailNotifier
from monitor.delivery.webhook import WebhookNotifier

NOTIFIERS: dict[str, type[Any]] = {
    "email": EmailNotifier,
    "atom": AtomNotifier,
    "webhook": WebhookNotifier,
    "apprise": AppriseNotifier,
}


def build_notifier(cfg: NotifierConfig, *, templates: Path | None = None) -> Notifier:
    """The notifier for a config section; `templates` overrides the shipped templates."""
    cls = NOTIFIERS[cfg.type]
    notifier: Notifier = cls(cfg, templates=templates)
    return notifier


__all__ = [
    "NOTIFIERS",
    "AppriseNotifier",
    "AtomNotifier",
    "EmailNotifier",
    "Notifier",
    "WebhookNotifier",
    "build_notifier",
]
