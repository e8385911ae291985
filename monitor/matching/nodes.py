"""The executable form of a query: nodes evaluated on one analysed document.

The boolean nodes live here; the leaves are in `leaves.py` and what they all work on in
`context.py`. Everything is importable from here, as `nodes.X`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import cast

from monitor.matching.context import (
    ALL_FIELDS,
    FIELD_NUMBER,
    FIELDS,
    Context,
    Exec,
    Occurrence,
    Positional,
    RawHit,
)
from monitor.matching.leaves import FilterLeaf, SubstringLeaf, TermLeaf, _Leaf, word_elements
from monitor.matching.spans import inside, near, within

__all__ = [
    "ALL_FIELDS",
    "FIELDS",
    "FIELD_NUMBER",
    "AndNode",
    "Context",
    "Exec",
    "FilterLeaf",
    "NearNode",
    "NotNode",
    "Occurrence",
    "OrNode",
    "Positional",
    "RawHit",
    "SameNode",
    "SubstringLeaf",
    "TermLeaf",
    "is_positional",
    "word_elements",
]


class AndNode:
    """Every child. The children that are terms are decided, per language, by one set
    operation on the document's features (see `_split`)."""

    __slots__ = ("_split", "children")

    def __init__(self, children: tuple[Exec, ...]) -> None:
        self.children = children
        # language -> the features the children's terms need (None: some term cannot
        # occur in it) and the children still to evaluate; made on first use
        self._split: dict[str, Split] | None = None

    def matches(self, ctx: Context) -> bool:
        split = self._split
        found = None if split is None else split.get(ctx.lang)
        if found is None:
            found = self.split(ctx.lang)
        need, rest = found
        if need is None or not ctx.present.issuperset(need):
            return False
        # a plain loop: all() with a generator costs more on this, the hottest path
        for child in rest:  # noqa: SIM110
            if not child.matches(ctx):
                return False
        return True

    def split(self, lang: str) -> Split:
        """The features every term child needs in `lang` (a term of one word in any field
        is then decided: it is not among the children left), and the other children."""
        need: set[str] = set()
        rest: list[Exec] = []
        for child in self.children:
            if isinstance(child, TermLeaf):
                plan = child.plan(lang)
                if plan is None:
                    return self._keep(lang, (None, ()))
                need |= plan[1]
                if plan[2]:
                    continue
            rest.append(child)
        return self._keep(lang, (tuple(need), tuple(rest)))

    def _keep(self, lang: str, split: Split) -> Split:
        if self._split is None:
            self._split = {}
        self._split[lang] = split
        return split

    def hits(self, ctx: Context) -> list[RawHit]:
        out: list[RawHit] = []
        for c in self.children:
            out.extend(c.hits(ctx))
        return out


class OrNode(AndNode):
    """Any child; children that cannot match in a language (leaves of other languages,
    as in a topic with terms in seven languages) are set aside per language."""

    __slots__ = ("_by_lang",)

    def __init__(self, children: tuple[Exec, ...]) -> None:
        super().__init__(children)
        self._by_lang: dict[str, tuple[Exec, ...]] = {}

    def live(self, lang: str) -> tuple[Exec, ...]:
        """The children that can match a document in `lang`."""
        found = self._by_lang.get(lang)
        if found is None:
            found = self._by_lang[lang] = tuple(
                c for c in self.children if not isinstance(c, _Leaf) or lang in c.languages
            )
        return found

    def matches(self, ctx: Context) -> bool:
        split = self._split
        found = None if split is None else split.get(ctx.lang)
        if found is None:
            found = self.split(ctx.lang)
        any_of, rest = found
        if any_of and not ctx.present.isdisjoint(any_of):
            return True
        for child in rest:  # noqa: SIM110 (see AndNode.matches)
            if child.matches(ctx):
                return True
        return False

    def split(self, lang: str) -> Split:
        """The features of the children that are terms of one word in any field (any of
        them present decides the OR), and the other children that can occur in `lang`."""
        any_of: set[str] = set()
        rest: list[Exec] = []
        for child in self.live(lang):
            if isinstance(child, TermLeaf):
                plan = child.plan(lang)
                if plan is None:
                    continue
                if plan[2]:
                    any_of |= plan[1]
                    continue
            rest.append(child)
        return self._keep(lang, (tuple(any_of), tuple(rest)))

    def hits(self, ctx: Context) -> list[RawHit]:
        found = ctx.hits.get(self)  # topics are shared: many rules that match use them
        if found is None:
            found = ctx.hits[self] = []
            for c in self.live(ctx.lang):
                if not (isinstance(c, _Leaf) and c.absent(ctx)):
                    found.extend(c.hits(ctx))
        return found

    def occurrences(self, ctx: Context) -> list[Occurrence]:
        out: list[Occurrence] = []
        for c in self.live(ctx.lang):
            out.extend(c.occurrences(ctx))  # type: ignore[attr-defined]
        return out


