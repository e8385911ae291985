"""Document analysis: normalised fields, tokens with offsets, one matching key per token.

`analyze` is what the matcher consumes; it is pure and deterministic, and `analyze_text`
applies the very same steps to a rule's term so both sides meet on equal keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress, count
from operator import itemgetter
from typing import Any, cast

from monitor.models import Document
from monitor.text.languages import DETECTION_CHARS, SUPPORTED, detect_language
from monitor.text.lemma import keyer
from monitor.text.normalize import fold, normalize_text
from monitor.text.tokens import CJK, HYPHENS, TOKEN

FIELDS: tuple[str, str] = ("title", "body")
PREFIX_LEN = 3  # prefix queries are indexed by this many leading characters
PREFIX_MARK = "\x01"  # marks prefix probes in the prefilter key space
CJK_MARK = "\x02"  # marks Chinese/Japanese character n-gram probes
_CACHE_LIMIT = 300_000

# key, folded form, keys of hyphenated parts, the word's prefilter probes. Only strings and
# tuples of them: the cyclic collector stops tracking such tuples, so a large word cache
# costs its passes nothing.
Entry = tuple[str, str, tuple[str, ...], tuple[str, ...]]


class _Entries(dict[str, Entry]):
    """word -> Entry for one language, computed on first sight (words repeat across news)."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language
        self.key = keyer(language)

    def __missing__(self, word: str) -> Entry:
        if len(self) > _CACHE_LIMIT:
            self.clear()
        key = self.key(word)
        form = fold(word, self.language)
        parts: tuple[str, ...] = ()
        if "-" in word or "‐" in word or "‑" in word:
            parts = tuple({self.key(p) for p in HYPHENS.split(word) if p} - {key})
        probes = tuple({key, PREFIX_MARK + form[:PREFIX_LEN], *parts})
        entry = self[word] = (key, form, parts, probes)
        return entry


_ENTRIES: dict[str, _Entries] = {}


def _entries(language: str) -> _Entries:
    found = _ENTRIES.get(language)
    if found is None:
        found = _ENTRIES[language] = _Entries(language)
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldAnalysis:
    """One field (title or body) analysed: its normalised text and one entry per token.

    `spans[i]` are the character offsets of token i in `text`, `keys[i]` its matching key,
    `forms[i]` its folded surface (for prefixes); `positions(key)` lists the token positions
    carrying a key (hyphenated words also carry their parts' keys). Derived data is computed
    on first use: most documents need little of it.
    """

    text: str
    entries: tuple[Entry, ...]
    cjk: bool = False
    words: tuple[str, ...] | list[str] = ()  # the tokens as found, when known
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def keys(self) -> tuple[str, ...]:
        found = self._cache.get("keys")
        if found is None:
            found = self._cache["keys"] = tuple(map(itemgetter(0), self.entries))
        return cast(tuple[str, ...], found)

    @property
    def forms(self) -> tuple[str, ...]:
        found = self._cache.get("forms")
        if found is None:
            found = self._cache["forms"] = tuple(map(itemgetter(1), self.entries))
        return cast(tuple[str, ...], found)

    @property
    def spans(self) -> list[tuple[int, int]]:
        return self.spans_to(len(self.entries) - 1)

    def spans_to(self, last: int) -> list[tuple[int, int]]:
        """Offsets of tokens 0 to `last` at least: they are found from the start of the
        text as far as they are needed (hits are often early in an article)."""
        found: list[tuple[int, int]] | None = self._cache.get("spans")
        if found is None:
            if not self.words:  # the same pattern on the same text finds the same tokens
                found = self._cache["spans"] = [m.span() for m in TOKEN.finditer(self.text)]
                return found
            found = self._cache["spans"] = []
        if len(found) <= last:
            _extend_spans(found, self.text, self.words, last)
        return found

    def positions(self, key: str) -> list[int]:
        """Token positions whose key (or a hyphenated part's key) is `key`, ascending."""
        memo: dict[str, list[int]] | None = self._cache.get("positions")
        if memo is None:
            memo = self._cache["positions"] = {}
        found = memo.get(key)
        if found is None:
            found = memo[key] = self._scan(key)
        return found

    def _scan(self, key: str) -> list[int]:
        # tuple.index scans in C: a few calls per key beat indexing every token in Python
        keys = self.keys
        out: list[int] = []
        pos = -1
        try:
            while True:
                pos = keys.index(key, pos + 1)
                out.append(pos)
        except ValueError:
            pass
        parts = self._cache.get("parts")
        if parts is None:
            entries = self.entries  # few words are hyphenated: pick them out in C
            parts = self._cache["parts"] = [
                (i, p) for i in compress(count(), map(itemgetter(2), entries))
                for p in entries[i][2]
            ]
        if parts:
            out = sorted({*out, *(i for i, p in parts if p == key)})
        return out

    def position_at(self, offset: int) -> int:
        """The token position covering (or following) a character offset."""
        spans = self.spans
        lo, hi = 0, len(spans)
        while lo < hi:
            mid = (lo + hi) // 2
            if spans[mid][1] <= offset:
                lo = mid + 1
            else:
                hi = mid
        return lo


