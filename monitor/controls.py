"""Control characters in text that came from outside (headlines, file names, article text,
error messages quoting them): escaped where a line is shown, stripped from mail bodies.

A carriage return or line feed in a headline would forge a log line (`INFO monitor.daemon:
stopped`); an ESC sequence would clear the screen or retitle the terminal of whoever reads
`monitor matches` or the log. `escape_controls` shows them as `\\r`, `\\n`, `\\x1b`; tabs stay.
"""

from __future__ import annotations

import re

# C0 but tab, DEL, C1, and the Unicode line and paragraph separators
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROLS_BUT_NEWLINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group(0)
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control character but tab (and newline, when `keep_newlines`)
    written as an escape: one line that shows what was there."""
    pattern = _CONTROLS_BUT_NEWLINE if keep_newlines else _CONTROLS
    return pattern.sub(_escape, text) if pattern.search(text) else text


def strip_controls(text: str) -> str:
    """`text` without control characters, newlines and tabs kept (for mail bodies)."""
    return _CONTROLS_BUT_NEWLINE.sub("", text)
