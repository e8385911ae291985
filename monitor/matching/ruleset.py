"""The compiled rule set: rules, their executable queries and the prefilter index."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from types import MappingProxyType

from monitor.matching import nodes as n
from monitor.matching.explainers import Explained, Explainers
from monitor.matching.leaves import first_of
from monitor.matching.prefilter import Index, build_index, post_order
from monitor.matching.relevance import NO_HITS, PartStats, Place, part_stats, places, relevance
from monitor.models import Document, Match, ScoreParts
from monitor.text.analysis import Analysis

MAX_HITS = 20  # per match; enough to explain, bounded for long documents
PER_TERM = 5  # hits per term of a match: its first occurrences (Match.counts has them all)


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

    __slots__ = ("_execs", "_indexes", "_lock", "_nodes", "_order", "_parts", "languages",
                 "rules")

    def __init__(
        self, rules: Sequence[Rule], execs: Sequence[n.Exec], languages: Sequence[str]
    ) -> None:
        self.rules: Mapping[str, Rule] = MappingProxyType({r.id: r for r in rules})
        self.languages: tuple[str, ...] = tuple(languages)
        self._order: tuple[Rule, ...] = tuple(rules)
        self._execs: tuple[n.Exec, ...] = tuple(execs)
        self._parts: tuple[tuple[n.Exec, ...], ...] = tuple(map(parts_of, execs))
        self._indexes: dict[str, Index] = {}
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

    def _evaluate(
        self, i: int, ctx: n.Context, decided: bool = False, explainers: Explainers | None = None,
        *, any_score: bool = False,
    ) -> Match | None:
        """Rule i's match, if it matches; `decided`: the prefilter has shown it does;
        `explainers`: the leaves whose hits explain each rule (else the query's tree is asked)."""
        rule = self._order[i]
        if rule.languages is not None and ctx.lang not in rule.languages:
            return None
        if rule.sources is not None and ctx.doc.source not in rule.sources:
            return None
        node = self._execs[i]
        if not decided and not node.matches(ctx):
            return None
        raw, counts = _shown(node, ctx, None if explainers is None else explainers[i])
        hits = tuple(map(ctx.hit, raw))
        score = partial(_score, self._parts[i], ctx, explainers, node)
        if not rule.min_score and not any_score:  # scored when asked
            return Match(rule=rule.id, hits=hits, counts=counts, later=score)
        value, parts = score()
        if value < rule.min_score and not any_score:
            return None
        return Match(rule=rule.id, hits=hits, counts=counts, score=value, score_parts=parts)


def _score(
    parts: tuple[n.Exec, ...], ctx: n.Context, explainers: Explainers | None, root: n.Exec
) -> tuple[float, ScoreParts]:
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
        rel = relevance(ctx.analysis, stats)
        scored = memo[key] = rel.score, rel.parts()
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


Counts = tuple[tuple[str, int], ...]


def _shown(node: n.Exec, ctx: n.Context, leaves: Explained) -> tuple[list[n.RawHit], Counts]:
    """What a match shows: the first PER_TERM hits of each term (at most MAX_HITS in all,
    in order, one per place) and how many places each term has hits at. Through the leaves
    that explain the rule when known: a few lookups, whatever the number of occurrences."""
    if leaves is None:
        return _capped(node.hits(ctx))
    counts: dict[str, int] = {}
    shared: list[n.Exec] = []  # leaves whose term another leaf has too (title:x OR x)
    found: list[n.RawHit] = []
    present = ctx.present
    memo = ctx.shown
    fired = 0
    for leaf, need in leaves:
        if need is None or need in present:
            first, count = memo.get(leaf) or _first(leaf, ctx)
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


def _named(leaf: n.Exec, shared: list[n.Exec]) -> bool:
    term = getattr(leaf, "term", None)
    return term is not None and any(getattr(s, "term", None) == term for s in shared)


def _capped(hits: list[n.RawHit]) -> tuple[list[n.RawHit], Counts]:
    """`_shown` from every hit of a rule (a rule with NEAR, SENT or PARA)."""
    counts = _places_per_term(hits)
    kept: dict[str, int] = {}
    first: list[n.RawHit] = []
    for hit in sorted(set(hits), key=_PLACE):  # each term's first places
        seen = kept[hit[3]] = kept.get(hit[3], 0) + 1
        if seen <= PER_TERM:
            first.append(hit)
    order = {hit: k for k, hit in enumerate(hits)}
    first.sort(key=order.__getitem__)  # in the order the node lists them, as _dedupe wants
    return _cap(_dedupe(first)), tuple(counts.items())


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


def _first(leaf: n.Exec, ctx: n.Context) -> tuple[list[n.RawHit], int]:
    """A leaf's first PER_TERM hits and at how many places it has hits, once per document."""
    if isinstance(leaf, n.TermLeaf):
        found = ctx.shown[leaf] = leaf.first(ctx, PER_TERM)
    else:
        found = ctx.shown[leaf] = first_of(leaf.hits(ctx), PER_TERM)
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


_PLACE = itemgetter(0, 1, 2)


def _dedupe(hits: list[n.RawHit]) -> list[n.RawHit]:
    """The hits in order, one per place (of the terms found at one place, the first)."""
    if len(hits) < 2:
        return hits
    first = hits[::-1]  # reversed, so that the first at each place is the one kept
    return sorted(dict(zip(map(_PLACE, first), first, strict=True)).values())
