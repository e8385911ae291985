"""Who may use the HTTP server: open on 127.0.0.1, a password elsewhere, probes always open."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from monitor.config import HttpConfig
from monitor.dashboard import add_dashboard
from monitor.dashboard.access import is_loopback, required_password
from monitor.errors import ConfigError
from monitor.pipeline import load_rule_set
from monitor.web import WebServer, add_health_routes
from tests.dashboard.desk import make_project
from tests.dashboard.test_pages import get


def test_loopback_needs_nothing_other_addresses_need_a_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert not is_loopback("example.org")
    assert required_password(HttpConfig(bind="127.0.0.1:8080")) is None
    with pytest.raises(ConfigError, match=r"0\.0\.0\.0:8080 is reachable .* `http\.password_env`"):
        required_password(HttpConfig(bind="0.0.0.0:8080"))
    monkeypatch.delenv("DESK_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="DESK_PASSWORD is not set"):
        required_password(HttpConfig(bind="[::]:8080", password_env="DESK_PASSWORD"))
    monkeypatch.setenv("DESK_PASSWORD", "s3cret")
    assert required_password(HttpConfig(bind="[::]:8080", password_env="DESK_PASSWORD")) == "s3cret"


async def test_a_daemon_bound_to_every_address_refuses_to_start_without_a_password(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    desk = make_project(tmp_path, bind="0.0.0.0:0")
    proc = subprocess.run([sys.executable, "-m", "monitor", "run", "--once", "--config",
                           str(desk.root / "config.yaml")], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode != 0
    assert "http.bind: 0.0.0.0:0 is reachable from other machines" in proc.stderr
    assert "Traceback" not in proc.stderr


async def test_the_password_guards_everything_but_health_and_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESK_PASSWORD", "correct horse")
    desk = make_project(tmp_path, bind="0.0.0.0:0", extra_http=", password_env: DESK_PASSWORD")
    rules = load_rule_set(desk.config)
    async with WebServer(desk.config.http, feeds=tmp_path / "out" / "feeds") as server:
        add_health_routes(server, lambda: (200, {"status": "ok"}))
        add_dashboard(server, desk.config, lambda: rules)
        server_at = type("At", (), {"address": ("127.0.0.1", server.address[1])})()
        for path in ("/", "/api/overview", "/matches", "/feeds/all.atom", "/rules/oil-prices"):
            status, headers, _ = get(server_at, path)
            assert status == 401, path
            assert headers["WWW-Authenticate"].startswith("Basic realm=")
        assert get(server_at, "/healthz")[0] == 200
        assert get(server_at, "/metrics")[0] == 200
        basic = base64.b64encode(b"anyone:correct horse").decode()
        wrong = base64.b64encode(b"anyone:wrong").decode()
        assert get(server_at, "/", {"Authorization": f"Basic {basic}"})[0] == 200
        assert get(server_at, "/api/overview", {"Authorization": "Bearer correct horse"})[0] == 200
        assert get(server_at, "/", {"Authorization": f"Basic {wrong}"})[0] == 401
        assert get(server_at, "/", {"Authorization": "Bearer correct"})[0] == 401
        assert get(server_at, "/", {"Authorization": "Basic !!!"})[0] == 401


def test_check_reports_what_would_stop_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from monitor.cli import main

    open_desk = make_project(tmp_path / "open", bind="0.0.0.0:8080")
    assert main(["check", "--config", str(open_desk.root / "config.yaml")]) == 2
    assert "0.0.0.0:8080 is reachable from other machines" in capsys.readouterr().err
    monkeypatch.delenv("DESK_PASSWORD", raising=False)
    guarded = make_project(tmp_path / "guarded", bind="0.0.0.0:8080",
                           extra_http=", password_env: DESK_PASSWORD")
    config = str(guarded.root / "config.yaml")
    assert main(["check", "--config", config]) == 0  # it may be set where the daemon runs
    assert "warning: http.password_env: the environment variable DESK_PASSWORD is not set" \
        in capsys.readouterr().err
    assert main(["check", "--strict", "--config", config]) == 2
    capsys.readouterr()
    monkeypatch.setenv("DESK_PASSWORD", "s3cret")
    assert main(["check", "--strict", "--config", config]) == 0
    out = capsys.readouterr()
    assert "warning" not in out.out + out.err
