"""The compiled rule set: rules, their executable queries and the prefilter index."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType

from monitor.matching import nodes as n
from monitor.matching.explainers import Explainers
from monitor.matching.prefilter import Index, build_index, post_order
from monitor.matching.relevance import (
    NO_HITS,
    PartStats,
    Place,
    part_stats,
    places,
    score_and_parts,
)
from monitor.matching.shown import Counts, leaf_first, shown
from monitor.models import Document, Field_, Match, ScoreParts
from monitor.text.analysis import Analysis

Scored = tuple[float, ScoreParts]
# a hit as plain values (term, field, text, start, end), and a match as plain values: the
# rule, the numbers of its hits among a document's plain hits, score, parts, term counts
PlainHit = tuple[str, Field_, str, int, int]
Row = tuple[str, tuple[int, ...], float, ScoreParts, Counts]

FREEZE_AT = 2000  # rules; below this the collector's passes are cheap anyway


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Build many long-lived objects without the cyclic collector pausing in the middle."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def settle(rules: int) -> None:
    """Move a large rule set (FREEZE_AT rules or more) out of the cyclic collector's sight.

    A large rule set is millions of objects that live until the next reload; a collector
    pass over them costs up to a second, paid by whichever document happens to trigger it.
    One collection first, so no garbage is kept. The compiled structures hold no reference
    cycles, so reference counting still frees them when a reload replaces them.
    """
    if rules >= FREEZE_AT:
        gc.collect()
        gc.freeze()


PLAIN, CHECKED, ELSEWHERE = 0, 1, 2  # a rule's gate in a language (`gates`)


def gates(rules: Sequence[Rule], lang: str) -> bytes:
    """Per rule, what `RuleSet.rows` does with it in `lang`, one byte each: ELSEWHERE, its
    languages leave this one out; CHECKED, a min_score or sources: through `_check`; else
    PLAIN. Read in place of the Rule objects, which a worker then never touches (reading
    an object writes its reference count: the page is copied into the worker)."""
    return bytes(CHECKED if r.min_score or r.sources is not None else
                 ELSEWHERE if r.languages is not None and lang not in r.languages else PLAIN
                 for r in rules)


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One rule as written, validated. `notify` None means every notifier."""

    id: str
    title: str
    query: str
    notify: tuple[str, ...] | None = None
    digest: str = "immediate"
    languages: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    min_score: float = 0.0
    within: str | None = None
    file: str = ""
    line: int = 0
    max_per_hour: int | None = None
    stories: bool = True  # one alert per story; False: every copy alerts
    spreading: int | None = None  # alert again when a story reaches this many outlets


