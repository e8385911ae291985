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
    key = word.encode()
    at = bisect.bisect_left(lines, key, key=_word_of)
    found: Lemmas = {}
    while at < len(lines) and _word_of(lines[at]) == key:
        _, category, forms = lines[at].decode().strip().split(",")
        found[_upos(category)] = tuple(forms.split("/"))
        at += 1
    return found


def _word_of(line: bytes) -> bytes:
    return line.partition(b",")[0]


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
    """The lines of the lemma table (word,category,lemma/lemma...), sorted by word."""
    data = gzip.decompress((_resources() / "lemma_lu.csv.gz").read_bytes())
    return data.rstrip(b"\n").split(b"\n")


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
