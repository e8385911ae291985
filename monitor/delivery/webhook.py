"""WebhookNotifier: POST each alert (or digest) as JSON, or as a body from a jinja2 template.

Headers: `X-Monitor-Delivery: <alert or digest id>` (an idempotency key: the same for a
resend), `X-Monitor-Event: alert | digest`, and, when `secret_env` names an environment
variable, `X-Monitor-Signature: sha256=<hex HMAC-SHA256 of the exact body>`.
2xx succeeds; 408, 429, 5xx, timeouts and connection errors are retried (honouring
Retry-After); any other answer fails for good. `timeout` bounds the whole delivery (connect,
send, answer and reply), however slowly the receiver trickles; at most REPLY_CAP bytes of the
reply are read. Errors show the URL without its path and
query (webhook URLs often embed a token) and never the secret.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jinja2
from jinja2.sandbox import SandboxedEnvironment

from monitor import USER_AGENT
from monitor.config import WebhookNotifierConfig
from monitor.delivery.base import NotifierBase
from monitor.delivery.message import digest_context, digest_id
from monitor.delivery.render import (
    alert_context,
    by_relevance,
    is_web_url,
    snippet_html,
    snippet_text,
    snippets_for,
    web_url,
)
from monitor.errors import ConfigError, DeliveryError, Location
from monitor.models import Alert
from monitor.net import retry_after, system_reason

log = logging.getLogger(__name__)

REPLY_CAP = 64 * 1024  # bytes of a reply read at most (only its start is ever shown)


def alert_payload(alert: Alert) -> dict[str, Any]:
    """The documented JSON object for one alert (see docs/notifiers.md)."""
    doc = alert.document
    return {
        "id": alert.id,
        "kind": alert.kind,
        "created": alert.created.isoformat(),
        "rule": {"id": alert.rule, "title": alert.rule_title},
        "score": alert.score,
        "score_parts": dict(alert.score_parts),
        "document": {
            "id": doc.id,
            "title": doc.title,
            "url": web_url(doc.url),  # http(s) only: no javascript:, data:, file:
            "source": doc.source,
            "published": doc.published.isoformat() if doc.published else None,
            "language": alert.language or doc.language,
        },
        "hits": [asdict(h) for h in alert.hits],
        "counts": dict(alert.counts),
        "snippets": [
            {"field": s.field, "text": snippet_text(s), "html": snippet_html(s)}
            for s in snippets_for(alert)
        ],
        "story": story_payload(alert),
    }


def story_payload(alert: Alert) -> dict[str, Any] | None:
    """The alert's story: its id and every copy known when sent (None without stories)."""
    if alert.story is None:
        return None
    return {
        "id": alert.story,
        "spreading": alert.spreading or None,
        "copies": [
            {"document": o.document, "source": o.source, "host": o.host,
             "url": o.url if is_web_url(o.url) else None, "title": o.title,
             "seen": o.seen.isoformat()}
            for o in alert.outlets
        ],
    }


def digest_payload(alerts: Sequence[Alert], title: str) -> dict[str, Any]:
    """The JSON object for a digest: its id and title, and the alerts, the most relevant
    first (then the newest)."""
    ordered = by_relevance(alerts)
    return {
        "digest": {"id": digest_id(alerts, title), "title": title, "count": len(alerts)},
        "alerts": [alert_payload(a) for a in ordered],
    }


def signature(secret: str, body: bytes) -> str:
    """The X-Monitor-Signature value for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def redact(url: str) -> str:
    """The URL without path, query or credentials, for messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/…"


def _load_template(name: str, path: Path) -> jinja2.Template:
    """The body template, or ConfigError naming the notifier, the file and the line."""
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(path.parent)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    try:
        return env.get_template(path.name)
    except jinja2.TemplateNotFound:
        raise ConfigError(f"notifier {name!r}: the template {path} does not exist") from None
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(
            f"notifier {name!r}: {exc.message}", Location(file=str(path), line=exc.lineno)
        ) from None


