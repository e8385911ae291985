"""NEAR, SENT and PARA: nodes whose children must occur close to each other.

NEAR of two one-word terms, the commonest (a tenth of the frequent rules; most of its
candidates have both words and fail), is decided from the two words' ascending positions
(`spans.paired`), and NEAR of a phrase and a word from the phrase's places and the word's
positions: neither makes an occurrence per position nor the spans of the pairs. Every
other NEAR, and SENT and PARA, pairs the children's occurrences.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import cast

from monitor.matching.context import (
    ALL_FIELDS,
    FIELD_NUMBER,
    Context,
    Occurrence,
    Positional,
    RawHit,
)
from monitor.matching.leaves import TermLeaf
from monitor.matching.spans import inside, near, paired, paired_from


class NearNode:
    """Children within `distance` words of each other (at most that many words between)."""

    __slots__ = ("_placed", "_words", "children", "distance")

    def __init__(self, children: tuple[Positional, ...], distance: int) -> None:
        self.children = children
        self.distance = distance
        self._words: dict[str, Words | None] = {}
        self._placed: dict[str, Placed | None] = {}

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
            found = ctx.pairs.get(words)  # the prefilter may have paired them (`paired_in`)
            return bool(found if found is not None else paired_in(ctx, words))
        placed = self._placed.get(ctx.lang, _UNPLACED)
        if placed is _UNPLACED:
            placed = self.placed(ctx)
        if placed is not None:
            return self._phrase_near_word(ctx, placed)
        return bool(self.occurrences(ctx))

    def hits(self, ctx: Context) -> list[RawHit]:
        words = self._words.get(ctx.lang, _ASK)
        if words is _ASK:
            words = self.words(ctx)
        if words is not None:
            found = ctx.hits.get(self)
            if found is None:
                found = ctx.hits[self] = self._made(ctx, paired_in(ctx, words), None)
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
        pairs = ctx.pairs.get(words)  # made when the node matched, or by the prefilter
        if pairs is None:
            pairs = paired_in(ctx, words)
        first, second = cast("tuple[TermLeaf, TermLeaf]", self.children)
        if first is not second:
            if first.term == second.term:
                return None
            if len(pairs) == 1:
                return _first_in_one_field(ctx, pairs, first.term, second.term, k)
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
        """`words_in` the document's language, kept per language."""
        found = self._words[ctx.lang] = self.words_in(ctx.lang)
        return found

    def words_in(self, lang: str) -> Words | None:
        """For two one-word (or prefix) terms in `lang`, their features, how far apart two
        positions pair (`distance` + 1) and whether both terms search the title, the body:
        then the spans of the pairs are never needed (see `paired_in`); else None."""
        if len(self.children) == 2:
            first, second = self.children
            if isinstance(first, TermLeaf) and isinstance(second, TermLeaf):
                a, b = first.plan(lang), second.plan(lang)
                if a is not None and b is not None and len(a[0]) == len(b[0]) == 1:
                    both = set(first.fields) & set(second.fields)
                    return a[0][0], b[0][0], self.distance + 1, "title" in both, "body" in both
        return None

    def placed(self, ctx: Context) -> Placed | None:
        """For a term (a phrase) and a one-word term in the document's language, which
        child is the phrase, the word's feature and the fields both search: then a match is
        told from the phrase's places and the word's positions (`_phrase_near_word`); else
        None."""
        found = None
        if len(self.children) == 2:
            first, second = self.children
            if type(first) is TermLeaf and type(second) is TermLeaf:
                both = tuple(f for f in first.fields if f in second.fields)
                if (word := second.word(ctx)) is not None:
                    found = (0, word, both)
                elif (word := first.word(ctx)) is not None:
                    found = (1, word, both)
        self._placed[ctx.lang] = found
        return found

    def _phrase_near_word(self, ctx: Context, placed: Placed) -> bool:
        """Whether one of the word's positions is at most `distance` words from a place of
        the other term (as `occurrences` pairs them), its places looked up one by one in
        the word's positions."""
        phrase, word, fields = placed
        if word not in ctx.present or not fields:
            return False
        places = self.children[phrase].occurrences(ctx)  # kept: what a match shows reads them
        if not places:
            return False
        reach = self.distance + 1
        positions = ctx.features.positions
        for field in fields:
            at = positions(field, word)
            if at:
                last = len(at)
                for place in places:
                    if place[0] == field:
                        k = bisect_left(at, place[1] - reach)
                        if k < last and at[k] <= place[2] + reach:
                            return True
        return False

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


