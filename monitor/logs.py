"""Logging: readable lines by default, JSON lines on request; journald-friendly.

Context convention: a log call about one source, rule, notifier, file or document passes
it with `extra=`, using these keys (see `CONTEXT_KEYS`)::

    log.warning("feed answered 503", extra={"source": "kazinform"})
    log.error("delivery failed: %s", exc, extra={"notifier": "analysts", "rule": "defence"})

JSON lines carry each key as a field (JSON escapes control characters); readable lines
show control characters escaped (`\\r`, `\\n`, `\\x1b`: a headline cannot forge a line)
and append `[source=kazinform]` unless the message already names the value. `ctx(...)`
builds the dict and drops None values.

Output goes to stderr, one record per line:

* on a terminal: `12:03:04 WARNING monitor.service.daemon: message`
* under systemd's journal: `<4>monitor.service.daemon: message` (the journal stores the
  priority and adds the time itself)
* otherwise (a pipe, a file, a container): `WARNING monitor.service.daemon: message`, no time,
  because collectors add their own; use `--log-format json` to keep one.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import IO, Any, Literal

from monitor.controls import escape_controls

CONTEXT_KEYS = ("source", "rule", "notifier", "file", "document")

Style = Literal["terminal", "journal", "plain"]

# syslog priorities, read by journald from a `<N>` prefix
_PRIORITY = {"CRITICAL": 2, "ERROR": 3, "WARNING": 4, "INFO": 6, "DEBUG": 7}
_NOISY = ("apscheduler", "httpx", "httpcore", "watchfiles", "aiosmtplib", "mail.log",
          "pymorphy3")


def ctx(**fields: object) -> dict[str, object]:
    """The `extra=` dict for a log call: the given context keys, without the None ones."""
    unknown = set(fields) - set(CONTEXT_KEYS)
    if unknown:
        raise ValueError(f"unknown log context keys: {sorted(unknown)}")
    return {k: v for k, v in fields.items() if v is not None}


def _context(record: logging.LogRecord) -> dict[str, object]:
    return {k: getattr(record, k) for k in CONTEXT_KEYS if getattr(record, k, None) is not None}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any context fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update(_context(record))
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines; the context the message does not already name is appended."""

    def __init__(self, style: Style = "plain") -> None:
        fmt = {
            "terminal": "%(asctime)s %(levelname)-7s %(name)s: %(message)s",
            "journal": "%(name)s: %(message)s",
            "plain": "%(levelname)s %(name)s: %(message)s",
        }[style]
        super().__init__(fmt, "%H:%M:%S")
        self.style_name = style

    def formatMessage(self, record: logging.LogRecord) -> str:
        # a headline or file name holding CR, LF or ESC must not forge or colour a line
        message = escape_controls(record.message)
        safe = copy.copy(record)
        safe.message = message
        line = super().formatMessage(safe)
        context = {k: escape_controls(str(v)) for k, v in _context(record).items()}
        extra = [f"{k}={v}" for k, v in context.items() if v not in message]
        if extra:
            line += f" [{' '.join(extra)}]"
        if self.style_name == "journal":
            line = f"<{_PRIORITY.get(record.levelname, 6)}>{line}"
        return line

    def formatException(self, ei: Any) -> str:
        return escape_controls(super().formatException(ei), keep_newlines=True)

    def formatStack(self, stack_info: str) -> str:
        return escape_controls(super().formatStack(stack_info), keep_newlines=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if self.style_name == "journal" and "\n" in text:
            # journald splits on newlines; keep the priority on every line of a traceback
            prefix = f"<{_PRIORITY.get(record.levelname, 6)}>"
            head, _, rest = text.partition("\n")
            text = head + "\n" + "\n".join(prefix + line for line in rest.split("\n"))
        return text


def _on_journal(stream: IO[str]) -> bool:
    """True when `stream` is connected to systemd's journal (JOURNAL_STREAM matches it)."""
    value = os.environ.get("JOURNAL_STREAM", "")
    dev, _, ino = value.partition(":")
    if not (dev.isdigit() and ino.isdigit()):
        return False
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (st.st_dev, st.st_ino) == (int(dev), int(ino))


def detect_style(stream: IO[str]) -> Style:
    """How readable lines should look on `stream`."""
    if _on_journal(stream):
        return "journal"
    try:
        return "terminal" if stream.isatty() else "plain"
    except (ValueError, AttributeError):
        return "plain"


def make_formatter(fmt: str, stream: IO[str]) -> logging.Formatter:
    """The formatter for `--log-format` `fmt` ("text" or "json") writing to `stream`."""
    if fmt == "json":
        return JsonFormatter()
    if fmt != "text":
        raise ValueError(f"unknown log format {fmt!r}; use text or json")
    return TextFormatter(detect_style(stream))


def setup_logging(level: str = "INFO", fmt: str = "text", stream: IO[str] | None = None) -> None:
    """Configure the root logger once: one handler on stderr (or `stream`).

    `level` comes from `--log-level` or the config's `log.level`; libraries that chatter
    (the scheduler, the HTTP client, the file watcher, the Russian dictionary loader) are
    held at WARNING.
    """
    stream = stream if stream is not None else sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(make_formatter(fmt, stream))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