class WebhookNotifier(NotifierBase[WebhookNotifierConfig]):
    """POSTs alerts to `config.url`."""

    config_model = WebhookNotifierConfig

    def _setup(self) -> None:
        self.client: httpx.AsyncClient | None = None
        self.template: jinja2.Template | None = None
        if self.config.template is not None:
            self.template = _load_template(self.name, self.config.template)

    async def __aenter__(self) -> WebhookNotifier:
        self.client = httpx.AsyncClient(
            timeout=self.config.timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT}
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    async def send(self, alert: Alert) -> None:
        payload = alert_payload(alert)
        if self.template is not None:
            body = self._render(alert=alert_context(alert), payload=payload)
        else:
            body = json.dumps(payload, ensure_ascii=False).encode()
        await self._post(body, delivery=alert.id, event="alert")

    async def send_digest(self, alerts: Sequence[Alert], title: str) -> None:
        if not alerts:
            return
        payload = digest_payload(alerts, title)
        if self.template is not None:
            body = self._render(payload=payload, **digest_context(alerts, title))
        else:
            body = json.dumps(payload, ensure_ascii=False).encode()
        await self._post(body, delivery=payload["digest"]["id"], event="digest")

    def _render(self, **context: Any) -> bytes:
        assert self.template is not None
        try:
            return self.template.render(**context).encode()
        except jinja2.TemplateError as exc:
            raise DeliveryError(
                self.name, f"template {self.config.template}: {exc}", retryable=False
            ) from exc

    def _headers(self, body: bytes, delivery: str, event: str) -> dict[str, str]:
        headers = {
            "Content-Type": self.config.content_type,
            **self.config.headers,
            "X-Monitor-Delivery": delivery,
            "X-Monitor-Event": event,
        }
        env = self.config.secret_env
        if env is not None:
            secret = os.environ.get(env)
            if not secret:
                raise DeliveryError(
                    self.name,
                    f"the environment variable {env} (the HMAC secret) is not set",
                    retryable=False,
                )
            headers["X-Monitor-Signature"] = signature(secret, body)
        return headers

    async def _post(self, body: bytes, *, delivery: str, event: str) -> None:
        headers = self._headers(body, delivery, event)
        where = redact(self.config.url)
        client = self.client or httpx.AsyncClient(timeout=self.config.timeout)
        try:  # one deadline for the whole delivery: connect, send, answer and reply
            async with asyncio.timeout(self.config.timeout):
                status, answer, text, wait = await self._exchange(client, body, headers)
        except TimeoutError:
            raise DeliveryError(
                self.name, f"{where} did not answer within {self.config.timeout:g} s"
            ) from None
        except httpx.HTTPError as exc:
            reason = system_reason(exc) or type(exc).__name__
            raise DeliveryError(self.name, f"cannot reach {where}: {reason}") from None
        finally:
            if client is not self.client:
                await client.aclose()
        self._check(status, f"{where} answered {answer}" + (f": {text}" if text else ""), wait)

    async def _exchange(
        self, client: httpx.AsyncClient, body: bytes, headers: dict[str, str]
    ) -> tuple[int, str, str, str | None]:
        """POST and read at most REPLY_CAP bytes of the reply: (status, "200 OK", the
        reply's first 200 characters, Retry-After)."""
        request = client.build_request("POST", self.config.url, content=body, headers=headers)
        response = await client.send(request, stream=True)
        try:
            reply = b""
            async for chunk in response.aiter_bytes():
                reply += chunk
                if len(reply) >= REPLY_CAP:
                    break
        finally:
            await response.aclose()
        text = reply[:REPLY_CAP].decode(response.encoding or "utf-8", "replace")[:200].strip()
        answer = f"{response.status_code} {response.reason_phrase}".strip()
        return response.status_code, answer, text, response.headers.get("Retry-After")

    def _check(self, status: int, answer: str, wait: str | None) -> None:
        if 200 <= status < 300:
            self.last_answer = answer
            return
        retryable = status in (408, 429) or status >= 500
        raise DeliveryError(
            self.name, answer, retryable=retryable,
            retry_after=retry_after(wait) if retryable else None,
        )
