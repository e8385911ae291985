"""English lemmas from lemminflect's lemma table, read without importing lemminflect.

lemminflect's `getAllLemmas` decodes the whole table (80,000 lines) into a dictionary the
first time (0.3-0.4 s), and importing lemminflect imports numpy (0.2 s), while what the
rules and the examples of `monitor check` ask of it is a handful of words (is "arms" the
plural of a common noun?). The table is sorted by word, so a word's lines are found by
binary search over the decompressed file (0.02 s, once). `all_lemmas` answers as
`getAllLemmas` does, overrides and capitals included (tests/text/test_english.py compares
them over every word of the table).
"""

from __future__ import annotations

import bisect
import gzip
import importlib.util
from functools import cache
from pathlib import Path
from typing import Literal

Lemmas = dict[str, tuple[str, ...]]  # upos ("NOUN", "VERB", ...) -> lemma spellings


def all_lemmas(word: str, upos: Literal["NOUN"] | None = None) -> Lemmas:
    """lemminflect's `getAllLemmas(word, upos)`: the lemmas of `word` for each part of
    speech (of `upos` only when given), written in the word's capitals."""
    lookup = word.lower()
    lemmas = _entries(lookup)
    lemmas.update(_overrides().get(lookup, {}))
    if upos:
        lemmas = {k: v for k, v in lemmas.items() if k == upos}
    style = _caps_style(word)
    return {k: tuple(_with_caps(w, style) for w in v) for k, v in lemmas.items()}


def _entries(word: str) -> Lemmas:
    """The table's lemmas of a (lower-case) word, later lines of a part of speech winning."""
    lines = _table()
    key = word.encode() + b"\0"
    at = bisect.bisect_left(lines, key)
    found: Lemmas = {}
    while at < len(lines) and lines[at].startswith(key):
        _, category, forms = lines[at].decode().strip().split("\0")
        found[_upos(category)] = tuple(forms.split("/"))
        at += 1
    return found


def _upos(category: str) -> str:
    upos = category.upper()
    return "AUX" if upos == "MODAL" else upos


def _caps_style(word: str) -> str:
    if word.isupper():
        return "all_upper"
    return "first_upper" if word and word[0].isupper() else "lower"


def _with_caps(word: str, style: str) -> str:
    if style == "all_upper":
        return word.upper()
    return word.capitalize() if style == "first_upper" else word.lower()


def _resources() -> Path:
    """lemminflect's data folder (found without importing the package)."""
    spec = importlib.util.find_spec("lemminflect")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("lemminflect is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources"


@cache
def _table() -> list[bytes]:
    """The lines of the lemma table, sorted by word, their commas made NULs
    (word NUL category NUL lemma/lemma...): a NUL sorts before any character of a word,
    so a line compares with `word NUL` as its word does with `word`, and a bisection
    needs no key function (one in Python cost 17 calls, 3.5 µs a word)."""
    data = gzip.decompress((_resources() / "lemma_lu.csv.gz").read_bytes())
    return data.rstrip(b"\n").replace(b",", b"\0").split(b"\n")


@cache
def _overrides() -> dict[str, Lemmas]:
    """lemminflect's corrections to the table: word -> {upos: (lemma,)}."""
    out: dict[str, Lemmas] = {}
    for line in (_resources() / "lemma_overrides.csv").read_text().splitlines():
        line = line.strip()
        if line and line[0] != "#":
            word, upos, lemma = line.split(",")
            out.setdefault(word, {})[upos] = (lemma,)
    return out
