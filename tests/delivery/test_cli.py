"""`monitor alerts [--failed] [--retry]` and `monitor notify-test NAME`, run as a user would."""

from __future__ import annotations

import email
import json
from collections.abc import Callable
from email import policy
from pathlib import Path
from typing import Any

import pytest

from monitor.cli import main
from monitor.models import Alert
from monitor.store.sqlite import SQLiteStore

AlertFactory = Callable[..., Alert]


def _project(
    tmp_path: Path, webhook_url: str = "http://127.0.0.1:9/none", smtp_port: int = 9
) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""
state: out/state.db
notifiers:
  - {{name: analysts, type: email, transport: maildir, maildir: out/mail/, to: [a@example.org]}}
  - {{name: atom, type: atom, path: out/feeds/}}
  - {{name: chat, type: webhook, url: "{webhook_url}", timeout: 2}}
  - name: relay
    type: email
    transport: smtp
    smtp: {{host: 127.0.0.1, port: {smtp_port}, tls: none, timeout: 2}}
    to: [b@example.org]
""",
        encoding="utf-8",
    )
    return config


def test_alerts_lists_pending_and_failed_and_retries(
    tmp_path: Path, alert_factory: AlertFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _project(tmp_path)
    with SQLiteStore(tmp_path / "out" / "state.db") as store:
        store.add_alert(alert_factory("Failed headline"), [("chat", "immediate")])
        store.add_alert(alert_factory("Waiting headline", n=1), [("analysts", "daily")])
        [failed] = store.due_deliveries(1e12)
        store.mark_failed([failed.id], "notifier 'chat': 127.0.0.1:9 answered 400 Bad Request")
    assert main(["alerts", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "Waiting headline" in out and "\n    waits for the next daily digest\n" in out
    assert "1 pending delivery\n" in out and "Failed headline" not in out
    assert main(["alerts", "--failed", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "Failed headline" in out and "400 Bad Request" in out and "--retry" in out
    assert main(["alerts", "--failed", "--json", "--config", str(config)]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["notifier"] == "chat" and row["status"] == "failed"
    assert main(["alerts", "--retry", "--config", str(config)]) == 0
    assert "1 failed delivery pending again" in capsys.readouterr().out
    with SQLiteStore(tmp_path / "out" / "state.db", lock=False) as store:
        assert store.deliveries("failed") == [] and len(store.deliveries("pending")) == 2
    assert main(["alerts", "--limit", "1", "--config", str(config)]) == 0
    out = capsys.readouterr().out  # a cut list says so, as `monitor matches` does
    assert out.rstrip().endswith(
        "1 pending delivery (the newest 1 of 2; use --limit 2 to see them all)"), out


def test_alerts_without_state_explains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "--config", str(_project(tmp_path))]) == 1
    assert "does not exist yet" in capsys.readouterr().err


def test_notify_test_maildir_and_atom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _project(tmp_path)
    assert main(["notify-test", "analysts", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "notifier 'analysts': written to" in out
    [path] = (tmp_path / "out" / "mail" / "new").iterdir()
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert "monitor test alert" in str(msg["Subject"])
    assert main(["notify-test", "atom", "--config", str(config)]) == 0
    assert "all.atom" in capsys.readouterr().out


def test_notify_test_prints_the_servers_answer(
    tmp_path: Path, smtp_server: Any, webhook_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _project(tmp_path, webhook_server.url, smtp_server.port)
    assert main(["notify-test", "relay", "--config", str(config)]) == 0
    assert "accepted the message: OK queued as test" in capsys.readouterr().out
    assert main(["notify-test", "chat", "--config", str(config)]) == 0
    assert "answered 200 OK" in capsys.readouterr().out
    assert json.loads(webhook_server.requests[0].body)["kind"] == "test"


def test_notify_test_prints_the_exact_error(
    tmp_path: Path, webhook_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    webhook_server.answers = [(403, {}, 0)]
    config = _project(tmp_path, webhook_server.url)
    assert main(["notify-test", "chat", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "not delivered" in err and "403 Forbidden" in err
    assert main(["notify-test", "relay", "--config", str(config)]) == 1  # nothing on port 9
    err = capsys.readouterr().err
    assert "cannot reach 127.0.0.1:9" in err
    assert err.rstrip().endswith(": connection refused"), err  # not "[Errno 111] ..."
    assert main(["notify-test", "nobody", "--config", str(config)]) == 2
    assert "notifiers: analysts, atom, chat, relay" in capsys.readouterr().err


def test_notify_test_names_a_refused_webhook_connection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _project(tmp_path, "http://127.0.0.1:9/hook")  # nothing listens on port 9
    assert main(["notify-test", "chat", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "notifier 'chat': cannot reach http://127.0.0.1:9/" in err, err
    assert err.rstrip().endswith(": connection refused"), err  # not "ConnectError"
