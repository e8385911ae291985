"""Only http(s) URLs leave the daemon: a webhook's payload carries no javascript:, data: or
file: URL, in single alerts and in digests (email and Atom drop them too)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from monitor.config import WebhookNotifierConfig
from monitor.delivery.webhook import WebhookNotifier
from monitor.models import Alert

AlertFactory = Callable[..., Alert]
UNSAFE = ["javascript:alert(document.cookie)", "JavaScript:alert(1)",
          "data:text/html,<script>alert(1)</script>", "file:///etc/passwd",
          "vbscript:msgbox(1)", "//evil.example/x", "http://exa mple.org/\r\nX: y"]


def _hook(url: str) -> WebhookNotifier:
    return WebhookNotifier(WebhookNotifierConfig.model_validate(
        {"type": "webhook", "name": "hook", "url": url, "timeout": 5}))


@pytest.mark.parametrize("url", UNSAFE)
async def test_unsafe_document_urls_are_left_out(
    webhook_server: Any, alert_factory: AlertFactory, url: str
) -> None:
    async with _hook(webhook_server.url) as hook:
        await hook.send(alert_factory(url=url))
        await hook.send_digest([alert_factory(url=url, n=1)], "Daily digest, 2026-11-27")
    single, digest = (json.loads(r.body) for r in webhook_server.requests)
    assert single["document"]["url"] is None
    assert digest["alerts"][0]["document"]["url"] is None
    for request in webhook_server.requests:
        assert url.encode() not in request.body and b"javascript" not in request.body.lower()


async def test_web_urls_are_kept(webhook_server: Any, alert_factory: AlertFactory) -> None:
    async with _hook(webhook_server.url) as hook:
        await hook.send(alert_factory(url="https://example.org/news/1?a=1&b=2"))
    [request] = webhook_server.requests
    assert json.loads(request.body)["document"]["url"] == "https://example.org/news/1?a=1&b=2"
