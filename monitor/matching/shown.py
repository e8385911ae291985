"""What a match shows: the first hits of each term that fired (at most PER_TERM each,
MAX_HITS in all, in order, one per place) and how many places each term has hits at."""

from __future__ import annotations

from operator import itemgetter

from monitor.matching import nodes as n
from monitor.matching.explainers import Explained
from monitor.matching.leaves import first_of
from monitor.matching.spans import near_places

MAX_HITS = 20  # per match; enough to explain, bounded for long documents
PER_TERM = 5  # hits per term of a match: its first occurrences (Match.counts has them all)

Counts = tuple[tuple[str, int], ...]


def shown(node: n.Exec, ctx: n.Context, leaves: Explained) -> tuple[list[n.RawHit], Counts]:
    """What a match shows: the first PER_TERM hits of each term (at most MAX_HITS in all,
    in order, one per place) and how many places each term has hits at. Through the leaves
    that explain the rule when known: a few lookups, whatever the number of occurrences."""
    if leaves is None:
        near = near_shown(node, ctx) if isinstance(node, n.NearNode) else None
        if near is not None:  # NEAR of two terms: each one's first places, and counts
            return near
        return _capped(node.hits(ctx))
    counts: dict[str, int] = {}
    shared: list[n.Exec] = []  # leaves whose term another leaf has too (title:x OR x)
    found: list[n.RawHit] = []
    present = ctx.present
    memo = ctx.shown
    fired = 0
    for leaf, need in leaves:
        if need is None or need in present:
            first, count = memo.get(leaf) or leaf_first(leaf, ctx)
            if count:
                fired += 1
                found += first
                term = first[0][3]
                if term in counts:
                    shared.append(leaf)
                counts[term] = count
    if fired == 1:  # one leaf's first hits: in order, one per place, few
        return found, tuple(counts.items())
    if shared:
        every = [h for leaf, _ in leaves if leaf in shared or _named(leaf, shared)
                 for h in ctx.hits.get(leaf) or leaf.hits(ctx)]
        counts.update(_places_per_term(every))
        return _cap(_dedupe(found)), tuple(counts.items())
    return _dedupe(found)[:MAX_HITS], tuple(counts.items())  # PER_TERM each already


def near_shown(node: n.NearNode, ctx: n.Context) -> tuple[list[n.RawHit], Counts] | None:
    """What a match of NEAR of two words (`NearNode.first`), or of a phrase and a word,
    shows, from where the two pair; None for other NEARs (`_capped` of their hits)."""
    return node.first(ctx, PER_TERM) or _phrase_and_word(node, ctx)


def _phrase_and_word(node: n.NearNode, ctx: n.Context) -> tuple[list[n.RawHit], Counts] | None:
    """`_capped` of the hits of NEAR of a phrase (without slop) and a word inside the spans
    of its pairs, from their places: a place is inside some span exactly when one of the
    other term is within reach of it (one between the two of a pair is nearer; a phrase
    inside a span is no longer than the pair's), so neither term's every hit is made nor
    tried against the spans. The two terms never share a place (a phrase has two tokens or
    more)."""
    if type(node) is not n.NearNode or len(node.children) != 2:  # not SameNode
        return None
    first, second = node.children
    if type(first) is not n.TermLeaf or type(second) is not n.TermLeaf or (
            first.term == second.term):
        return None
    phrase, leaf = first, second
    word = second.word(ctx)
    if word is None:
        phrase, leaf = second, first
        word = first.word(ctx)
    if word is None or phrase.slop is not None or phrase.word(ctx) is not None:
        return None
    occurrences = phrase.occurrences(ctx)
    positions = ctx.features.positions
    reach = node.distance + 1  # as NearNode.occurrences pairs them
    places: list[n.RawHit] = []  # the phrase's first paired places, title first
    near: list[n.RawHit] = []  # the word's
    count = other = 0
    for field in n.ALL_FIELDS:
        if field in phrase.fields and field in leaf.fields:
            kept, at = near_places([o for o in occurrences if o[0] == field],
                                   positions(field, word), reach)
            count += len(kept)
            other += len(at)
            number = n.FIELD_NUMBER[field]
            places += [(number, o[3], -o[4], phrase.term) for o in kept[:PER_TERM - len(places)]]
            if at and len(near) < PER_TERM:
                bounds = ctx.analysis.field(field).bounds  # token p: b[2p] to b[2p + 1]
                near += [(number, bounds[2 * p], -bounds[2 * p + 1], leaf.term)
                         for p in at[:PER_TERM - len(near)]]
    if not count or not other:
        return None
    found = sorted(places + near)
    if phrase is first:
        return found, ((phrase.term, count), (leaf.term, other))
    return found, ((leaf.term, other), (phrase.term, count))


