"""The kinds of value config.yaml is written in: durations (`15m`), sizes (`10MB`), paths
relative to the config file, and identifiers."""

from __future__ import annotations

import ipaddress
import math
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo

# Bounds: what is accepted must run (a size beyond what can be read, a duration beyond
# what dates and timers can hold, failed at run time on every file or poll)
MAX_SIZE = 1024**3  # 1 GB
MAX_DURATION = 3650 * 86400.0  # 10 years

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}


def parse_duration(value: Any) -> float:
    """`2s`, `15m`, `1h`, `1d`, `1w` or a number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like 2s, 15m, 1h, 1d")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(f"{value!r} is not a duration (use e.g. 2s, 15m, 1h, 1d)")
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if not seconds <= MAX_DURATION:  # also NaN
        raise ValueError(f"{value!r} is not a usable duration: at most 3650d (10 years)")
    return seconds


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, None: 1}


def parse_size(value: Any) -> int:
    """`10MB`, `512kb` or a number of bytes -> bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    else:
        m = _SIZE.match(str(value))
        if not m:
            raise ValueError(f"{value!r} is not a size (use e.g. 512KB, 10MB)")
        unit = m.group(2).lower() if m.group(2) else None
        number = float(m.group(1)) * _SIZE_UNITS[unit]
        size = int(number) if math.isfinite(number) else MAX_SIZE + 1
    if size < 0:
        raise ValueError("a size cannot be negative")
    if size > MAX_SIZE:
        raise ValueError(f"{value!r} is not a usable size: at most 1GB")
    return size


_IPV4_LIKE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$")
_MAX_URL = 65536  # what the HTTP client (httpx) accepts


def check_web_url(value: str) -> str:
    """`value` when it is an http(s) URL with a host that the HTTP client can request;
    ValueError saying why not (`http://[::1/x`, a space in the host, port 99999).

    The checks are those httpx makes when it parses a URL (length, control characters,
    IPv4 and IPv6 addresses, internationalised host names), done without importing it:
    every command reads config.yaml, few of them fetch anything."""
    value = value.strip()
    try:
        parts = urlsplit(value)
        port = parts.port  # a bad port or IPv6 bracket raises ValueError
        _check_host(value, parts.hostname or "")
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http:// or https:// URL with a host")
    if re.search(r"[\s\x00-\x1f]", parts.netloc) or (port is not None and not 0 < port < 65536):
        raise ValueError(f"{value!r} is not a valid URL: bad host or port")
    return value


def _check_host(url: str, host: str) -> None:
    if len(url) > _MAX_URL:
        raise ValueError("URL too long")
    bad = next((c for c in url if c.isascii() and not c.isprintable()), None)
    if bad is not None:
        raise ValueError(f"invalid non-printable ASCII character {bad!r}")
    if _IPV4_LIKE.match(host):
        ipaddress.IPv4Address(host)  # ValueError names the address
    elif ":" in host:  # urlsplit gives an IPv6 address without its brackets
        ipaddress.IPv6Address(host.partition("%")[0])
    elif not host.isascii():
        import idna  # what httpx encodes such names with; only for them

        try:
            idna.encode(host)
        except idna.IDNAError as exc:
            raise ValueError(f"invalid international host name {host!r}: {exc}") from None


Duration = Annotated[float, BeforeValidator(parse_duration)]
WebUrl = Annotated[str, AfterValidator(check_web_url)]
Size = Annotated[int, BeforeValidator(parse_size)]


def _resolve(value: Any, info: ValidationInfo) -> Any:
    base = (info.context or {}).get("base_dir")
    if value is None or base is None:
        return value
    path = Path(str(value)).expanduser()
    return path if path.is_absolute() else Path(base) / path


RelPath = Annotated[Path, BeforeValidator(_resolve)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)]
