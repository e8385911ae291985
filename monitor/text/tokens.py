"""Tokenisation that keeps character offsets.

A token is a run of word characters (letters, digits, combining marks), possibly joined by
inner hyphens or apostrophes ("военно-техническое", "China's", "l'armée"). Scripts written
without spaces (Chinese, Japanese) come out as whole runs; they are matched as substrings.
"""

from __future__ import annotations

import re
import sys
import unicodedata


def _mark_ranges() -> str:
    # \w misses combining marks, which Devanagari, Thai and decomposed text rely on
    ranges: list[str] = []
    start = prev = -2
    for cp in range(sys.maxunicode + 1):
        if unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me"):
            if cp != prev + 1:
                if start >= 0:
                    ranges.append(_range(start, prev))
                start = cp
            prev = cp
    ranges.append(_range(start, prev))
    return "".join(ranges)


def _range(a: int, b: int) -> str:
    return re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"


_W = rf"[\w{_mark_ranges()}]"
TOKEN = re.compile(rf"{_W}+(?:[-‐‑'’ʼ]{_W}+)*")
CJK_CHARS = (
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
)
CJK = re.compile(f"[{CJK_CHARS}]+")
HYPHENS = re.compile("[-‐‑]")


def tokenize(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every token in `text`."""
    return [m.span() for m in TOKEN.finditer(text)]


def has_cjk(text: str) -> bool:
    """True when the text contains Chinese or Japanese characters."""
    return CJK.search(text) is not None
