"""Who may use the HTTP server: anyone on 127.0.0.1, only holders of the password elsewhere.

Bound to a loopback address the server answers everyone who can reach it (the machine's
own users, or a reverse proxy that does its own authentication). Bound to any other
address it needs `http.password_env`, the name of an environment variable holding a
password, and refuses to start without one. A client then sends that password either as
a bearer token (`Authorization: Bearer <password>`) or by HTTP basic authentication (any
user name), which browsers ask for by themselves. `/healthz` and `/metrics` stay open,
so probes and Prometheus need no secret (they show no document text).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import os

from monitor.config import HttpConfig
from monitor.errors import ConfigError
from monitor.web import Handler, Request, Response, WebServer, parse_bind

OPEN_PATHS = frozenset({"/healthz", "/metrics"})


def is_loopback(host: str) -> bool:
    """Whether `host` (from http.bind) only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def required_password(config: HttpConfig) -> str | None:
    """The password the server asks for (None on a loopback address without one);
    ConfigError when bound elsewhere without one."""
    host, _ = parse_bind(config.bind)
    name = config.password_env
    secret = os.environ.get(name, "") if name else ""
    if name and not secret:
        raise ConfigError(f"http.password_env: the environment variable {name} is not set "
                          "or empty; set it, or remove password_env")
    if not secret and not is_loopback(host):
        raise ConfigError(
            f"http.bind: {config.bind} is reachable from other machines, so the HTTP server "
            "needs a password: set `http.password_env` to the name of an environment variable "
            "holding it (or bind to 127.0.0.1 behind a reverse proxy)")
    return secret or None


def access_problem(config: HttpConfig) -> tuple[str | None, bool]:
    """What `monitor check` reports about access: (None, False) when the server would
    start; (message, True) when it never can (bound off 127.0.0.1 with no password_env);
    (message, False) when the password's variable is unset here (it may be set where the
    daemon runs, e.g. by systemd)."""
    if not config.enabled:
        return None, False
    try:
        required_password(config)
    except ConfigError as exc:
        return exc.message, config.password_env is None
    return None, False


def authorized(request: Request, secret: str) -> bool:
    """Whether the request carries the password as a bearer token or in basic auth."""
    header = request.headers.get("Authorization") or request.headers.get("authorization") or ""
    scheme, _, value = header.strip().partition(" ")
    given = ""
    if scheme.lower() == "bearer":
        given = value.strip()
    elif scheme.lower() == "basic":
        try:
            given = base64.b64decode(value.strip(), validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return False
    return bool(given) and hmac.compare_digest(given.encode(), secret.encode())


def _guarded(handler: Handler, secret: str) -> Handler:
    def check(request: Request) -> Response:
        if authorized(request, secret):
            return handler(request)
        return Response(status=401, body=b"a password is needed (basic auth or bearer token)\n",
                        headers={"Content-Type": "text/plain; charset=utf-8",
                                 "WWW-Authenticate": 'Basic realm="monitor", charset="UTF-8"'})

    return check


def protect(server: WebServer, config: HttpConfig) -> None:
    """Put every route but OPEN_PATHS behind the password, when one is required (call it
    after the last route is added)."""
    secret = required_password(config)
    if secret is None:
        return
    for table in (server.routes, server.prefixes):
        for path, handler in table.items():
            if path not in OPEN_PATHS:
                table[path] = _guarded(handler, secret)