def _extend_spans(
    spans: list[tuple[int, int]], text: str, words: Sequence[str], last: int
) -> None:
    """Offsets of further tokens, each found after the previous one: cheaper than matching
    the pattern again."""
    find = text.find
    end = spans[-1][1] if spans else 0
    append = spans.append
    for word in words[len(spans) : last + 1]:
        start = find(word, end)
        end = start + len(word)
        append((start, end))


@dataclass(frozen=True, slots=True, kw_only=True)
class Analysis:
    """A document analysed in its language; `probes` feed the matcher's prefilter."""

    language: str
    title: FieldAnalysis
    body: FieldAnalysis
    probes: frozenset[str]

    def field(self, name: str) -> FieldAnalysis:
        """The analysis of `title` or `body`."""
        return self.title if name == "title" else self.body


def _analyze(text: str, language: str, probes: set[str] | None) -> FieldAnalysis:
    text = normalize_text(text)
    words = TOKEN.findall(text)
    entry = _entries(language).__getitem__
    found = tuple(map(entry, words))
    cjk = not text.isascii() and CJK.search(text) is not None
    if probes is not None:  # each distinct word's probes once
        probes.update(*map(itemgetter(3), map(entry, set(words))))
        if cjk:
            for run in CJK.findall(text):
                probes.update(CJK_MARK + run[i : i + 2] for i in range(len(run)))
                probes.update(CJK_MARK + c for c in run)
    return FieldAnalysis(text=text, entries=found, cjk=cjk, words=words)


def analyze_field(text: str, language: str) -> FieldAnalysis:
    """Tokenise and key one field of text in a language."""
    return _analyze(text, language, None)


def language_hint(hint: str | None) -> str | None:
    """A source's language hint as a supported code ("ru-RU" -> "ru"), None if unusable."""
    if not hint:
        return None
    code = hint.strip().lower().replace("_", "-").split("-")[0]
    return code if code in SUPPORTED else None


def analyze(doc: Document, languages: Sequence[str]) -> Analysis:
    """Analyse a document: its language (the hint, or detected among `languages`), tokens, keys."""
    language = language_hint(doc.language) or detect_language(
        f"{doc.title}\n{doc.body[:DETECTION_CHARS]}", languages
    )
    probes: set[str] = set()
    title = _analyze(doc.title, language, probes)
    body = _analyze(doc.body, language, probes)
    return Analysis(language=language, title=title, body=body, probes=frozenset(probes))


def analyze_text(text: str, language: str) -> FieldAnalysis:
    """A rule term's text analysed exactly like a document field."""
    return analyze_field(text, language)
