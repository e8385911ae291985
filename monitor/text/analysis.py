"""Document analysis: normalised fields, tokens with offsets, the matching keys of each token.

`analyze` is what the matcher consumes; it is pure and deterministic, and `analyze_text`
applies the very same steps to a rule's term, whose words become features
(`monitor.text.keys`) that meet the documents' keys. Analysis
itself only detects the language and cuts the text into tokens; a word's key is looked up
(and remembered) the first time anything asks for it, since the matcher asks only about the
words its rules use.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from operator import itemgetter
from typing import Any

from monitor.models import Document
from monitor.text.keys import (
    MID_NAME_MARK,
    NAME_MARK,
    doc_keys,
    keyer,
    name_offers,
    rule_feature,
)
from monitor.text.languages import DETECTION_CHARS, SUPPORTED, detect_language
from monitor.text.normalize import fold, normalize_text
from monitor.text.segments import paragraph_starts, sentence_starts, units_of
from monitor.text.tokens import HYPHENS, SPLIT, has_cjk

FIELDS: tuple[str, str] = ("title", "body")
_CACHE_LIMIT = 300_000

# keys, folded form (for prefixes and literal matches), what else the word offers: the keys
# of its hyphenated parts, and, written with a capital, itself and its parts as names
# (monitor.text.keys.name_offers). Only strings and tuples of them: the cyclic collector
# stops tracking such tuples, so a large word cache costs its passes nothing.
Entry = tuple[tuple[str, ...], str, tuple[str, ...]]


def word_entry(word: str, language: str) -> Entry:
    """A document word's Entry, made anew: the lexicons remember what they need of it (the
    features it carries), and keeping every Entry too cost each new word a second large
    table's insertion and its tuples (and a daemon up to 300,000 of them)."""
    keys = doc_keys(word, language)
    form = fold(word, language)
    also = name_offers(word, form, language) if word[:1].isupper() else ()
    if "-" in word or "‐" in word or "‑" in word:
        key = keyer(language)  # the parts recur ("Russian-backed", "Russian-made")
        found = {k for p in HYPHENS.split(word) if p for k in key(p)}
        also += tuple(found.difference(keys))
    return keys, form, also