def paired_in(ctx: Context, words: Words) -> Mapping[str, Pair]:
    """Per field, the positions of two one-word terms (`words`, see `NearNode.words_in`)
    that have one of the other at most `distance` words away (none: no field), once per
    document for every NEAR of the two at that distance. Each occurrence is one token, so
    a hit lies inside the span of some pair exactly when it is in a pair itself (a token
    between the two of a pair is as near to the farther one)."""
    found: Mapping[str, Pair] | None = ctx.pairs.get(words)
    if found is not None:
        return found
    one, other, reach, title, body = words
    found = _UNPAIRED
    where = ctx.features.where  # a word that is not there has no positions: no pair
    if title and (a := where("title").get(one)) and (b := where("title").get(other)):
        pair = paired(a, b, reach)
        if pair is not None:
            found = {"title": pair}
    if body and (a := where("body").get(one)) and (b := where("body").get(other)):
        pair = paired(a, b, reach)
        if pair is not None:
            found = {"body": pair} if found is _UNPAIRED else {**found, "body": pair}
    # most candidates do not pair (~60 of ~100 a document at 10,000 frequent rules):
    # they share one empty mapping
    ctx.pairs[words] = found
    return found


def apart(ctx: Context, rules: Iterable[int], nears: Mapping[int, Words]) -> list[int]:
    """Of these rules of NEAR of two words (`nears`: rule number -> its `words`), the ones
    whose words do not pair, as `paired_in` tells, in one call for a document's every such
    candidate (~100 a document at 10,000 frequent rules, ~60 apart: a call and the fields'
    look-ups each cost as much as the test): `paired` of the body's positions inline."""
    pairs = ctx.pairs
    where = ctx.features.where
    title, body = where("title"), where("body")
    out: list[int] = []
    for i in rules:
        words = nears[i]
        found = pairs.get(words)
        if found is None:
            one, other, reach, in_title, in_body = words
            found = _UNPAIRED
            if in_title and (a := title.get(one)) and (b := title.get(other)):
                pair = paired(a, b, reach)
                if pair is not None:
                    found = {"title": pair}
            if in_body and (a := body.get(one)) and (b := body.get(other)):
                swap = len(b) < len(a)
                short, long = (b, a) if swap else (a, b)
                last = len(long)
                for j, q in enumerate(short):
                    k = bisect_left(long, q - reach)
                    if k < last and long[k] <= q + reach:
                        close, runs = paired_from(short, long, reach, j, k)
                        pair = (runs, close) if swap else (close, runs)
                        found = ({"body": pair} if found is _UNPAIRED else
                                 {**found, "body": pair})
                        break
            pairs[words] = found
        if not found:
            out.append(i)
    return out


def _first_in_one_field(ctx: Context, pairs: Mapping[str, Pair], term: str, other: str,
                        k: int) -> Shown:
    """`NearNode.first` of two terms that pair in one field (the common case: the body):
    each term's first k positions there, a position of both (a token that carries both
    words) the first term's."""
    for field, (mine, theirs) in pairs.items():
        bounds = ctx.analysis.field(field).bounds  # token p: b[2p] to b[2p + 1]
        number = FIELD_NUMBER[field]
        counts = (term, len(mine)), (other, len(theirs))
        if len(mine) == 1 == len(theirs):  # a pair alone, the commonest: two hits, in order
            p, q = 2 * mine[0], 2 * theirs[0]
            hit = (number, bounds[p], -bounds[p + 1], term)
            if p == q:
                return [hit], counts
            near = (number, bounds[q], -bounds[q + 1], other)
            return ([hit, near] if p < q else [near, hit]), counts
        a, b = mine[:k], theirs[:k]
        if not set(a).isdisjoint(b):
            b = [p for p in b if p not in a]
        both = [(number, bounds[2 * p], -bounds[2 * p + 1], term) for p in a]
        both += [(number, bounds[2 * p], -bounds[2 * p + 1], other) for p in b]
        both.sort()
        return both, counts
    raise ValueError("no paired field")  # pragma: no cover - called with one field


class SameNode(NearNode):
    """Children in one sentence or one paragraph (`unit`) of the same field."""

    __slots__ = ("unit",)

    def __init__(self, children: tuple[Positional, ...], unit: str) -> None:
        super().__init__(children, 0)
        self.unit = unit

    def words_in(self, lang: str) -> None:
        """Never: one sentence or paragraph is not a number of words (see NearNode)."""

    def placed(self, ctx: Context) -> None:
        """Never, as `words`."""
        self._placed[ctx.lang] = None

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
# NEAR of two words in a language: their features, how far apart their positions pair, and
# whether both terms search the title, the body (the key of their pairs in Context.pairs)
Words = tuple[str, str, int, bool, bool]
# NEAR of a term and a word: the number of the term's child (0 or 1: the other is the
# word), the word's feature, the fields both search
Placed = tuple[int, str, tuple[str, ...]]
_ASK: Words = ("", "", 0, False, False)  # NearNode._words: not yet worked out for the language
_UNPLACED: Placed = (0, "", ())  # NearNode._placed: likewise
_UNPAIRED: Mapping[str, Pair] = MappingProxyType({})  # see paired_in
_FEW = 256  # pairs: below this, trying every pair costs less than sorting (spans.near)
