"""Routing: which notifiers an alert goes to, and the notifiers a process delivers with.

One place for what the daemon, `monitor backfill` and `monitor notify-test` share: a rule's
`notify:` (every notifier when absent) with its `digest:` becomes outbox targets, and the
configured notifiers are built, entered on the caller's exit stack and wrapped so that
every delivery and failure is counted (`monitor_deliveries_total`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from monitor.config import NotifierSection
from monitor.delivery import build_notifier
from monitor.delivery.base import Notifier
from monitor.metrics import MeteredNotifier
from monitor.registry import Resources

if TYPE_CHECKING:
    from monitor.matching.ruleset import Rule

Target = tuple[str, str]  # (notifier name, "immediate" or the digest schedule)


def rule_targets(rule: Rule, notifiers: Collection[str]) -> list[Target]:
    """Where a rule's alerts go: its `notify:` names (every notifier when absent) that
    are configured, each with the rule's `digest:`."""
    names = rule.notify if rule.notify is not None else tuple(notifiers)
    return [(name, rule.digest) for name in names if name in notifiers]


def everyone(notifiers: Collection[str]) -> list[Target]:
    """Every notifier, at once: where the service's own alerts (feed health) go."""
    return [(name, "immediate") for name in notifiers]


async def open_notifiers(
    configs: Sequence[NotifierSection], ctx: Resources, stack: AsyncExitStack
) -> dict[str, Notifier]:
    """Build each notifier, enter it on `stack` (closed with it) and meter it; by name."""
    out: dict[str, Notifier] = {}
    for cfg in configs:
        notifier = await stack.enter_async_context(build_notifier(cfg, ctx))
        out[cfg.name] = MeteredNotifier(notifier)
    return out