class NotNode:
    __slots__ = ("child",)

    def __init__(self, child: Exec) -> None:
        self.child = child

    def matches(self, ctx: Context) -> bool:
        return not self.child.matches(ctx)

    def hits(self, ctx: Context) -> list[RawHit]:
        return []


class NearNode:
    """Children within `distance` words of each other (at most that many words between)."""

    __slots__ = ("_words", "children", "distance")

    def __init__(self, children: tuple[Positional, ...], distance: int) -> None:
        self.children = children
        self.distance = distance
        self._words: dict[str, Words | None] = {}

    def occurrences(self, ctx: Context) -> list[Occurrence]:
        found = ctx.memo.get(self)  # asked twice when it matches: for the match, for hits
        if found is not None:
            return found
        if self._lacks_a_term(ctx):
            found = ctx.memo[self] = []
            return found
        current = self.children[0].occurrences(ctx)
        for child in self.children[1:]:
            if not current:
                break
            other = child.occurrences(ctx)
            if len(current) * len(other) > _FEW:
                current = near(current, other, self.distance)
                continue
            d = self.distance + 1  # gap(a, b) <= distance, inlined (distance >= 0)
            current = [
                (a[0], min(a[1], b[1]), max(a[2], b[2]), min(a[3], b[3]), max(a[4], b[4]))
                for a in current
                for b in other
                if a[0] == b[0] and b[1] - a[2] <= d and a[1] - b[2] <= d
            ]
        found = ctx.memo[self] = current
        return found

    def matches(self, ctx: Context) -> bool:
        words = self._words.get(ctx.lang, _ASK)
        if words is _ASK:
            words = self.words(ctx)
        if words is not None:
            return bool(self._paired(ctx, words))
        return bool(self.occurrences(ctx))

    def hits(self, ctx: Context) -> list[RawHit]:
        words = self._words.get(ctx.lang, _ASK)
        if words is _ASK:
            words = self.words(ctx)
        if words is not None:
            found = ctx.hits.get(self)
            if found is None:
                found = ctx.hits[self] = self._made(ctx, self._paired(ctx, words), None)
            return found
        spans = self.occurrences(ctx)
        hits = [hit for child in self.children for hit in child.hits(ctx)]
        if len(spans) > 2 or len(hits) * len(spans) > _FEW:
            return inside(hits, spans)
        marks = [(FIELD_NUMBER[s[0]], s[3], s[4]) for s in spans]
        return [
            hit
            for hit in hits
            if any(field == hit[0] and start <= hit[1] and -hit[2] <= end
                   for field, start, end in marks)
        ]

    def _lacks_a_term(self, ctx: Context) -> bool:
        """Whether a term is absent, as told without its places (a phrase's by set
        operations, kept for its occurrences): then no other term's every place is made a
        span."""
        return any(type(child) is TermLeaf and not child.matches(ctx) for child in self.children)

    def first(self, ctx: Context, k: int) -> Shown | None:
        """For NEAR of two one-word terms (see `words`), what a match shows: each term's
        first k places (title first, then by place), in order, one per place (where the two
        share a place, the first term's), and how many hits each term has there (as many
        places: one token each), made straight from the paired positions; None for other
        NEARs, and for two terms written alike (their places are counted together)."""
        words = self._words.get(ctx.lang, _ASK)
        if words is _ASK:
            words = self.words(ctx)
        if words is None:
            return None
        first, second = cast("tuple[TermLeaf, TermLeaf]", self.children)
        if first is not second and first.term == second.term:
            return None
        pairs = ctx.pairs.get(self)  # made when the node matched
        if pairs is None:
            pairs = self._paired(ctx, words)
        if len(pairs) == 1 and first is not second:
            # the common case, pairs in one field (the body): each term's first k positions
            # there, a position of both (a token that carries both words) the first term's
            for field, (mine, other) in pairs.items():
                a, b = mine[:k], other[:k]
                if not set(a).isdisjoint(b):
                    b = [p for p in b if p not in a]
                bounds = ctx.analysis.field(field).bounds  # token p: b[2p] to b[2p + 1]
                number = FIELD_NUMBER[field]
                term = first.term
                both = [(number, bounds[2 * p], -bounds[2 * p + 1], term) for p in a]
                term = second.term
                both += [(number, bounds[2 * p], -bounds[2 * p + 1], term) for p in b]
                both.sort()
                return both, ((first.term, len(mine)), (term, len(other)))
        out: list[RawHit] = []
        counts: list[tuple[str, int]] = []
        for i, leaf in enumerate((first, second) if first is not second else (first,)):
            term = leaf.term
            count = 0
            end = len(out) + k  # this term's first k places: title ones come first
            for field in ALL_FIELDS:  # a field is paired only if both terms' fields have it
                pair = pairs.get(field)
                if pair is not None:
                    at = pair[i]
                    count += len(at)
                    if len(out) < end:
                        b = ctx.analysis.field(field).bounds  # token p: b[2p] to b[2p + 1]
                        number = FIELD_NUMBER[field]
                        out += [(number, b[2 * p], -b[2 * p + 1], term)
                                for p in at[: end - len(out)]]
            counts.append((term, count))
        if len(counts) == 2 and len({h[:3] for h in out}) < len(out):
            out = list({h[:3]: h for h in reversed(out)}.values())  # the first term's kept
        out.sort()
        return out, tuple(counts)

    def words(self, ctx: Context) -> Words | None:
        """For two one-word (or prefix) terms in the document's language, their features and
        the fields both search: then the spans of the pairs are never needed (see
        `_paired`); else None."""
        found = None
        if len(self.children) == 2:
            first, second = self.children
            if isinstance(first, TermLeaf) and isinstance(second, TermLeaf):
                a, b = first.word(ctx), second.word(ctx)
                if a is not None and b is not None:
                    found = (a, b, tuple(f for f in ALL_FIELDS
                                         if f in first.fields and f in second.fields))
        self._words[ctx.lang] = found
        return found

    def _paired(self, ctx: Context, words: Words) -> Mapping[str, Pair]:
        """Per field, the positions of two one-word terms (`words`) that have one of the
        other at most `distance` words away (none: no field). Each occurrence is one token,
        so a hit lies inside the span of some pair exactly when it is in a pair itself (a
        token between the two of a pair is as near to the farther one)."""
        found: Mapping[str, Pair] | None = ctx.pairs.get(self)
        if found is not None:
            return found
        one, other, fields = words
        paired: dict[str, Pair] = {}
        present = ctx.present
        if one in present and other in present:
            positions = ctx.features.positions
            reach = self.distance + 1
            for field in fields:
                a = positions(field, one)
                b = positions(field, other) if a else a
                if b:
                    close = within(a, b, reach)
                    if close:  # else none of b has one of a near either
                        paired[field] = (close, within(b, a, reach))
        # most candidates do not pair (~60 of ~100 a document at 10,000 frequent rules):
        # they share one empty mapping
        found = ctx.pairs[self] = paired or _UNPAIRED
        return found

    def _made(self, ctx: Context, pairs: Mapping[str, Pair], k: int | None) -> list[RawHit]:
        """The hits at the paired positions, in the order of `hits` (the first term's, by
        its fields, then the second's); `k`: only the first k of each term in each field."""
        out: list[RawHit] = []
        if not pairs:
            return out
        for i, leaf in enumerate(cast("tuple[TermLeaf, TermLeaf]", self.children)):
            term = leaf.term
            for field in leaf.fields:
                if field in pairs:
                    b = ctx.analysis.field(field).bounds  # token p spans b[2p] to b[2p + 1]
                    number = FIELD_NUMBER[field]
                    out += [(number, b[2 * p], -b[2 * p + 1], term)
                            for p in pairs[field][i][:k]]
        return out


