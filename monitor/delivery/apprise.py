"""AppriseNotifier: alerts to any of the 100+ services Apprise speaks (Slack, Teams,
Telegram, Matrix, ntfy, Discord, mail...), each named by an Apprise URL.

The URLs hold tokens, so config.yaml names environment variables that hold them
(`urls_env`); one variable may hold several URLs separated by spaces, commas or new
lines. Every URL is its own target: an alert is sent to each, and when some accepted it
and others failed, the retry goes only to the ones that failed (within this process), so a
flaky Telegram does not repeat the alert in Slack. The body is the same text (or HTML, or
Markdown) template an email uses; the title is the email's subject.

Apprise is synchronous; it runs in a worker thread. Apprise does not say whether a failure
is passing, so every failure is retried by the outbox (and given up after
`delivery.max_attempts`), except configuration problems: an unset variable or a URL
Apprise cannot use.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from monitor.config import AppriseNotifierConfig
from monitor.delivery.message import digest_context, digest_id, subject
from monitor.delivery.render import alert_context, make_renderer, one_line
from monitor.errors import DeliveryError
from monitor.models import Alert
from monitor.registry import Resources

log = logging.getLogger(__name__)

_SPLIT = re.compile(r"[\s,]+")
_TEMPLATES = {"text": ("alert.txt", "digest.txt"), "markdown": ("alert.txt", "digest.txt"),
              "html": ("alert.html", "digest.html")}
REMEMBERED = 1000  # deliveries whose accepted targets are kept for partial retries


def redact(url: str) -> str:
    """An Apprise URL as `scheme://host/…`: its tokens and passwords left out."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}/…" if host else f"{parts.scheme}://…"


class AppriseNotifier:
    """Sends alerts to the Apprise URLs held by `config.urls_env`."""

    config_model = AppriseNotifierConfig

    @classmethod
    def from_config(cls, cfg: AppriseNotifierConfig, ctx: Resources) -> AppriseNotifier:
        """The notifier for a config section (with the templates of `ctx.templates`)."""
        return cls(cfg, templates=ctx.templates)

    def __init__(self, config: AppriseNotifierConfig, *, templates: Path | None = None) -> None:
        self.config = config
        self.name = config.name
        self.renderer = make_renderer(templates, owner=config.name)
        self.last_answer = ""
        self._accepted: OrderedDict[str, set[str]] = OrderedDict()

    async def __aenter__(self) -> AppriseNotifier:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def send(self, alert: Alert) -> None:
        ctx = alert_context(alert)
        title = subject(self.config.title_prefix, alert.rule_title, alert.document.title)
        body = self.renderer.render(_TEMPLATES[self.config.format][0], alert=ctx)
        await self._notify(alert.id, title, body)

    async def send_digest(self, alerts: Sequence[Alert], title: str) -> None:
        if not alerts:
            return
        body = self.renderer.render(_TEMPLATES[self.config.format][1],
                                    **digest_context(alerts, title))
        full = one_line(f"{self.config.title_prefix} {title}".strip(), 250)
        await self._notify(digest_id(alerts, title), full, body)

    def urls(self) -> list[str]:
        """The target URLs, read from the environment at each send (a changed secret is
        picked up without a restart)."""
        out: list[str] = []
        for env in self.config.urls_env:
            value = os.environ.get(env, "")
            if not value.strip():
                raise DeliveryError(self.name, f"the environment variable {env} (Apprise "
                                    "URLs) is not set", retryable=False)
            out += [u for u in _SPLIT.split(value.strip()) if u]
        return out

    async def _notify(self, key: str, title: str, body: str) -> None:
        done = self._accepted.setdefault(key, set())
        self._accepted.move_to_end(key)
        while len(self._accepted) > REMEMBERED:
            self._accepted.popitem(last=False)
        failures = []
        for url in self.urls():
            if url in done:
                continue
            problem = await asyncio.to_thread(self._send_one, url, title, body)
            if problem is None:
                done.add(url)
            else:
                failures.append(problem)
        if failures:
            raise DeliveryError(self.name, "; ".join(p[0] for p in failures),
                                retryable=all(p[1] for p in failures))
        self._accepted.pop(key, None)
        self.last_answer = f"{len(done)} target(s) accepted it"

    def _send_one(self, url: str, title: str, body: str) -> tuple[str, bool] | None:
        """Send to one URL: None when accepted, else (the reason, whether to retry)."""
        import apprise

        where = redact(url)
        target = apprise.Apprise()
        if not target.add(url):
            return f"{where}: not a URL Apprise can use", False
        fmt = {"text": apprise.NotifyFormat.TEXT, "markdown": apprise.NotifyFormat.MARKDOWN,
               "html": apprise.NotifyFormat.HTML}[self.config.format]
        with apprise.LogCapture(  # type: ignore[no-untyped-call]
                level=logging.WARNING, fmt="%(message)s") as captured:  # no time or level
            ok = target.notify(body=body, title=title, body_format=fmt)
        if ok:
            return None
        lines = [ln for ln in captured.getvalue().splitlines() if ln.strip()]
        reason = _scrub(lines[-1] if lines else "not accepted", url)
        return f"{where}: {reason}", True


def _scrub(message: str, url: str) -> str:
    """A log line without the URL's secrets (its user, password, path and query)."""
    parts = urlsplit(url)
    secrets = [parts.username, parts.password, *parts.path.split("/"), parts.query, url]
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        message = message.replace(secret, "…")
    return one_line(re.sub(r"^\S+ - \w+ - ", "", message), 200)
