"""Sentences and paragraphs of a field's text, as character offsets where each one starts.

Paragraphs come from the document's structure: a blank line separates two (HTML blocks
become such paragraphs); in a text without blank lines, a line break after the end of a
sentence does (one paragraph a line, as some feeds write them; hard-wrapped lines stay one
paragraph).
Sentences are found within a paragraph, in two steps: its lines are cut where the layout
says a sentence ends (around a list item, after a line ending in . ! ? : ; or after a
short, capitalised, headline-like line), then each piece is split by `sentencex`, a rule-based
segmenter with abbreviation lists for some 300 languages ("Mr.", "U.S.", "г.", "В. В.").
A piece that starts in lower case or with a dash and a lower-case word ("«Мы победим!» —
сказал он", "т.е. всё") continues the sentence before it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

import sentencex

_BLANK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE = re.compile(r"\n\s*")
_END_OF_LINE = re.compile(r"""[.!?…]["'»”’)\]]*[ \t]*\n\s*""")
_ITEM = re.compile(r"(?:[-–—•*·▪●◦]|\d{1,3}[.)]|[a-zа-я][)])\s")
_ENDS = re.compile(r"""[.!?:;…]["'»”’)\]]*\s*$""")
_CONTINUES = re.compile(r"""^[\s"'«»“”„‘’(\[–—-]*[^\W\d_]""")
HEADLINE = 80  # characters: a headline-like line is no longer


def paragraph_starts(text: str) -> list[int]:
    """Where each paragraph starts (the first is 0)."""
    breaks = _BLANK if _BLANK.search(text) else _END_OF_LINE
    return [0, *(m.end() for m in breaks.finditer(text) if m.end() < len(text))]


def sentence_starts(text: str, language: str) -> list[int]:
    """Where each sentence starts (the first is 0), paragraph breaks included."""
    out: list[int] = []
    paragraphs = paragraph_starts(text)
    for i, start in enumerate(paragraphs):
        end = paragraphs[i + 1] if i + 1 < len(paragraphs) else len(text)
        for piece_start, piece in _pieces(text, start, end):
            out.extend(_split(piece, piece_start, language))
    return out or [0]


def _pieces(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """A paragraph cut into pieces at the line breaks that end a sentence."""
    out: list[tuple[int, str]] = []
    piece = start
    for m in _LINE.finditer(text, start, end):
        before = text[text.rfind("\n", start, m.start()) + 1:m.start()]
        after = text[m.end():end]
        if _ITEM.match(after) or _ITEM.match(before) or _ENDS.search(before) or (
            _headline(before) and after[:1].isupper()
        ):
            out.append((piece, text[piece:m.start()]))
            piece = m.end()
    if piece < end:
        out.append((piece, text[piece:end]))
    return out


def _headline(line: str) -> bool:
    """A short line, half of whose words are capitalised ("Main Points", "EU Sanctions"):
    not a hard-wrapped part of a sentence ("The company said on")."""
    words = line.split()
    if not words or len(line) > HEADLINE:
        return False
    return sum(w[:1].isupper() for w in words) * 2 >= len(words)


def _split(piece: str, offset: int, language: str) -> list[int]:
    starts: list[int] = []
    pos = 0
    marker = False  # the sentence before is only a list marker ("1.")
    for sentence in sentencex.segment(language, piece):
        found = piece.find(sentence.strip(), pos) if sentence.strip() else -1
        if found < 0:
            continue
        pos = found + len(sentence.strip())
        if starts and (marker or (_CONTINUES.match(sentence) and _continues(sentence))):
            marker = False
            continue  # "— сказал он", "всё хорошо", "1. Tariffs": the sentence goes on
        marker = not any(c.isalpha() for c in sentence)
        starts.append(offset + found)
    return starts or [offset]


def _continues(sentence: str) -> bool:
    letters = [c for c in sentence if c.isalpha()]
    return bool(letters) and letters[0].islower()


def unit_of(starts: list[int], offset: int) -> int:
    """The number of the sentence (or paragraph) holding a character offset."""
    return bisect_right(starts, offset) - 1


def units_of(starts: list[int], offsets: list[int]) -> list[int]:
    """For each of the ascending `offsets`, the number of the unit holding it (the last
    whose start is at or before it; 0 before the first): a unit's offsets are found by
    bisection and filled in C, a step per unit rather than per offset."""
    out: list[int] = []
    low = 0
    for unit in range(1, len(starts)):
        high = bisect_left(offsets, starts[unit], low)
        out += [unit - 1] * (high - low)
        low = high
    out += [max(len(starts) - 1, 0)] * (len(offsets) - low)
    return out