class SameNode(NearNode):
    """Children in one sentence or one paragraph (`unit`) of the same field."""

    __slots__ = ("unit",)

    def __init__(self, children: tuple[Positional, ...], unit: str) -> None:
        super().__init__(children, 0)
        self.unit = unit

    def words(self, ctx: Context) -> None:
        """Never: one sentence or paragraph is not a number of words (see NearNode)."""
        self._words[ctx.lang] = None

    def occurrences(self, ctx: Context) -> list[Occurrence]:
        found = ctx.memo.get(self)
        if found is not None:
            return found
        if self._lacks_a_term(ctx):
            found = ctx.memo[self] = []
            return found
        current = self.children[0].occurrences(ctx)
        for child in self.children[1:]:
            if not current:
                break
            other = child.occurrences(ctx)
            units = {f: ctx.analysis.field(f).units(self.unit) for f in {o[0] for o in other}}
            current = [
                (a[0], min(a[1], b[1]), max(a[2], b[2]), min(a[3], b[3]), max(a[4], b[4]))
                for a in current
                for b in other
                if a[0] == b[0] and units[a[0]][a[1]] == units[b[0]][b[1]]
            ]
        found = ctx.memo[self] = current
        return found


Pair = tuple[list[int], list[int]]  # the positions of two terms' paired occurrences
Shown = tuple[list[RawHit], tuple[tuple[str, int], ...]]  # first hits, and counts per term
# the features of a node's terms (a tuple: a few bytes each, for 100,000 rules' nodes) and
# its other children, in one language; see AndNode.split
Split = tuple[tuple[str, ...] | None, tuple[Exec, ...]]
# NEAR of two words in a language: their features, and the fields both terms search
Words = tuple[str, str, tuple[str, ...]]
_ASK: Words = ("", "", ())  # NearNode._words: not yet worked out for the language
_UNPAIRED: Mapping[str, Pair] = MappingProxyType({})  # see NearNode._paired
_FEW = 256  # pairs: below this, trying every pair costs less than sorting (spans.near)


def is_positional(node: Exec) -> bool:
    """Whether a node has positions (so it can be used with NEAR)."""
    if isinstance(node, OrNode):
        return all(is_positional(c) for c in node.children)
    return isinstance(node, _Leaf | NearNode)
