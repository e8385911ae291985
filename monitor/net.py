"""HTTP details shared by the feed poller and the webhook notifier."""

from __future__ import annotations

import os
import socket
import ssl
import time
from datetime import UTC
from email.utils import parsedate_to_datetime


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = time.time() if now is None else now
    return max(when.timestamp() - now, 0.0)


def system_reason(exc: BaseException) -> str | None:
    """What the system said under an HTTP client's error ("All connection attempts
    failed", "[Errno 111] ..."): "connection refused", "the host name does not resolve
    (...)"; None when no system error lies under it."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, socket.gaierror):
            reason = cause.strerror or str(cause)
            return f"the host name does not resolve ({reason[:1].lower()}{reason[1:]})"
        if isinstance(cause, ssl.SSLError):
            return None  # its errno is the TLS library's; the error's own text says more
        if isinstance(cause, OSError) and isinstance(cause.errno, int) and cause.errno > 0:
            reason = os.strerror(cause.errno)
            return reason[:1].lower() + reason[1:]
        cause = cause.__cause__ or cause.__context__
    return None
