"""What every executable node works on: one document being matched, and the shapes of
what nodes find in it (occurrences, raw hits)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, cast

from monitor.matching.lexicon import Features
from monitor.models import Document, Field_, Hit
from monitor.text.analysis import Analysis

# field, first token, last token, start char, end char
Occurrence = tuple[str, int, int, int, int]
# field number (0 title, 1 body), start char, minus the end char, the term as written: in
# the order explanations list hits (title first, then by place, longer first) as they are,
# so sorting them needs no key function. Made into models.Hit for matches only.
RawHit = tuple[int, int, int, str]
# (is_prefix, key or folded prefix)
Element = tuple[bool, str]
ALL_FIELDS: tuple[str, ...] = ("title", "body")
FIELDS: frozenset[str] = frozenset(ALL_FIELDS)
FIELD_NUMBER: dict[str, int] = {name: i for i, name in enumerate(ALL_FIELDS)}
# a term's features in a language (one per analysed word, in order), the set of them, and
# whether having them means the term occurs (a single word or prefix, in any field)
Plan = tuple[tuple[str, ...], frozenset[str], bool]
UNPLANNED: Plan = ((), frozenset(), False)
_NO_PHRASES: Mapping[str, Mapping[str, str]] = {}
_NO_PLACES: Mapping[str, list[Occurrence]] = {}


class Context:
    """One document being matched: its analysis, its features and per-document memos."""

    __slots__ = ("analysis", "before", "doc", "features", "hits", "lang", "made", "memo",
                 "pairs", "parts", "phrases", "places", "present", "said", "scores", "shown")

    def __init__(self, analysis: Analysis, doc: Document, features: Features) -> None:
        self.analysis = analysis
        self.doc = doc
        self.lang = analysis.language
        self.features = features
        self.present = features.present
        # the two-word phrases the prefilter looked for (first feature -> second -> probe)
        # and where those it found occur (`prefilter.Index.said`): `TermLeaf` then takes
        # a phrase's occurrences from there, and one not found is absent (none until the
        # prefilter has run: `match_all`, `match_rule` look every phrase up)
        self.phrases: Mapping[str, Mapping[str, str]] = _NO_PHRASES
        self.said: Mapping[str, list[Occurrence]] = _NO_PLACES
        self.memo: dict[object, list[Occurrence]] = {}  # node (by identity) -> occurrences
        self.hits: dict[object, list[RawHit]] = {}  # leaf (by identity) -> its hits
        # leaf -> its first hits (what a match shows) and how many it has
        self.shown: dict[object, tuple[list[RawHit], int]] = {}
        self.pairs: dict[object, Any] = {}  # NEAR of two words -> where they pair (near.py)
        # a feature's positions in a field (the list Features keeps, by identity) -> the
        # positions just before them: the second words of two-word phrases (leaves)
        self.before: dict[int, set[int]] = {}
        self.made: dict[RawHit, Hit] = {}  # the same hit explains many rules: made once
        self.parts: dict[object, Any] = {}  # part node -> its relevance stats (relevance.py)
        self.places: dict[object, Any] = {}  # leaf -> where it occurs, for those stats
        self.scores: dict[object, Any] = {}  # the parts' stats -> the score (scoring.score_of)

    def hit(self, raw: RawHit) -> Hit:
        """The Hit of a raw hit, made once per document (the same hit explains many rules)."""
        found = self.made.get(raw)
        if found is None:
            number, start, end, term = raw
            field = ALL_FIELDS[number]
            found = self.made[raw] = Hit(
                term=term,
                field=cast(Field_, field),
                text=self.analysis.field(field).text[start:-end],
                start=start,
                end=-end,
            )
        return found


class Exec(Protocol):
    """What every node does."""

    def matches(self, ctx: Context) -> bool:
        """True when the node holds for the document."""

    def hits(self, ctx: Context) -> list[RawHit]:
        """The hits that explain a match (terms that fired, outside NOT)."""


class Positional(Exec, Protocol):
    """A node with positions, usable in phrases and NEAR."""

    def occurrences(self, ctx: Context) -> list[Occurrence]:
        """Where in the document the node occurs."""
