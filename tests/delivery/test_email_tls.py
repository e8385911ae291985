"""SMTP over TLS against a real aiosmtpd server: STARTTLS, implicit TLS, certificate checks."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from monitor.config import EmailNotifierConfig
from monitor.delivery.email import EmailNotifier
from monitor.errors import DeliveryError
from monitor.models import Alert

AlertFactory = Callable[..., Alert]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throw-away self-signed certificate for 127.0.0.1 (made with the openssl tool)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def _notifier(port: int, tls: str, ca_file: Path | None) -> EmailNotifier:
    smtp: dict[str, Any] = {"host": "127.0.0.1", "port": port, "tls": tls, "timeout": 5}
    if ca_file is not None:
        smtp["ca_file"] = ca_file
    return EmailNotifier(
        EmailNotifierConfig.model_validate(
            {
                "type": "email",
                "name": "secure",
                "transport": "smtp",
                "smtp": smtp,
                "to": ["a@example.org"],
            }
        )
    )


async def test_starttls(
    certificate: tuple[Path, Path], smtp_server_factory: Any, alert_factory: AlertFactory
) -> None:
    server = smtp_server_factory(
        tls_context=_server_context(certificate), require_starttls=True
    ).start()
    async with _notifier(server.port, "starttls", certificate[0]) as notifier:
        await notifier.send(alert_factory())
    assert len(server.sink.received) == 1


async def test_implicit_tls(
    certificate: tuple[Path, Path], smtp_server_factory: Any, alert_factory: AlertFactory
) -> None:
    server = smtp_server_factory(ssl_context=_server_context(certificate)).start()
    async with _notifier(server.port, "implicit", certificate[0]) as notifier:
        await notifier.send(alert_factory())
    assert len(server.sink.received) == 1


async def test_untrusted_certificate_is_refused(
    certificate: tuple[Path, Path], smtp_server_factory: Any, alert_factory: AlertFactory
) -> None:
    server = smtp_server_factory(
        tls_context=_server_context(certificate), require_starttls=True
    ).start()
    async with _notifier(server.port, "starttls", None) as notifier:
        with pytest.raises(DeliveryError, match="secure"):
            await notifier.send(alert_factory())
    assert server.sink.received == []


async def test_plain_text_to_a_server_requiring_tls_fails_for_good(
    certificate: tuple[Path, Path], smtp_server_factory: Any, alert_factory: AlertFactory
) -> None:
    server = smtp_server_factory(
        tls_context=_server_context(certificate), require_starttls=True
    ).start()
    async with _notifier(server.port, "none", None) as notifier:
        with pytest.raises(DeliveryError) as info:
            await notifier.send(alert_factory())
    assert not info.value.retryable and "530" in str(info.value)