class RuleSet:
    """Rules compiled for matching; immutable once built.

    `match` analyses nothing itself: give it `monitor.text.analysis.analyze(doc, languages)`.
    """

    __slots__ = ("_execs", "_gates", "_ids", "_indexes", "_lock", "_nodes", "_order", "_parts",
                 "languages", "rules")

    def __init__(
        self, rules: Sequence[Rule], execs: Sequence[n.Exec], languages: Sequence[str]
    ) -> None:
        self.rules: Mapping[str, Rule] = MappingProxyType({r.id: r for r in rules})
        self.languages: tuple[str, ...] = tuple(languages)
        self._order: tuple[Rule, ...] = tuple(rules)
        self._execs: tuple[n.Exec, ...] = tuple(execs)
        self._parts: tuple[tuple[n.Exec, ...], ...] = tuple(map(parts_of, execs))
        self._ids: tuple[str, ...] = tuple(r.id for r in rules)
        self._indexes: dict[str, Index] = {}
        self._gates: dict[str, bytes] = {}  # per language, with its index: see `gates`
        self._nodes: list[n.Exec] | None = None  # every node, children first: for each index
        self._lock = threading.Lock()

    def prepare(self, languages: Sequence[str] | None = None) -> None:
        """Build the prefilter of these languages now (default: all) rather than on first use.

        Building a language loads its lemmatiser dictionary (up to ~2 s) and keys every
        term in it, so it is otherwise done when the first document in it arrives.
        """
        for lang in languages or self.languages:
            self._index_for(lang)

    def __getstate__(self) -> dict[str, object]:
        """What is pickled into the cache folder (monitor.matching.cached): the compiled
        rules and the prefilters built so far, one pickle, so shared nodes stay shared."""
        return {name: getattr(self, name) for name in self.__slots__
                if name not in ("_lock", "rules")}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        self.rules = MappingProxyType({r.id: r for r in self._order})
        self._lock = threading.Lock()

    @property
    def prepared(self) -> tuple[str, ...]:
        """The languages whose prefilter is built (those documents have come in)."""
        return tuple(self._indexes)

    def _index_for(self, lang: str) -> Index:
        found = self._indexes.get(lang)
        if found is None:
            with self._lock:
                found = self._indexes.get(lang)
                if found is None:
                    with quiet_gc():
                        if self._nodes is None:
                            self._nodes = post_order(self._execs)
                        found = self._indexes[lang] = build_index(self._execs, lang, self._nodes)
                        self._gates[lang] = gates(self._order, lang)
                        settle(len(self._order))
        return found

    def __len__(self) -> int:
        return len(self._order)

    def candidates(self, analysis: Analysis) -> list[int]:
        """Numbers of the rules the prefilter cannot rule out for this document, in order."""
        index = self._index_for(analysis.language)
        return index.candidates(index.lexicon.read(analysis).present)

    def _context(self, analysis: Analysis, doc: Document) -> n.Context:
        lexicon = self._index_for(analysis.language).lexicon
        return n.Context(analysis, doc, lexicon.read(analysis))

    def match(self, analysis: Analysis, doc: Document) -> list[Match]:
        """The rules that match the document, in rule order, with their hits."""
        ctx = self._context(analysis, doc)
        index = self._indexes[ctx.lang]
        decided = index.decided
        explainers = index.explainers
        out: list[Match] = []
        for i in index.candidates(ctx.present):
            m = self._evaluate(i, ctx, i in decided, explainers)
            if m is not None:
                out.append(m)
        return out

    def match_rule(
        self, rule_id: str, analysis: Analysis, doc: Document, *, any_score: bool = False
    ) -> Match | None:
        """One rule only (used to verify examples), without the prefilter; `any_score`:
        also a match that scores less than the rule's min_score."""
        i = self._number(rule_id)
        ctx = self._context(analysis, doc)
        explainers = self._indexes[ctx.lang].explainers
        return self._evaluate(i, ctx, explainers=explainers, any_score=any_score)

    def _number(self, rule_id: str) -> int:
        return next(k for k, r in enumerate(self._order) if r.id == rule_id)

    def compiled(self, rule_id: str, analysis: Analysis, doc: Document) -> tuple[n.Exec, n.Context]:
        """A rule's executable query and the document's context, to explain a result."""
        return self._execs[self._number(rule_id)], self._context(analysis, doc)

    def match_all(self, analysis: Analysis, doc: Document) -> list[Match]:
        """Every rule evaluated, no prefilter: the naive baseline, same results as `match`."""
        ctx = self._context(analysis, doc)
        explainers = self._indexes[ctx.lang].explainers  # the same hits as `match`
        return [m for i in range(len(self._order))
                if (m := self._evaluate(i, ctx, explainers=explainers))]

    def rows(self, analysis: Analysis, doc: Document) -> tuple[list[PlainHit], list[Row]]:
        """`match` as plain values, every score worked out: each distinct hit once, and per
        match the rule, the numbers of its hits, the score, its parts and the counts (what a
        worker sends back, monitor.match_workers; no Hit or Match object is made).

        Most matches of a one-part rule are explained by one term (`a OR b OR c` where one
        of them occurs, `a AND NOT b`, a word, a phrase): what such a match shows and its
        score depend on that term alone, so they are made once per term and document and
        shared by every rule the term explains alone."""
        ctx = self._context(analysis, doc)
        index = self._indexes[ctx.lang]
        decided = index.decided
        explainers = index.explainers
        present, memo = ctx.present, ctx.shown
        execs, ids, all_parts = self._execs, self._ids, self._parts
        gate = self._gates[ctx.lang]
        numbers: dict[n.RawHit, int] = {}
        table: list[PlainHit] = []
        rows: list[Row] = []
        tails: dict[n.Exec, Tail] = {}
        for i in index.candidates(present):
            if gate[i]:
                if gate[i] == CHECKED:
                    found = self._check(i, ctx, i in decided, explainers)
                    if found is not None:
                        rows.append(_row(self, i, ctx, explainers, found, numbers, table))
                continue
            if i not in decided and not execs[i].matches(ctx):
                continue
            leaves = explainers[i]
            if leaves is not None and not all_parts[i]:
                alone: n.Exec | None = None
                for leaf, need in leaves:
                    if (need is None or need in present) and (
                            memo.get(leaf) or leaf_first(leaf, ctx))[1]:
                        if alone is not None:
                            break
                        alone = leaf
                else:
                    if alone is not None:
                        tail = tails.get(alone)
                        if tail is None:
                            tail = tails[alone] = _tail(alone, ctx, explainers, numbers, table)
                        rows.append((ids[i], *tail))
                        continue
            raw, counts = shown(execs[i], ctx, leaves)
            found = raw, counts, None
            rows.append(_row(self, i, ctx, explainers, found, numbers, table))
        return table, rows

    def _evaluate(
        self, i: int, ctx: n.Context, decided: bool = False, explainers: Explainers | None = None,
        *, any_score: bool = False,
    ) -> Match | None:
        """Rule i's match, if it matches; `decided`: the prefilter has shown it does;
        `explainers`: the leaves whose hits explain each rule (else the query's tree is asked)."""
        found = self._check(i, ctx, decided, explainers, any_score=any_score)
        if found is None:
            return None
        raw, counts, scored = found
        hits = tuple(map(ctx.hit, raw))
        if scored is None:  # scored when asked
            score = partial(_score, self._parts[i], ctx, explainers, self._execs[i])
            return Match(rule=self._order[i].id, hits=hits, counts=counts, later=score)
        return Match(rule=self._order[i].id, hits=hits, counts=counts, score=scored[0],
                     score_parts=scored[1])

    def _check(
        self, i: int, ctx: n.Context, decided: bool, explainers: Explainers | None,
        *, any_score: bool = False,
    ) -> tuple[list[n.RawHit], Counts, Scored | None] | None:
        """Whether rule i matches: its raw hits, counts and (for a rule with a min_score,
        or `any_score`) its score; None when it does not."""
        rule = self._order[i]
        if rule.languages is not None and ctx.lang not in rule.languages:
            return None
        if rule.sources is not None and ctx.doc.source not in rule.sources:
            return None
        node = self._execs[i]
        if not decided and not node.matches(ctx):
            return None
        raw, counts = shown(node, ctx, None if explainers is None else explainers[i])
        if not rule.min_score and not any_score:
            return raw, counts, None
        scored = _score(self._parts[i], ctx, explainers, node)
        if scored[0] < rule.min_score and not any_score:
            return None
        return raw, counts, scored


