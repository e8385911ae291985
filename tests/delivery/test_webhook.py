"""WebhookNotifier against a real local HTTP server: payload, HMAC, retries, give-up."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from monitor.config import DeliveryConfig, WebhookNotifierConfig
from monitor.delivery.outbox import Outbox
from monitor.delivery.webhook import WebhookNotifier
from monitor.errors import DeliveryError
from monitor.models import Alert
from monitor.store.sqlite import SQLiteStore

AlertFactory = Callable[..., Alert]
SECRET = "hmac-secret-value"
SHIPPED = Path(__file__).parents[2] / "monitor" / "delivery" / "templates"


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_WEBHOOK_SECRET", SECRET)


def _hook(url: str, **extra: Any) -> WebhookNotifier:
    cfg = WebhookNotifierConfig.model_validate(
        {
            "type": "webhook",
            "name": "chat",
            "url": url,
            "secret_env": "T_WEBHOOK_SECRET",
            "timeout": 2,
            "headers": {"X-Team": "analysts"},
            **extra,
        }
    )
    return WebhookNotifier(cfg)


async def test_json_payload_signed_with_hmac(
    webhook_server: Any, alert_factory: AlertFactory
) -> None:
    alert = alert_factory("Arms & <script>alert(1)</script>")
    async with _hook(webhook_server.url) as hook:
        await hook.send(alert)
        assert "200" in hook.last_answer
    [req] = webhook_server.requests
    expected = hmac.new(SECRET.encode(), req.body, hashlib.sha256).hexdigest()
    assert req.headers["X-Monitor-Signature"] == f"sha256={expected}"
    assert req.headers["X-Monitor-Delivery"] == alert.id
    assert req.headers["X-Monitor-Event"] == "alert"
    assert req.headers["X-Team"] == "analysts"
    assert req.headers["Content-Type"] == "application/json"
    payload = json.loads(req.body)
    assert payload["id"] == alert.id
    assert payload["rule"] == {"id": "defence-china", "title": "Defence cooperation with China"}
    doc = payload["document"]
    assert doc["title"] == "Arms & <script>alert(1)</script>"
    assert doc["url"] == "https://example.org/news/1?a=1&b=2"
    assert doc["source"] == "seeds" and doc["language"] == "ru"
    assert doc["published"] == "2026-11-27T09:30:00+00:00"
    assert [h["text"] for h in payload["hits"]] == ["Китаем", "оборонной промышленности"]
    assert payload["snippets"][0]["text"] == "…диалог с [Китаем] в [оборонной промышленности]"


async def test_retries_on_500_and_429_then_delivers_once(
    tmp_path: Path, webhook_server: Any, alert_factory: AlertFactory
) -> None:
    webhook_server.answers = [(500, {}, 0), (429, {"Retry-After": "120"}, 0), (204, {}, 0)]
    with SQLiteStore(tmp_path / "state.db") as store:
        store.add_alert(alert_factory(), [("chat", "immediate")])
        async with _hook(webhook_server.url) as hook:
            outbox = Outbox(store, {"chat": hook}, DeliveryConfig(backoff=1, backoff_max=2))
            now = time.time()
            assert await outbox.run_once(now) == 0  # 500
            assert await outbox.run_once(now + 5) == 0  # 429, asks for 120 s
            [row] = store.deliveries("pending")
            assert row.next_attempt >= now + 5 + 120 and "429" in (row.last_error or "")
            assert await outbox.run_once(now + 60) == 0  # Retry-After honoured: no request
            assert len(webhook_server.requests) == 2
            assert await outbox.run_once(now + 200) == 1
            assert await outbox.run_once(now + 400) == 0
    ids = {r.headers["X-Monitor-Delivery"] for r in webhook_server.requests}
    assert len(webhook_server.requests) == 3 and len(ids) == 1


async def test_gives_up_on_400(
    tmp_path: Path, webhook_server: Any, alert_factory: AlertFactory
) -> None:
    webhook_server.answers = [(400, {}, 0)]
    with SQLiteStore(tmp_path / "state.db") as store:
        store.add_alert(alert_factory(), [("chat", "immediate")])
        async with _hook(webhook_server.url) as hook:
            outbox = Outbox(store, {"chat": hook}, DeliveryConfig(backoff=1))
            assert await outbox.run_once() == 0
            assert await outbox.run_once(time.time() + 3600) == 0
        [row] = store.deliveries("failed")
    assert "400" in (row.last_error or "") and len(webhook_server.requests) == 1


@pytest.mark.parametrize("status,retryable", [(408, True), (503, True), (404, False), (301, False)])
async def test_status_classes(
    webhook_server: Any, alert_factory: AlertFactory, status: int, retryable: bool
) -> None:
    webhook_server.answers = [(status, {}, 0)]
    async with _hook(webhook_server.url) as hook:
        with pytest.raises(DeliveryError) as info:
            await hook.send(alert_factory())
    assert info.value.retryable is retryable
    assert str(status) in str(info.value)


async def test_timeout_is_retryable_and_errors_hide_url_token_and_secret(
    webhook_server: Any, alert_factory: AlertFactory
) -> None:
    webhook_server.answers = [(200, {}, 1.0)]
    async with _hook(webhook_server.url, timeout=0.3) as hook:
        with pytest.raises(DeliveryError) as info:
            await hook.send(alert_factory())
    message = str(info.value)
    assert info.value.retryable and "did not answer within 0.3 s" in message
    assert "T0KEN" not in message and SECRET not in message


async def test_missing_secret_is_a_permanent_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, webhook_server: Any, alert_factory: AlertFactory
) -> None:
    monkeypatch.delenv("T_WEBHOOK_SECRET")
    async with _hook(webhook_server.url) as hook:
        with pytest.raises(DeliveryError, match="T_WEBHOOK_SECRET") as info:
            await hook.send(alert_factory())
    assert not info.value.retryable and webhook_server.requests == []


async def test_slack_template_body(webhook_server: Any, alert_factory: AlertFactory) -> None:
    alert = alert_factory('He said "stop" & <b>{{ 7*7 }}</b>')
    async with _hook(webhook_server.url, template=SHIPPED / "webhook-slack.json") as hook:
        await hook.send(alert)
        await hook.send_digest([alert, alert_factory("Second", n=1)], "Daily digest, 2026-11-27")
    first, second = webhook_server.requests
    text = json.loads(first.body)["text"]
    assert text.startswith('*Defence cooperation with China*: He said "stop" & <b>{{ 7*7 }}</b>')
    assert text.endswith("https://example.org/news/1?a=1&b=2")
    digest = json.loads(second.body)["text"]
    assert digest.startswith("*Daily digest, 2026-11-27*: 2 alerts\nSecond\n")
    assert second.headers["X-Monitor-Event"] == "digest"


def test_missing_or_broken_template_is_a_config_error(tmp_path: Path) -> None:
    from monitor.errors import ConfigError

    with pytest.raises(ConfigError, match="does not exist"):
        _hook("http://127.0.0.1:9/", template=tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text('{"text": {{ alert.headline | tojson }\n', "utf-8")
    with pytest.raises(ConfigError, match=r"bad\.json:1"):
        _hook("http://127.0.0.1:9/", template=tmp_path / "bad.json")
