"""Tokenisation that keeps character offsets.

A token is a run of word characters (letters, digits, combining marks), possibly joined by
inner hyphens or apostrophes ("военно-техническое", "China's", "l'armée"). Scripts written
without spaces (Chinese, Japanese) come out as whole runs; they are matched as substrings.
"""

from __future__ import annotations

import re

# \w misses combining marks, which Indic scripts, Thai, Arabic vowel signs, Hebrew points and
# stress marks (Ки\u0301тай) rely on. The blocks that carry them, kept few so the regex stays fast.
MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0900-\u0dff\u0e31-\u0e4e\u0eb1-\u0ecd\u0f18-\u0fbc\u1ab0-\u1aff\u1dc0-\u1dff"
    "\u20d0-\u20ff\u302a-\u302f\u3099\u309a\ufe20-\ufe2f"
)
_W = rf"[\w{MARKS}]"
# possessive: once a run of word characters ends, giving some back never helps (and costs)
TOKEN = re.compile(rf"{_W}++(?:[-‐‑'’ʼ]{_W}++)*+")
# the same tokens, kept between the separators: split() cuts a text into both in one pass
SPLIT = re.compile(f"({TOKEN.pattern})")
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