def _score(
    parts: tuple[n.Exec, ...], ctx: n.Context, explainers: Explainers | None, root: n.Exec
) -> Scored:
    """A match's relevance score and its parts (see relevance.py)."""
    stats: list[PartStats] = []
    for part in parts:
        found = _stats(part, ctx, explainers)
        if found is None:  # a part without hits of its own: weigh the rule as one part
            stats = []
            break
        stats.append(found)
    if not stats:
        whole = _stats(root, ctx, explainers)
        stats = [whole] if whole is not None else []
    if not stats:
        return NO_HITS.score, NO_HITS.parts()
    # the score depends on the parts' stats only: one part's on its prominence and count,
    # several parts' on the stats themselves, made once per document per part node
    key = (stats[0][2], stats[0][3]) if len(stats) == 1 else tuple(map(id, stats))
    memo: dict[object, tuple[float, ScoreParts]] = ctx.scores
    scored = memo.get(key)
    if scored is None:
        scored = memo[key] = score_and_parts(ctx.analysis, stats)
    return scored


def _stats(part: n.Exec, ctx: n.Context, explainers: Explainers | None) -> PartStats | None:
    """A part's occurrences as the score needs them, once per document (parts are shared),
    from those of its leaves (shared more still), when the leaves that explain it are known."""
    memo: dict[object, PartStats | None] = ctx.parts
    if part in memo:
        return memo[part]
    leaves = None if explainers is None else explainers.of(part)
    if leaves is None:
        where = places(ctx.analysis, part.hits(ctx))
    else:
        present = ctx.present
        where = frozenset().union(*[
            _places(leaf, ctx) for leaf, need in leaves if need is None or need in present])
    found = memo[part] = part_stats(ctx.analysis, where) if where else None
    return found


