"""Security, checked against real servers and the real daemon process: secrets stay out of
logs, errors, the state file and every command's output; the HTTP server listens on
127.0.0.1 by default and serves nothing outside its routes."""

from __future__ import annotations

import base64
import http.client
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from monitor.config import HttpConfig
from monitor.web import WebServer
from tests.reliability.helpers import (
    Receiver,
    add_docs,
    log_text,
    run,
    start,
    terminate,
    wait_for,
    write_project,
)
from tests.servers import SmtpSink, free_port

PASSWORD = "pw-Zq8!xK3#secret"
HMAC_SECRET = "hmac-Vb7$yT1%secret"
URL_TOKEN = "tok-Hh4pLm9token"
ENV = {"MON_SMTP_USER": "alerts", "MON_SMTP_PASSWORD": PASSWORD, "MON_HOOK_SECRET": HMAC_SECRET}


def forms(secret: str, user: str = "alerts") -> list[str]:
    """The secret as it could leak: plain, and base64 as in SMTP AUTH PLAIN and LOGIN."""
    plain = base64.b64encode(f"\0{user}\0{secret}".encode()).decode()
    return [secret, base64.b64encode(secret.encode()).decode(), plain]


@pytest.fixture
def refusing_smtp() -> Iterator[int]:
    """An SMTP server that asks for a login and refuses it (535)."""

    def authenticator(*args: Any) -> AuthResult:
        return AuthResult(success=False, handled=False)

    port = free_port()
    controller = Controller(SmtpSink(), hostname="127.0.0.1", port=port,
                            authenticator=authenticator, auth_required=True,
                            auth_require_tls=False)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def test_secrets_never_appear_in_logs_errors_status_or_state(
    tmp_path: Path, refusing_smtp: int
) -> None:
    hook = Receiver(free_port(), status=500)
    hook.up()
    notifiers = (
        "  - name: mail\n    type: email\n    transport: smtp\n"
        f"    smtp: {{host: 127.0.0.1, port: {refusing_smtp}, tls: none, "
        "username_env: MON_SMTP_USER, password_env: MON_SMTP_PASSWORD}\n"
        "    to: [analysts@example.org]\n"
        f"  - {{name: hook, type: webhook, url: 'http://u:{URL_TOKEN}@127.0.0.1:{hook.port}"
        f"/hook/{URL_TOKEN}?key={URL_TOKEN}', secret_env: MON_HOOK_SECRET}}\n"
    )
    cfg = write_project(tmp_path, notifiers=notifiers)
    add_docs(tmp_path / "inbox", 2)
    time.sleep(0.5)
    outputs = []
    try:
        for fmt in ("text", "json"):
            done = run(cfg, "--once", "--log-level", "DEBUG", "--log-format", fmt, env=ENV)
            outputs.append(done.stdout + done.stderr)
            assert done.returncode == 0, done.stderr
        proc = start(cfg, "--log-level", "DEBUG", env=ENV)  # the daemon retrying for a while
        assert wait_for(lambda: log_text(cfg).count("not delivered") >= 3, 60), log_text(cfg)
        assert terminate(proc) == 0
        outputs.append(log_text(cfg))
        for command, *args in (("status",), ("status", "--json"), ("alerts",),
                               ("alerts", "--failed"), ("alerts", "--json"),
                               ("notify-test", "mail"), ("notify-test", "hook"), ("check",),
                               ("feeds",), ("state",)):
            done = run(cfg, *args, command=command, env=ENV)
            outputs.append(f"$ monitor {command} {' '.join(args)}\n{done.stdout}{done.stderr}")
    finally:
        hook.down()
    everything = "\n".join(outputs)
    # the failures were reported, naming the notifier and the server's answer
    assert "notifier 'mail'" in everything and "535" in everything
    assert "notifier 'hook'" in everything and "answered 500" in everything
    state = b"".join(p.read_bytes() for p in tmp_path.glob("state.db*"))
    for secret in [*forms(PASSWORD), *forms(HMAC_SECRET), URL_TOKEN]:
        assert secret not in everything, secret
        assert secret.encode() not in state, secret


# ------------------------------------------------------------ the HTTP server


def test_the_http_server_listens_on_127_0_0_1_by_default() -> None:
    assert HttpConfig().enabled is False
    assert WebServer(HttpConfig()).host == "127.0.0.1"


def raw(port: int, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (no client normalisation); return the status and the body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, body


TRAVERSALS = [
    "/feeds/../state.db", "/feeds/..%2fstate.db", "/feeds/%2e%2e/state.db",
    "/feeds/%2E%2E%2Fconfig.yaml", "/feeds/..%5cconfig.yaml", "/feeds/....//state.db",
    "/feeds/%252e%252e%252fstate.db", "/feeds/%c0%ae%c0%ae/state.db", "/feeds//etc/passwd",
    "/feeds/%2fetc%2fpasswd", "//etc/passwd", "/etc/passwd", "/state.db", "/config.yaml",
    "/feeds/all.atom%00.txt", "/feeds/%00", "/feeds/all.atom/..", "/feeds",
    "/feeds/.all.atom.tmp", "/feeds/state.db", "/feeds/%ff%fe.atom", "/healthz/../state.db",
    "/metrics/../../etc/passwd", "/feeds/all.atom/../../state.db", "/feeds/.%2e/state.db",
    "http://127.0.0.1/etc/passwd", "/" + "a" * 5000, "/feeds/escape.atom",
]


def test_no_request_reaches_outside_the_routes(tmp_path: Path) -> None:
    port = free_port()
    notifiers = "  - {name: atom, type: atom, path: feeds/}\n"
    cfg = write_project(tmp_path, notifiers=notifiers,
                        extra=f"http: {{enabled: true, bind: '127.0.0.1:{port}'}}\n")
    (tmp_path / "secret.atom").write_text("root:x:0:0 secret outside the feeds folder")
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "escape.atom").symlink_to(tmp_path / "secret.atom")
    add_docs(tmp_path / "inbox", 1)
    proc = start(cfg)
    try:
        def up() -> bool:
            try:
                return raw(port, b"GET /feeds/all.atom HTTP/1.0\r\n\r\n")[0] == 200
            except OSError:
                return False

        assert wait_for(up, 60), log_text(cfg)
        for path in TRAVERSALS:
            status, body = raw(port, f"GET {path} HTTP/1.0\r\n\r\n".encode())
            assert 400 <= status < 500, (path, status)
            assert b"SQLite format" not in body and b"root:" not in body, path
            assert b"languages:" not in body, path
        status, body = raw(port, b"GET /feeds/ HTTP/1.0\r\n\r\n")  # the list of feeds
        assert status == 200 and b'href="/feeds/all.atom"' in body
        assert b"escape.atom" not in body and b"root:" not in body  # no symlinked file
        for request in (b"GET /feeds/all.atom HTTP/1.1 junk\r\n\r\n", b"\x00\x01\x02\r\n\r\n",
                        b"GET\r\n\r\n", b"GET /feeds/all.atom HTTP/9.9\r\n\r\n",
                        b"POST /feeds/all.atom HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc",
                        b"DELETE /feeds/all.atom HTTP/1.0\r\n\r\n",
                        b"GET /feeds/all.atom HTTP/1.0\r\n" + b"X: y\r\n" * 200 + b"\r\n"):
            status, _ = raw(port, request)
            assert status == 0 or 400 <= status < 500, (request[:40], status)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/feeds/all.atom")
        assert conn.getresponse().status == 200  # still serving after all that
        conn.close()
    finally:
        assert terminate(proc) == 0, log_text(cfg)[-3000:]
