"""Secrets a notifier reads from the environment (`secret_env`, `username_env`,
`password_env`, an Apprise notifier's `urls_env`): which are unset, so `monitor check`
and the daemon's start can say so before every delivery fails for good."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

from monitor.config import (
    AppriseNotifierConfig,
    Config,
    EmailNotifierConfig,
    WebhookNotifierConfig,
)


def _needed(config: Config) -> Iterator[tuple[str, str, str]]:
    """(notifier, variable, what it holds) for every secret the notifiers read."""
    for n in config.notifiers:
        if isinstance(n, AppriseNotifierConfig):
            for var in n.urls_env:
                yield n.name, var, "the Apprise URLs"
        if isinstance(n, WebhookNotifierConfig) and n.secret_env:
            yield n.name, n.secret_env, "the webhook's HMAC secret"
        if isinstance(n, EmailNotifierConfig) and n.transport == "smtp" and n.smtp is not None:
            if n.smtp.username_env:
                yield n.name, n.smtp.username_env, "the SMTP user name"
            if n.smtp.password_env:
                yield n.name, n.smtp.password_env, "the SMTP password"


def unset_secrets(config: Config, environ: Mapping[str, str] | None = None) -> list[str]:
    """One message per environment variable a notifier needs that is unset or empty."""
    env = os.environ if environ is None else environ
    return [
        f"notifier {name!r}: the environment variable {var} ({what}) is not set; "
        "its deliveries will fail until it is"
        for name, var, what in _needed(config) if not env.get(var)
    ]
