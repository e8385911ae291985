"""Where positional nodes' occurrences meet (NEAR): pure functions on ascending positions
and on spans, kept apart from the nodes that call them."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from monitor.matching.context import FIELD_NUMBER, Occurrence, RawHit


def paired(mine: list[int], other: list[int], reach: int) -> tuple[list[int], list[int]] | None:
    """The positions of `mine` with one of `other` at most `reach` away, and those of
    `other` with one of `mine` (both ascending and not empty); None when there are none.
    The shorter list is walked, each of its positions looked up in the other (frequent
    words have long lists: a rare word's few places pick out the runs of a frequent one
    near them); most calls find nothing, told by one look-up a position."""
    swap = len(other) < len(mine)
    short, long = (other, mine) if swap else (mine, other)
    last = len(long)
    for i, q in enumerate(short):
        k = bisect_left(long, q - reach)
        if k < last and long[k] <= q + reach:  # the first that pairs: the rest are walked
            near, runs = paired_from(short, long, reach, i, k)
            return (runs, near) if swap else (near, runs)
    return None


def paired_from(short: list[int], long: list[int], reach: int, i: int, k: int
                ) -> tuple[list[int], list[int]]:
    """`paired` of `short` and `long` (not swapped), `short[i]` the first position that
    pairs and `long[k]` the first one near it."""
    if i == len(short) - 1:  # the last (often the only) one: its run alone
        q = short[i]
        return [q], long[k:bisect_right(long, q + reach, k)]
    return _runs(short, long, reach, i)


def _runs(short: list[int], long: list[int], reach: int, i: int) -> tuple[list[int], list[int]]:
    near: list[int] = []
    runs: list[int] = []
    done = 0  # long[:done] are taken: the runs near ascending positions do not go back
    for q in short[i:]:
        lo = bisect_left(long, q - reach)
        hi = bisect_right(long, q + reach, lo)
        if lo < hi:
            near.append(q)
            if hi > done:
                runs += long[max(lo, done):hi]
                done = hi
    return near, runs


def near(current: list[Occurrence], other: list[Occurrence], distance: int) -> list[Occurrence]:
    """The spans of every pair (a of current, b of other) at most `distance` words apart,
    in the order of trying every pair, for a look at only the b that start near each a."""
    order = sorted(range(len(other)), key=lambda k: (other[k][0], other[k][1]))
    keys = [(other[k][0], other[k][1]) for k in order]
    longest = max(b[2] - b[1] for b in other)
    d = distance + 1  # gap(a, b) <= distance, inlined (distance >= 0)
    out: list[Occurrence] = []
    for a in current:
        lo = bisect_left(keys, (a[0], a[1] - longest - distance - 1))
        hi = bisect_right(keys, (a[0], a[2] + distance + 1))
        for k in sorted(order[lo:hi]):
            b = other[k]
            if b[1] - a[2] <= d and a[1] - b[2] <= d:
                out.append(
                    (a[0], min(a[1], b[1]), max(a[2], b[2]), min(a[3], b[3]), max(a[4], b[4])))
    return out


def inside(hits: list[RawHit], spans: list[Occurrence]) -> list[RawHit]:
    """The hits inside some span: per field, the spans by start with the furthest end of
    those starting so far, each hit looked up once."""
    reach: dict[int, tuple[list[int], list[int]]] = {}
    for field, _, _, start, end in sorted(spans, key=lambda s: (s[0], s[3])):
        starts, ends = reach.setdefault(FIELD_NUMBER[field], ([], []))
        starts.append(start)
        ends.append(max(end, ends[-1]) if ends else end)
    out: list[RawHit] = []
    for hit in hits:
        found = reach.get(hit[0])
        if found is not None:
            k = bisect_right(found[0], hit[1]) - 1
            if k >= 0 and -hit[2] <= found[1][k]:
                out.append(hit)
    return out


def gap(a: Occurrence, b: Occurrence) -> int:
    """The words strictly between two occurrences (overlapping ones are 0 apart): what
    `near` inlines, kept as the definition it is checked against."""
    if a[2] < b[1]:
        return b[1] - a[2] - 1
    if b[2] < a[1]:
        return a[1] - b[2] - 1
    return 0


def near_places(places: list[Occurrence], positions: list[int], reach: int
                ) -> tuple[list[Occurrence], list[int]]:
    """Of a term's places in one field, all of one length (a phrase without slop: the
    windows [first - reach, last + reach] ascend), and a word's positions there (ascending),
    the places with a position at most `reach` words away and the positions with a place
    at most `reach` away: each window is sliced out of the positions once."""
    kept: list[Occurrence] = []
    near: list[int] = []
    done = 0
    for place in places:
        lo = bisect_left(positions, place[1] - reach)
        hi = bisect_right(positions, place[2] + reach, lo)
        if lo < hi:
            kept.append(place)
            near += positions[max(lo, done):hi]
            done = hi
    return kept, near
