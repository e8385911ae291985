"""A match of a rule of two parts as plain values (monitor.matching.rows' `Tail`), made in
fewer steps than `shown` and `score_of`: `a AND b`, `a AND b AND NOT c`, NEAR of two words
or of a phrase and a word."""

from __future__ import annotations

from monitor.matching import nodes as n
from monitor.matching.explainers import Explained, Explainers
from monitor.matching.relevance import PartStats, two_figures
from monitor.matching.scoring import positions_stats, stats_of
from monitor.matching.shown import PER_TERM, Counts, near_shown, shown_two, two_shown

Figures = tuple[float, float, float, float, float]
Tail = tuple[tuple[int, ...], Figures, Counts]  # as monitor.matching.rows has it


def two_tail(i: int, root: n.Exec, leaves: Explained, parts: tuple[n.Exec, ...],
             ctx: n.Context, explainers: Explainers, numbers: dict[n.RawHit, int],
             table: list[n.RawHit], words: int) -> Tail | None:
    """A match of a rule whose two parts are its terms (`a AND b`, `a AND b AND NOT c`), or
    of NEAR of two words or of a phrase and a word, as `shown` and `_scored` make it in
    fewer steps: what it shows from each term's first hits (NEAR's from where the two pair,
    `near_shown`), and its score's figures from the two parts' stats, without their names
    and without a memo (rules alike share a tail; at 10,000 frequent rules no two others of
    a document had the same two parts; `i`: the rule's number). None for other rules of
    two parts."""
    first, second = parts
    a_word = b_word = None
    if leaves is None:
        found = near_shown(root, ctx) if isinstance(root, n.NearNode) else None
    elif len(leaves) == 2 and leaves[0][0] is first and leaves[1][0] is second:
        tells = explainers.told[i]
        if tells is False:
            tells = explainers.tell(i)
        assert tells is not None  # as `leaves`
        a_word, b_word = tells[0][2], tells[1][2]
        found = None if a_word and b_word else shown_two(first, second, ctx)
    else:
        return None
    known: dict[object, PartStats | None] = ctx.parts
    if a_word and b_word:  # two words in any field (the commonest)
        memo = ctx.shown
        a_first = memo.get(first)
        a = known.get(first, _UNSEEN)
        if a_first is None or a is _UNSEEN:
            a_first, a = _word_part(first, a_word, ctx)
        b_first = memo.get(second)
        b = known.get(second, _UNSEEN)
        if b_first is None or b is _UNSEEN:
            b_first, b = _word_part(second, b_word, ctx)
        a_term, b_term = a_word[1], b_word[1]
        if a is None or b is None or a_term == b_term:  # one term: places counted together
            return None
        found = two_shown(a_first[0], b_first[0], ((a_term, a_first[1]), (b_term, b_first[1])))
    else:
        if found is None:
            return None
        a = known.get(first, _UNSEEN)
        if a is _UNSEEN:
            a = stats_of(first, ctx, explainers)
        b = known.get(second, _UNSEEN)
        if b is _UNSEEN:
            b = stats_of(second, ctx, explainers)
        if a is None or b is None:  # a part without hits of its own: `score_of` weighs it
            return None
    hits = found[0]
    if len(hits) != 2:
        return numbered(hits, numbers, table), two_figures(words, a, b), found[1]
    # the commonest: each term once (or its first place paired), `numbered` inline
    hit, other = hits
    k = numbers.get(hit)
    if k is None:
        k = numbers[hit] = len(table)
        table.append(hit)
    j = numbers.get(other)
    if j is None:
        j = numbers[other] = len(table)
        table.append(other)
    return (k, j), two_figures(words, a, b), found[1]


_UNSEEN: PartStats = ([], frozenset(), 0.0, 0)  # `two_tail`: a part's stats not yet made


def _word_part(leaf: n.Exec, word: tuple[str, str], ctx: n.Context
               ) -> tuple[tuple[list[n.RawHit], int], PartStats | None]:
    """A word's or prefix's in any field (`word`: its feature and term as written) first
    hits and count (`shown.leaf_first`) and its stats (`stats_of`), each kept for the
    document, from one look-up of where its feature occurs (`Explainers.tell`'s one-word
    path no longer fills `ctx.shown`: most two-part rules' words were asked for again)."""
    feature, term = word
    title, body = ctx.features.title_and_body(feature)  # ascending, distinct
    b = ctx.analysis.body.bounds  # token p spans b[2p] to b[2p + 1]
    if title:
        t = ctx.analysis.title.bounds
        out = [(0, t[2 * p], -t[2 * p + 1], term) for p in title[:PER_TERM]]
        if body and len(out) < PER_TERM:
            out += [(1, b[2 * p], -b[2 * p + 1], term) for p in body[:PER_TERM - len(out)]]
        first = ctx.shown[leaf] = out, len(title) + len(body)
    elif len(body) == 1:  # the commonest: once, without a comprehension's frame
        p = 2 * body[0]
        first = ctx.shown[leaf] = [(1, b[p], -b[p + 1], term)], 1
    else:
        first = ctx.shown[leaf] = [(1, b[2 * p], -b[2 * p + 1], term)
                                   for p in body[:PER_TERM]], len(body)
    stats = ctx.parts[leaf] = positions_stats(title, body, ctx)
    return first, stats


def numbered(raw: list[n.RawHit], numbers: dict[n.RawHit, int],
             table: list[n.RawHit]) -> tuple[int, ...]:
    """The numbers of these hits in the document's table of plain hits (added if new)."""
    at: list[int] = []
    for hit in raw:
        k = numbers.get(hit)
        if k is None:  # sent as it is: not made again in another order
            k = numbers[hit] = len(table)
            table.append(hit)
        at.append(k)
    return tuple(at)
