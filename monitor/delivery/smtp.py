"""One SMTP connection, kept open from one message to the next.

A burst of alerts then costs one connection, one TLS handshake and one login instead of
one each (providers also limit how often a client may connect). Before a connection is
used again it is checked with NOOP; one that rested longer than `IDLE` seconds, or that
failed in any way, is closed and a new one opened, so a message never rides on a
connection in an unknown state. Errors name the notifier and say whether a retry may
help; passwords never appear in them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Sequence

import aiosmtplib

from monitor.config import SmtpConfig
from monitor.errors import DeliveryError
from monitor.net import system_reason

log = logging.getLogger(__name__)

IDLE = 30.0  # seconds an open connection may rest before it is closed
_FAILURES = (TimeoutError, aiosmtplib.SMTPException, OSError)


class SmtpConnection:
    """Sends messages through one server for one notifier; `close()` when done."""

    def __init__(self, smtp: SmtpConfig, *, name: str) -> None:
        self.smtp = smtp
        self.name = name
        self.where = f"{smtp.host}:{smtp.port}"
        self._client: aiosmtplib.SMTP | None = None
        self._used = 0.0
        self._lock = asyncio.Lock()
        self._closer: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Task[None]] = set()

    async def send(self, sender: str, to: Sequence[str], data: bytes) -> str:
        """Send `data`; return the server's answer. Raises DeliveryError."""
        async with self._lock:
            client = await self._ready()
            try:
                refused, answer = await client.sendmail(sender, list(to), data)
            except _FAILURES as exc:
                await self._drop()  # whatever happened, this connection is not used again
                raise self._error(exc) from None
            except BaseException:  # cancelled (shutting down): hang up without a word
                self._abandon()
                raise
            self._used = time.monotonic()
            self._close_later()
        if refused:
            log.warning(
                "%s refused some recipients: %s",
                self.where,
                "; ".join(f"{k}: {v.code} {v.message}" for k, v in refused.items()),
            )
        return f"{self.where} accepted the message: {answer}"

    async def close(self) -> None:
        """Say goodbye to the server, if connected."""
        async with self._lock:
            await self._drop()

    async def _ready(self) -> aiosmtplib.SMTP:
        """The open connection if it still answers, else a new one (logged in)."""
        client = self._client
        if client is not None and time.monotonic() - self._used < IDLE:
            try:
                await client.noop()
                return client
            except _FAILURES:
                pass  # gone (the server hung up, or restarted): open another
        await self._drop()
        user, password = _credentials(self.smtp, self.name)
        client = aiosmtplib.SMTP(
            hostname=self.smtp.host,
            port=self.smtp.port,
            use_tls=self.smtp.tls == "implicit",
            start_tls=self.smtp.tls == "starttls",
            timeout=self.smtp.timeout,
            cert_bundle=str(self.smtp.ca_file) if self.smtp.ca_file else None,
        )
        try:
            await client.connect()
            if user is not None and password is not None:
                await client.login(user, password)
        except _FAILURES as exc:
            client.close()
            raise self._error(exc) from None
        except BaseException:
            client.close()
            raise
        self._client = client
        return client

    def _abandon(self) -> None:
        if self._closer is not None:
            self._closer.cancel()
            self._closer = None
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def _drop(self) -> None:
        """Close the connection politely (QUIT), if there is one."""
        if self._closer is not None:
            self._closer.cancel()
            self._closer = None
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.is_connected:
                await client.quit()
        except _FAILURES:
            client.close()

    def _close_later(self) -> None:
        """Close the connection once it has rested for IDLE seconds."""
        if self._closer is not None:
            self._closer.cancel()
        loop = asyncio.get_running_loop()
        self._closer = loop.call_later(IDLE, self._close_idle)

    def _close_idle(self) -> None:
        self._closer = None
        task = asyncio.get_running_loop().create_task(self._close_if_idle())
        self._closing.add(task)  # held until done, so it is not collected midway
        task.add_done_callback(self._closing.discard)

    async def _close_if_idle(self) -> None:
        async with self._lock:
            if self._client is not None and time.monotonic() - self._used >= IDLE:
                await self._drop()

    def _error(self, exc: BaseException) -> DeliveryError:
        where = self.where
        if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
            codes = [r.code for r in exc.recipients]
            return DeliveryError(
                self.name,
                f"{where} refused every recipient: "
                + "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients),
                retryable=any(400 <= c < 500 for c in codes),
            )
        if isinstance(exc, aiosmtplib.SMTPResponseException):
            return DeliveryError(
                self.name, f"{where} answered {exc.code} {exc.message}", retryable=exc.code < 500
            )
        return DeliveryError(self.name, f"cannot reach {where}: {system_reason(exc) or exc}")


def _credentials(smtp: SmtpConfig, name: str) -> tuple[str | None, str | None]:
    user = password = None
    for env, label in ((smtp.username_env, "user name"), (smtp.password_env, "password")):
        if env is None:
            continue
        value = os.environ.get(env)
        if not value:
            raise DeliveryError(
                name, f"the environment variable {env} (SMTP {label}) is not set", retryable=False
            )
        if label == "password":
            password = value
        else:
            user = value
    return user, password
