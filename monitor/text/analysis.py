"""Document analysis: normalised fields, tokens with offsets, one matching key per token.

`analyze` is what the matcher consumes; it is pure and deterministic, and `analyze_text`
applies the very same steps to a rule's term so both sides meet on equal keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor.models import Document
from monitor.text.languages import DETECTION_CHARS, detect_language
from monitor.text.lemma import Keyer, keyer
from monitor.text.normalize import fold, normalize_text
from monitor.text.tokens import CJK, HYPHENS, TOKEN

FIELDS: tuple[str, str] = ("title", "body")
PREFIX_LEN = 3  # prefix queries are indexed by this many leading characters
PREFIX_MARK = "\x01"  # marks prefix probes in the prefilter key space
CJK_MARK = "\x02"  # marks Chinese/Japanese character n-gram probes


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldAnalysis:
    """One field (title or body) analysed.

    `spans[i]` are the character offsets of token i in `text`, `keys[i]` its matching key,
    `forms[i]` its folded surface (for prefixes); `index` maps every key (including the
    parts of hyphenated words) to the token positions that carry it.
    """

    text: str
    spans: tuple[tuple[int, int], ...]
    keys: tuple[str, ...]
    forms: tuple[str, ...]
    index: Mapping[str, Sequence[int]]
    cjk: bool = False

    def position_at(self, offset: int) -> int:
        """The token position covering (or following) a character offset."""
        lo, hi = 0, len(self.spans)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.spans[mid][1] <= offset:
                lo = mid + 1
            else:
                hi = mid
        return lo


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


def _entry(k: Keyer, word: str) -> tuple[str, str, tuple[str, ...]]:
    # key, folded form, keys of hyphenated parts
    key = k(word)
    form = fold(word, k.language)
    if "-" in word or "‐" in word or "‑" in word:
        parts = tuple(k(p) for p in HYPHENS.split(word) if p)
        return key, form, tuple(p for p in parts if p != key)
    return key, form, ()


_ENTRIES: dict[tuple[str, str], tuple[str, str, tuple[str, ...]]] = {}


def analyze_field(text: str, language: str) -> FieldAnalysis:
    """Tokenise and key one field of text in a language."""
    text = normalize_text(text)
    k = keyer(language)
    entries = _ENTRIES
    spans: list[tuple[int, int]] = []
    keys: list[str] = []
    forms: list[str] = []
    index: dict[str, list[int]] = {}
    for pos, m in enumerate(TOKEN.finditer(text)):
        word = m.group()
        entry = entries.get((language, word))
        if entry is None:
            if len(entries) > 500_000:
                entries.clear()
            entry = entries[(language, word)] = _entry(k, word)
        key, form, parts = entry
        spans.append(m.span())
        keys.append(key)
        forms.append(form)
        positions = index.get(key)
        if positions is None:
            index[key] = [pos]
        else:
            positions.append(pos)
        for part in parts:
            index.setdefault(part, []).append(pos)
    cjk = CJK.search(text) is not None
    return FieldAnalysis(
        text=text, spans=tuple(spans), keys=tuple(keys), forms=tuple(forms), index=index, cjk=cjk
    )


def _probes(fields: Sequence[FieldAnalysis]) -> frozenset[str]:
    probes: set[str] = set()
    for f in fields:
        probes.update(f.index)
        probes.update(PREFIX_MARK + form[:PREFIX_LEN] for form in f.forms)
        if f.cjk:
            for run in CJK.findall(f.text):
                probes.update(CJK_MARK + run[i : i + 2] for i in range(len(run)))
                probes.update(CJK_MARK + c for c in run)
    return frozenset(probes)


def analyze(doc: Document, languages: Sequence[str]) -> Analysis:
    """Analyse a document: its language (the hint, or detected among `languages`), tokens, keys."""
    language = doc.language or detect_language(
        f"{doc.title}\n{doc.body[:DETECTION_CHARS]}", languages
    )
    title = analyze_field(doc.title, language)
    body = analyze_field(doc.body, language)
    return Analysis(language=language, title=title, body=body, probes=_probes((title, body)))


def analyze_text(text: str, language: str) -> FieldAnalysis:
    """A rule term's text analysed exactly like a document field."""
    return analyze_field(text, language)