class _Entries(dict[str, Entry]):
    """word -> Entry for one language, computed on first sight (words repeat across news)."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def __missing__(self, word: str) -> Entry:
        if len(self) > _CACHE_LIMIT:
            self.clear()
        entry = self[word] = word_entry(word, self.language)
        return entry


_ENTRIES: dict[str, _Entries] = {}


def entries(language: str) -> dict[str, Entry]:
    """The shared word -> Entry table of a language (filled on lookup)."""
    found = _ENTRIES.get(language)
    if found is None:
        found = _ENTRIES[language] = _Entries(language)
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldAnalysis:
    """One field (title or body) analysed: its normalised text cut into tokens.

    `parts` is the text cut into separators and tokens, alternately (token i is
    `parts[2 * i + 1]`), so `span(i)`, the character offsets of token i, need no further
    pass of the tokeniser. `words` are the tokens, `keys[i]` token i's matching keys.
    Derived data is computed on first use: most documents need little of it.
    """

    text: str
    parts: list[str]
    language: str
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # (no typing.cast in these properties: it costs as much as the rest of them)
    @property
    def words(self) -> list[str]:
        found: list[str] | None = self._cache.get("words")
        if found is None:
            found = self._cache["words"] = self.parts[1::2]
        return found

    @property
    def entries(self) -> tuple[Entry, ...]:
        found: tuple[Entry, ...] | None = self._cache.get("entries")
        if found is None:
            found = self._cache["entries"] = tuple(
                map(entries(self.language).__getitem__, self.words)
            )
        return found

    @property
    def keys(self) -> tuple[tuple[str, ...], ...]:
        return tuple(map(itemgetter(0), self.entries))

    @property
    def cjk(self) -> bool:
        """Whether the field has Chinese or Japanese text (matched as substrings)."""
        return not self.text.isascii() and has_cjk(self.text)

    @property
    def bounds(self) -> list[int]:
        """Where each part ends: token i spans `bounds[2 * i]` to `bounds[2 * i + 1]`."""
        found: list[int] | None = self._cache.get("bounds")
        if found is None:  # running sums of the parts' lengths, in C
            found = self._cache["bounds"] = list(accumulate(map(len, self.parts)))
        return found

    def span(self, i: int) -> tuple[int, int]:
        """The character offsets of token i in `text`."""
        bounds = self.bounds
        return bounds[2 * i], bounds[2 * i + 1]

    @property
    def spans(self) -> list[tuple[int, int]]:
        """The character offsets of every token."""
        bounds = self.bounds
        return list(zip(bounds[:-1:2], bounds[1::2], strict=True))

    @property
    def paragraph_starts(self) -> list[int]:
        """Where each paragraph starts (see `segments.paragraph_starts`)."""
        found: list[int] | None = self._cache.get("paragraph_starts")
        if found is None:
            found = self._cache["paragraph_starts"] = paragraph_starts(self.text)
        return found

    def units(self, kind: str) -> list[int]:
        """For each token, the number of its sentence (`kind` "sentence") or paragraph
        ("paragraph") in this field, found on first use (see `segments`)."""
        found: list[int] | None = self._cache.get(kind)
        if found is None:
            starts = (sentence_starts(self.text, self.language) if kind == "sentence"
                      else self.paragraph_starts)
            found = self._cache[kind] = units_of(starts, self.bounds[0:-1:2])
        return found

    def position_at(self, offset: int) -> int:
        """The token position covering (or following) a character offset."""
        ends = self.bounds[1::2]
        return bisect_right(ends, offset, hi=len(self.parts) // 2)


@dataclass(frozen=True, slots=True, kw_only=True)
class Analysis:
    """A document analysed in its language."""

    language: str
    title: FieldAnalysis
    body: FieldAnalysis

    def field(self, name: str) -> FieldAnalysis:
        """The analysis of `title` or `body`."""
        return self.title if name == "title" else self.body


def analyze_field(text: str, language: str) -> FieldAnalysis:
    """Normalise and tokenise one field of text in a language."""
    text = normalize_text(text)
    return FieldAnalysis(text=text, parts=SPLIT.split(text), language=language)


def language_hint(hint: str | None) -> str | None:
    """A source's language hint as a supported code ("ru-RU" -> "ru"), None if unusable."""
    if not hint:
        return None
    code = hint.strip().lower().replace("_", "-").split("-")[0]
    return code if code in SUPPORTED else None


def document_language(doc: Document, languages: Sequence[str]) -> str:
    """A document's language: the hint, or detected among `languages`."""
    return language_hint(doc.language) or detect_language(
        f"{doc.title}\n{doc.body[:DETECTION_CHARS]}", languages
    )


def analyze(doc: Document, languages: Sequence[str]) -> Analysis:
    """Analyse a document: its language (the hint, or detected among `languages`), tokens, keys."""
    language = document_language(doc, languages)
    return Analysis(
        language=language,
        title=analyze_field(doc.title, language),
        body=analyze_field(doc.body, language),
    )


def analyze_text(text: str, language: str) -> FieldAnalysis:
    """A rule term's text analysed exactly like a document field."""
    return analyze_field(text, language)


_FEATURES: dict[str, dict[str, str]] = {}


def term_keys(text: str, language: str) -> list[str]:
    """The feature of each word of a rule term (`monitor.text.keys.rule_feature`), cached:
    compiling a large rule set keys hundreds of thousands of terms."""
    table = _FEATURES.get(language)
    if table is None:
        table = _FEATURES[language] = {}
    elif len(table) > _CACHE_LIMIT:
        table.clear()
    out = []
    words = SPLIT.split(normalize_text(text))[1::2]
    for word in words:
        feature = table.get(word)
        if feature is None:
            feature = table[word] = rule_feature(word, language)
        out.append(feature)
    if len(words) > 1:  # in a full name ("Bill Gates") a name is a name at any place
        return [NAME_MARK + f[1:] if f.startswith(MID_NAME_MARK) else f for f in out]
    return out
