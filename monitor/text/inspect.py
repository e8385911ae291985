"""Why a word does or does not meet a rule: its readings, the keys it carries in a document,
and what it accepts when written in a rule (`monitor analyze`)."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.text.analysis import analyze_text
from monitor.text.keys import (
    CAPS_NAME_MARK,
    MID_NAME_MARK,
    NAME_MARK,
    SURFACE_MARK,
    alternatives_of,
    doc_keys,
    rule_feature,
)
from monitor.text.morph import ANALYSED, morph
from monitor.text.normalize import unify

_NAMES = (NAME_MARK, MID_NAME_MARK, CAPS_NAME_MARK)  # the place rules are in docs/rules.md
_MARKS = (SURFACE_MARK, *_NAMES)


@dataclass(frozen=True, slots=True)
class WordReport:
    """One word of a text: what the analyser makes of it on either side of a match."""

    word: str
    readings: dict[str, tuple[str, ...]]  # lemma -> grammatical tags (Russian, Ukrainian)
    keys: tuple[str, ...]  # the keys it carries in a document
    # in a rule: the words it meets, as keys, as literal words, and as forms of a name
    # written with a capital
    rule_keys: tuple[str, ...]
    rule_literal: tuple[str, ...]
    rule_names: tuple[str, ...]


def _marked(alternatives: tuple[str, ...], *marks: str) -> tuple[str, ...]:
    return tuple(a[1:] for a in alternatives if a[:1] in marks)


def describe(text: str, language: str) -> list[WordReport]:
    """A report for each distinct word of a text, in order."""
    reports = []
    for word in dict.fromkeys(analyze_text(text, language).words):
        readings: dict[str, tuple[str, ...]] = {}
        if language in ANALYSED:
            for r in morph(language).readings(unify(word).lower()):
                readings[r.lemma] = (*readings.get(r.lemma, ()), r.tag)
        accepts = alternatives_of(rule_feature(word, language))
        reports.append(WordReport(
            word, readings, doc_keys(word, language),
            tuple(a for a in accepts if a[0] not in _MARKS),
            _marked(accepts, SURFACE_MARK), _marked(accepts, *_NAMES),
        ))
    return reports