def _places(leaf: n.Exec, ctx: n.Context) -> frozenset[Place]:
    memo: dict[object, frozenset[Place]] = ctx.places
    found = memo.get(leaf)
    if found is None:
        hits = ctx.hits.get(leaf)
        found = memo[leaf] = places(ctx.analysis, hits if hits is not None else leaf.hits(ctx))
    return found


def parts_of(node: n.Exec) -> tuple[n.Exec, ...]:
    """The parts of a rule's query for its relevance score: the children of the top-level
    AND that must be present, or of a top-level NEAR, SENT or PARA (also when it is the
    only such child of the AND, as `within:` makes it); () for a query of one part."""
    if isinstance(node, n.NearNode):
        return tuple(node.children)
    if isinstance(node, n.AndNode) and not isinstance(node, n.OrNode):
        present = [c for c in node.children if not isinstance(c, n.NotNode | n.FilterLeaf)]
        if len(present) == 1:
            return parts_of(present[0])
        return tuple(present) if len(present) > 1 else ()
    return ()


Tail = tuple[tuple[int, ...], float, ScoreParts, Counts]  # a Row without its rule


def _numbered(raw: list[n.RawHit], ctx: n.Context, numbers: dict[n.RawHit, int],
              table: list[PlainHit]) -> tuple[int, ...]:
    """The numbers of these hits in the document's table of plain hits (added if new)."""
    at: list[int] = []
    for hit in raw:
        k = numbers.get(hit)
        if k is None:
            k = numbers[hit] = len(table)
            table.append(ctx.plain(hit))
        at.append(k)
    return tuple(at)


def _row(rules: RuleSet, i: int, ctx: n.Context, explainers: Explainers,
         found: tuple[list[n.RawHit], Counts, Scored | None], numbers: dict[n.RawHit, int],
         table: list[PlainHit]) -> Row:
    """Rule i's match as a Row, from what `_check` found."""
    raw, counts, scored = found
    value, parts = scored or _score(rules._parts[i], ctx, explainers, rules._execs[i])
    return rules._ids[i], _numbered(raw, ctx, numbers, table), value, parts, counts


def _tail(leaf: n.Exec, ctx: n.Context, explainers: Explainers, numbers: dict[n.RawHit, int],
          table: list[PlainHit]) -> Tail:
    """What a match of a one-part rule explained by this leaf alone shows, and its score:
    the leaf's first hits and count (as `shown` gives them when one leaf fired), and the
    score of its places (`_score` of the rule: the same stats, so the same memo key)."""
    first, count = ctx.shown[leaf]
    stats = _stats(leaf, ctx, explainers)
    assert stats is not None  # the leaf has hits
    key = (stats[2], stats[3])
    memo: dict[object, tuple[float, ScoreParts]] = ctx.scores
    scored = memo.get(key)
    if scored is None:
        scored = memo[key] = score_and_parts(ctx.analysis, [stats])
    return _numbered(first, ctx, numbers, table), scored[0], scored[1], ((first[0][3], count),)
