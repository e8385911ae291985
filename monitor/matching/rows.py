"""A document's matches as plain values, every score worked out: what a matching worker
sends back (monitor.match_workers), made without Hit or Match objects.

Most matches of a one-part rule are explained by one term (`a OR b OR c` where one of them
occurs, `a AND NOT b`, a word, a phrase): what such a match shows and its score depend on
that term alone, so they are made once per term and document and shared by every rule the
term explains alone. Rules written alike share their query's node (the compiler makes one),
and the match of the first is the match of the others.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.matching import nodes as n
from monitor.matching.explainers import Explainers
from monitor.matching.prefilter import Index
from monitor.matching.relevance import LEAD_WORDS, WEIGHTS, one_figures, words_of
from monitor.matching.scoring import Scored, alone_key, score_of
from monitor.matching.shown import PER_TERM, Counts, leaf_first, shown
from monitor.matching.two import Figures, numbered, two_tail
from monitor.matching.two import Tail as Tail  # monitor.match_workers reads it here
from monitor.models import Match, ScoreParts, Shown, made_hits, made_matches

if TYPE_CHECKING:
    from collections.abc import Sequence

    from monitor.matching.ruleset import Rule

# a hit as plain values: the matcher's raw hit itself (field number: 0 title, 1 body,
# start, minus the end, term; the text as written is the field's [start:end], sliced where
# the Hit is made: the worker does not send it); what a match shows as plain values (a
# tail): the numbers of its hits among a document's plain hits, its score's figures (score,
# then the parts' values in the order of PART_NAMES: five floats, not five tuples to
# pickle) and its term counts
PlainHit = n.RawHit
PART_NAMES = tuple(WEIGHTS)  # prominence, mentions, closeness, concentration
# a document's matches: each distinct hit once, each distinct tail once (rules explained by
# one term share its tail), and per match its rule's number and its tail's, in rule order:
# [rule, tail, rule, tail, ...] as unsigned ints (one bytes object to send, not a tuple per
# match: at 10,000 frequent rules a document has ~440 matches and ~220 distinct tails)
Plain = tuple[list[PlainHit], list[Tail], "array[int]"]
Found = tuple[list[n.RawHit], Counts, Scored | None]  # what RuleSet._check finds

# a rule's kind in a language (`kinds`): what `plain_rows` does with it. ONE: a query of one
# part (its match may be explained by one term alone); PARTS: of several; ASKED added: the
# prefilter has not decided it, its query is asked; CHECKED: a min_score or sources, through
# `_check`; TWIN: one of rules written alike; ELSEWHERE: its languages leave this one out
ONE, ASKED, PARTS, CHECKED, TWIN, ELSEWHERE = 0, 1, 2, 4, 6, 8


def kinds(rules: Sequence[Rule], lang: str, decided: frozenset[int],
          parts: Sequence[tuple[n.Exec, ...]], twins: Mapping[int, int]) -> bytes:
    """Per rule, its kind in `lang` (see ONE...), one byte each: the common candidate (a
    decided rule of one part, alone of its query) is told by one lookup. Read in place of
    the Rule objects, which a worker then never touches (reading an object writes its
    reference count: the page is copied into the worker)."""
    alike = set(twins) | set(twins.values())
    return bytes(CHECKED if r.min_score or r.sources is not None else
                 ELSEWHERE if r.languages is not None and lang not in r.languages else
                 TWIN if i in alike else
                 (PARTS if parts[i] else ONE) + (i not in decided)
                 for i, r in enumerate(rules))


def twins(execs: Sequence[n.Exec]) -> dict[int, int]:
    """Rule number -> the first rule with the same query node, for rules whose query
    another rule before them has too."""
    first: dict[int, int] = {}
    out: dict[int, int] = {}
    for i, node in enumerate(execs):
        k = first.setdefault(id(node), i)
        if k != i:
            out[i] = k
    return out


@dataclass(slots=True, kw_only=True)
class Rows:
    """One document and what of the rule set `plain_rows` reads (not frozen: a frozen
    dataclass sets each field through object.__setattr__, ~2 us a document)."""

    ctx: n.Context
    index: Index
    kind: bytes
    execs: tuple[n.Exec, ...]
    parts: tuple[tuple[n.Exec, ...], ...]
    twins: Mapping[int, int]
    check: Callable[..., Found | None]  # RuleSet._check for this document


def plain_rows(job: Rows) -> Plain:
    """Each distinct hit once, each distinct tail once and per match its rule and tail
    (see `Plain`); equal to `RuleSet.match` with its scores worked out."""
    ctx, index, kind_of, execs = job.ctx, job.index, job.kind, job.execs
    decided = index.decided
    explainers = index.explainers
    told = explainers.told
    present, memo = ctx.present, ctx.shown
    all_parts, twins_of = job.parts, job.twins
    numbers: dict[n.RawHit, int] = {}
    table: list[PlainHit] = []
    tails: list[Tail] = []
    order = array("I")
    add = order.append
    alone_of: dict[n.Exec, int] = {}  # a term: the tail of the rules it explains alone
    done: dict[int, int] = {}  # the first rules of twins: their tail, or -1: no match
    figured: dict[tuple[float, int], Figures] = {}  # see `_tail`
    words = words_of(ctx.analysis)
    body_words = max(len(ctx.analysis.body.parts) >> 1, 1)
    bounds = ctx.analysis.body.bounds  # token p spans b[2p] to b[2p + 1]
    for i in index.candidates(ctx):
        kind = kind_of[i]
        if not kind:
            # ONE, 2 candidates in 3 at 10,000 frequent rules: a path of its own, without
            # the tests the other kinds need (the general one below serves ONE + ASKED and
            # twins of one part)
            tells = told[i]
            if tells is False:
                tells = explainers.tell(i)
            if tells is not None:
                alone: n.Exec | None = None
                for leaf, need, word_of in tells:
                    if (need is None or need in present) and (
                            word_of or (memo.get(leaf) or leaf_first(leaf, ctx))[1]):
                        if alone is not None:
                            break
                        alone, word = leaf, word_of
                else:
                    if alone is not None:
                        k = alone_of.get(alone, -1)
                        if k < 0:
                            k = alone_of[alone] = len(tails)
                            tails.append(
                                _word_tail(word, ctx, numbers, table, figured, words, bounds,
                                           body_words) if word is not None else
                                _tail(alone, ctx, explainers, numbers, table, figured, words,
                                      body_words))
                        add(i)
                        add(k)
                        continue
            raw, counts = shown(execs[i], ctx, explainers.rule(i))
            add(i)
            add(len(tails))
            tails.append(_scored((raw, counts, None), all_parts[i], execs[i], ctx, explainers,
                                 numbers, table))
            continue
        if kind < CHECKED:
            if kind & ASKED and not execs[i].matches(ctx):
                continue
            one = kind < PARTS
        elif kind == TWIN:
            twin = twins_of.get(i)
            if twin is not None and twin in done:
                same = done[twin]
                if same >= 0:
                    add(i)
                    add(same)
                continue
            if i not in decided and not execs[i].matches(ctx):
                done[i] = -1
                continue
            one = not all_parts[i]
        else:
            if kind == CHECKED:
                found = job.check(i, decided=i in decided)
                if found is not None:
                    add(i)
                    add(len(tails))
                    tails.append(_scored(found, all_parts[i], execs[i], ctx, explainers,
                                         numbers, table))
            continue
        leaves = explainers[i]
        if leaves is False:
            leaves = explainers.rule(i)
        k = -1
        if one and leaves is not None:
            tells = told[i]
            if tells is False:
                tells = explainers.tell(i)
            assert tells is not None  # as `leaves`
            alone = None
            for leaf, need, word_of in tells:
                if (need is None or need in present) and (
                        word_of or (memo.get(leaf) or leaf_first(leaf, ctx))[1]):
                    if alone is not None:
                        break
                    alone, word = leaf, word_of
            else:
                if alone is not None:
                    k = alone_of.get(alone, -1)
                    if k < 0:
                        k = alone_of[alone] = len(tails)
                        tails.append(
                            _word_tail(word, ctx, numbers, table, figured, words, bounds,
                                       body_words) if word is not None else
                            _tail(alone, ctx, explainers, numbers, table, figured, words,
                                  body_words))
        if k < 0:
            parts = all_parts[i]
            tail = (two_tail(i, execs[i], leaves, parts, ctx, explainers, numbers, table, words)
                    if len(parts) == 2 else None)
            if tail is None:
                raw, counts = shown(execs[i], ctx, leaves)
                tail = _scored((raw, counts, None), parts, execs[i], ctx, explainers, numbers,
                               table)
            k = len(tails)
            tails.append(tail)
        if kind == TWIN:
            done[i] = k
        add(i)
        add(k)
    return table, tails, order


def _figures(value: float, parts: ScoreParts) -> Figures:
    return value, parts[0][1], parts[1][1], parts[2][1], parts[3][1]


def _scored(found: Found, parts: tuple[n.Exec, ...], root: n.Exec, ctx: n.Context,
            explainers: Explainers, numbers: dict[n.RawHit, int],
            table: list[PlainHit]) -> Tail:
    """A match as a Tail, from what `_check` (or `shown`) found, scored if it is not yet."""
    raw, counts, scored = found
    value, score_parts = scored or score_of(parts, ctx, explainers, root)
    return numbered(raw, numbers, table), _figures(value, score_parts), counts


def _word_tail(word: tuple[str, str], ctx: n.Context, numbers: dict[n.RawHit, int],
               table: list[PlainHit], figured: dict[tuple[float, int], Figures], words: int,
               bounds: list[int], body_words: int) -> Tail:
    """`_tail` of a word or prefix in any field (`Explainers.tell`: its feature and its
    term as written): its first hits, count and score key in one step from where the
    feature occurs, as `TermLeaf.first` and `alone_key` find them (`bounds`: the body's,
    taken once per document). The first hits are not kept for `shown`: a rule that
    another term of fires too seldom has this one."""
    feature, term = word
    title, body = ctx.features.title_and_body(feature)  # ascending, distinct
    if title:
        count = len(title) + len(body)
        key = 1.0, 1 + len(body)  # the title is one place
    else:
        place = body[0]
        count = len(body)
        key = (0.8 if place < LEAD_WORDS else 0.6 * (1.0 - place / body_words)), count
    figures = figured.get(key)
    if figures is None:
        figures = figured[key] = one_figures(words, *key)
    if title:
        b = ctx.analysis.title.bounds  # token p spans b[2p] to b[2p + 1]
        first = [(0, b[2 * p], -b[2 * p + 1], term) for p in title[:PER_TERM]]
        if body and len(first) < PER_TERM:
            b = bounds
            first += [(1, b[2 * p], -b[2 * p + 1], term) for p in body[:PER_TERM - len(first)]]
    else:
        b = bounds
        if count == 1:  # the commonest: once in the body, its hit numbered inline
            hit = 1, b[2 * place], -b[2 * place + 1], term
            k = numbers.get(hit)
            if k is None:
                k = numbers[hit] = len(table)
                table.append(hit)
            return (k,), figures, ((term, 1),)
        first = [(1, b[2 * p], -b[2 * p + 1], term) for p in body[:PER_TERM]]
    return numbered(first, numbers, table), figures, ((term, count),)


def _tail(leaf: n.Exec, ctx: n.Context, explainers: Explainers, numbers: dict[n.RawHit, int],
          table: list[PlainHit], figured: dict[tuple[float, int], Figures], words: int,
          body_words: int) -> Tail:
    """What a match of a one-part rule explained by this leaf alone shows, and its score:
    the leaf's first hits and count (as `shown` gives them when one leaf fired), and the
    score of its places (`score_of` the rule: the same prominence and count, so the same
    figures). `figured`: the figures of each key so far, one tuple shared by the tails
    that have them (pickled once); `words`: the document's (`words_of`); `body_words`:
    the body's words (at least 1), taken once per document."""
    shown = first, count = ctx.shown[leaf]
    if first[0][0] and type(leaf) is n.TermLeaf and leaf.slop is None:
        # `alone_key`'s commonest case, inline with the body's words in hand: a word or
        # phrase first in the body, its first place its first hit's token: where its first
        # occurrence starts (a phrase's hits come from its occurrences: located by now), or
        # the word's first body position (a look-up, not a bisection of the body's bounds)
        found = ctx.memo.get(leaf)
        if found:
            place = found[0][1]
        else:
            word = leaf.word(ctx)
            assert word is not None  # not a phrase
            place = ctx.features.positions("body", word)[0]
        key = (0.8 if place < LEAD_WORDS else 0.6 * (1.0 - place / body_words)), count
    else:
        key = alone_key(leaf, ctx, explainers, shown)
    figures = figured.get(key)
    if figures is None:  # the score of one part reads its prominence and count only
        figures = figured[key] = one_figures(words, *key)
    if len(first) == 1:  # most terms occur once: `numbered`, inline
        hit = first[0]
        k = numbers.get(hit)
        if k is None:
            k = numbers[hit] = len(table)
            table.append(hit)
        return (k,), figures, ((hit[3], count),)
    return numbered(first, numbers, table), figures, ((first[0][3], count),)


def matches_of(plain: Plain, ids: Sequence[str], texts: tuple[str, str]) -> list[Match]:
    """The Match objects of `plain_rows`' values (`ids`: the rules' ids by number; `texts`:
    the document's title and body as analysed, `normalize_text`); the matches of one tail
    share its hits."""
    table, tails, order = plain
    made = made_hits(table, texts)
    hit = made.__getitem__
    a, b, c, d = PART_NAMES
    # most tails show one hit: its tuple made without a map
    shown: list[Shown] = [
        ((made[at[0]],) if len(at) == 1 else tuple(map(hit, at)), f[0],
         ((a, f[1]), (b, f[2]), (c, f[3]), (d, f[4])), counts)
        for at, f, counts in tails]
    return made_matches(ids, order, shown)