def shown_two(first: n.Exec, second: n.Exec, ctx: n.Context
              ) -> tuple[list[n.RawHit], Counts] | None:
    """`shown` of a rule explained by two leaves that both fire (`a AND b`), without its
    walk: each one's first hits, in order, one per place; None when they have one term
    (their places are counted together) or one of them has no hits."""
    memo = ctx.shown
    hits, count = memo.get(first) or leaf_first(first, ctx)
    more, other = memo.get(second) or leaf_first(second, ctx)
    if not count or not other or hits[0][3] == more[0][3]:
        return None
    return two_shown(hits, more, ((hits[0][3], count), (more[0][3], other)))


def two_shown(hits: list[n.RawHit], more: list[n.RawHit], counts: Counts
              ) -> tuple[list[n.RawHit], Counts]:
    """`shown_two` from the two leaves' first hits (both fire, their terms differ)."""
    if len(hits) == 1 and len(more) == 1:  # each once (most): `_dedupe` of the two, inline
        hit, near = hits[0], more[0]
        if hit[1] != near[1] or hit[0] != near[0] or hit[2] != near[2]:  # two places
            return ([hit, near] if hit < near else [near, hit]), counts
    return _dedupe(hits + more), counts


def _named(leaf: n.Exec, shared: list[n.Exec]) -> bool:
    term = getattr(leaf, "term", None)
    return term is not None and any(getattr(s, "term", None) == term for s in shared)


def _capped(hits: list[n.RawHit]) -> tuple[list[n.RawHit], Counts]:
    """`_shown` from every hit of a rule (a rule with NEAR, SENT or PARA)."""
    return _first(hits), tuple(_places_per_term(hits).items())


def _first(hits: list[n.RawHit]) -> list[n.RawHit]:
    """What `_capped` shows of these hits: each term's first places, in order, capped
    (the same from any of them that hold each term's first PER_TERM places)."""
    kept: dict[str, int] = {}
    first: list[n.RawHit] = []
    for hit in sorted(set(hits), key=_PLACE):  # each term's first places
        seen = kept[hit[3]] = kept.get(hit[3], 0) + 1
        if seen <= PER_TERM:
            first.append(hit)
    order = {hit: k for k, hit in enumerate(hits)}
    first.sort(key=order.__getitem__)  # in the order the node lists them, as _dedupe wants
    return _cap(_dedupe(first))


def _places_per_term(hits: list[n.RawHit]) -> dict[str, int]:
    places: dict[str, set[tuple[int, int, int]]] = {}
    for hit in hits:
        places.setdefault(hit[3], set()).add(hit[:3])
    return {term: len(found) for term, found in places.items()}


def _cap(hits: list[n.RawHit]) -> list[n.RawHit]:
    """At most PER_TERM hits of each term, MAX_HITS in all, in order."""
    kept: dict[str, int] = {}
    out: list[n.RawHit] = []
    for hit in hits:
        seen = kept[hit[3]] = kept.get(hit[3], 0) + 1
        if seen <= PER_TERM:
            out.append(hit)
            if len(out) == MAX_HITS:
                break
    return out


def leaf_first(leaf: n.Exec, ctx: n.Context) -> tuple[list[n.RawHit], int]:
    """A leaf's first PER_TERM hits and at how many places it has hits, once per document."""
    if isinstance(leaf, n.TermLeaf):
        found = ctx.shown[leaf] = leaf.first(ctx, PER_TERM)
    else:
        found = ctx.shown[leaf] = first_of(leaf.hits(ctx), PER_TERM)
    return found


_PLACE = itemgetter(0, 1, 2)


def _dedupe(hits: list[n.RawHit]) -> list[n.RawHit]:
    """The hits in order, one per place (of the terms found at one place, the first)."""
    if len(hits) < 2:
        return hits
    out = sorted(hits)
    if len(set(map(_PLACE, out))) == len(out):  # one term at each place: the most common
        return out
    first = hits[::-1]  # reversed, so that the first at each place is the one kept
    return sorted(dict(zip(map(_PLACE, first), first, strict=True)).values())
