"""The Apprise notifier against local receivers: its json:// and form:// targets POST to a
real HTTP server on 127.0.0.1, its mailto:// target talks to aiosmtpd; outages are retried
by the real outbox and nothing is lost or sent twice to a target that accepted it."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from monitor.config import AppriseNotifierConfig, DeliveryConfig, load_config
from monitor.delivery import build_notifier
from monitor.delivery.apprise import AppriseNotifier
from monitor.delivery.outbox import Outbox
from monitor.errors import DeliveryError
from monitor.models import Alert
from monitor.store.sqlite import SQLiteStore
from tests.helpers import HttpTestServer as Http
from tests.servers import SmtpServer, http_server

AlertFactory = Callable[..., Alert]


@pytest.fixture
def http() -> Iterator[Http]:
    with http_server() as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def mailto(port: int) -> str:
    return (f"mailto://127.0.0.1:{port}?mode=insecure&from=monitor@example.org"
            "&to=analyst@example.org")


def notifier(urls_env: list[str], fmt: str = "text") -> AppriseNotifier:
    cfg = AppriseNotifierConfig(type="apprise", name="chat", urls_env=urls_env, format=fmt)
    return AppriseNotifier(cfg)


def received(http: Http, path: str) -> list[dict[str, str]]:
    out = []
    for post in http.posts:
        if post.path != path:
            continue
        if post.headers.get("Content-Type") == "application/json":
            out.append(json.loads(post.body))
        else:
            out.append({k: v[0] for k, v in parse_qs(post.body.decode()).items()})
    return out


async def test_an_alert_reaches_json_form_and_mail_targets(
    http: Http, smtp: SmtpServer, alert_factory: AlertFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHAT_URLS", f"json://127.0.0.1:{http.port}/hook, "
                                    f"form://127.0.0.1:{http.port}/form")
    monkeypatch.setenv("MAIL_URL", mailto(smtp.port))
    alert = alert_factory(title="Пекин и Баку: <оборона> & сотрудничество")
    async with notifier(["CHAT_URLS", "MAIL_URL"]) as n:
        await n.send(alert)
    [posted] = received(http, "/hook")
    assert posted["title"] == "[monitor] Defence cooperation with China: Пекин и Баку: " \
        "<оборона> & сотрудничество"
    assert "Пекин и Баку: <оборона> & сотрудничество" in posted["message"]
    assert "https://example.org/news/1?a=1&b=2" in posted["message"]
    [form] = received(http, "/form")
    assert form["title"] == posted["title"] and form["message"] == posted["message"]
    [mail] = smtp.sink.messages
    assert mail["Subject"] == posted["title"]
    body = mail.get_body()
    assert body is not None
    assert "оборонной промышленности" in body.get_content()  # the snippet
    assert n.last_answer == "3 target(s) accepted it"


async def test_a_digest_is_one_message_per_target(
    http: Http, alert_factory: AlertFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHAT_URLS", f"json://127.0.0.1:{http.port}/hook")
    alerts = [alert_factory(title=f"Headline {i}", n=i) for i in range(3)]
    async with notifier(["CHAT_URLS"], fmt="markdown") as n:
        await n.send_digest(alerts, "Daily digest, 2026-12-02")
    [posted] = received(http, "/hook")
    assert posted["title"] == "[monitor] Daily digest, 2026-12-02"
    assert all(f"Headline {i}" in posted["message"] for i in range(3))


async def test_an_outage_delays_and_loses_nothing(
    tmp_path: Path, http: Http, smtp: SmtpServer, alert_factory: AlertFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHAT_URLS", f"json://127.0.0.1:{http.port}/hook")
    monkeypatch.setenv("MAIL_URL", mailto(smtp.port))
    http.post_status = lambda: 503
    smtp.sink.up = False
    alerts = [alert_factory(title=f"Outage headline {i}", n=i) for i in range(3)]
    config = DeliveryConfig(backoff=1.0, backoff_max=1.0, max_attempts=50)
    with SQLiteStore(tmp_path / "state.db") as store:
        for alert in alerts:
            store.add_alert(alert, [("chat", "immediate")])
        async with notifier(["CHAT_URLS", "MAIL_URL"]) as n:
            outbox = Outbox(store, {"chat": n}, config)
            now = time.time()
            assert await outbox.run_once(now) == 0
            [failed] = store.deliveries("pending", limit=1)
            assert failed.attempts == 1 and "127.0.0.1" in (failed.last_error or "")
            http.post_status = lambda: 200  # the chat is back, the mail server not yet
            assert await outbox.run_once(now + 5) == 0
            assert len(received(http, "/hook")) == 3
            smtp.sink.up = True
            assert await outbox.run_once(now + 10) == 3
            assert await outbox.run_once(now + 15) == 0
        assert store.deliveries("pending") == []
    titles = sorted(p["title"] for p in received(http, "/hook"))
    assert titles == sorted(f"[monitor] Defence cooperation with China: Outage headline {i}"
                            for i in range(3))  # each once: the retries went to mail only
    assert sorted(m["Subject"] for m in smtp.sink.messages) == titles


async def test_errors_name_the_target_without_its_secrets(
    http: Http, alert_factory: AlertFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    http.post_status = lambda: 500
    monkeypatch.setenv("CHAT_URLS", f"json://user:hunter22@127.0.0.1:{http.port}/tok-9f8e7d")
    async with notifier(["CHAT_URLS"]) as n:
        with pytest.raises(DeliveryError) as caught:
            await n.send(alert_factory())
    assert caught.value.retryable
    message = str(caught.value)
    assert "json://127.0.0.1/…" in message
    assert "hunter22" not in message and "tok-9f8e7d" not in message
    # Apprise's own log line, without its time and level ("2026-12-03 07:50:24,138 -
    # WARNING - ..."): the reason only
    reason = message.split("json://127.0.0.1/…: ", 1)[1]
    assert not re.match(r"\d{4}-\d\d-\d\d", reason) and " - WARNING - " not in reason, message


async def test_missing_variables_and_unusable_urls_are_not_retried(
    alert_factory: AlertFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NOT_SET_URLS", raising=False)
    async with notifier(["NOT_SET_URLS"]) as n:
        with pytest.raises(DeliveryError, match=r"NOT_SET_URLS .* is not set") as caught:
            await n.send(alert_factory())
    assert not caught.value.retryable
    monkeypatch.setenv("ODD_URLS", "nosuchservice://token@host")
    async with notifier(["ODD_URLS"]) as n:
        with pytest.raises(DeliveryError, match="not a URL Apprise can use") as caught:
            await n.send(alert_factory())
    assert not caught.value.retryable and "token" not in str(caught.value)


def test_config_yaml_accepts_an_apprise_notifier(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        "notifiers:\n  - {name: chat, type: apprise, urls_env: [CHAT_URLS], format: markdown}\n",
        encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    assert isinstance(build_notifier(config.notifiers[0]), AppriseNotifier)
