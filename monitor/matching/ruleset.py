"""The compiled rule set: rules, their executable queries and the prefilter index."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType

from monitor.matching import nodes as n
from monitor.matching.explainers import Explainers
from monitor.matching.prefilter import Index, build_index
from monitor.matching.probes import post_order
from monitor.matching.rows import Plain, Rows, kinds, matches_of, plain_rows, twins
from monitor.matching.scoring import Scored, parts_of, score_of
from monitor.matching.shown import Counts, shown
from monitor.models import Document, Match
from monitor.text.analysis import Analysis

FREEZE_AT = 2000  # rules; below this the collector's passes are cheap anyway
# the document of `candidates`' context: the prefilter reads terms only, never a filter's
_NO_DOCUMENT = Document(id="", source="", title="")


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

    __slots__ = ("_execs", "_ids", "_indexes", "_kinds", "_lock", "_nodes", "_order", "_parts",
                 "_twins", "languages", "rules")

    def __init__(
        self, rules: Sequence[Rule], execs: Sequence[n.Exec], languages: Sequence[str]
    ) -> None:
        self.rules: Mapping[str, Rule] = MappingProxyType({r.id: r for r in rules})
        self.languages: tuple[str, ...] = tuple(languages)
        self._order: tuple[Rule, ...] = tuple(rules)
        self._execs: tuple[n.Exec, ...] = tuple(execs)
        self._parts: tuple[tuple[n.Exec, ...], ...] = tuple(map(parts_of, execs))
        self._ids: tuple[str, ...] = tuple(r.id for r in rules)
        # rules whose query node an earlier rule has too (written alike), and those earlier
        self._twins: dict[int, int] = twins(self._execs)
        self._indexes: dict[str, Index] = {}
        self._kinds: dict[str, bytes] = {}  # per language, with its index: see `kinds`
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

    def prepared_for(self, languages: Iterable[str]) -> bool:
        """Whether the prefilters of these languages are built."""
        return all(lang in self._indexes for lang in languages)

    def _index_for(self, lang: str) -> Index:
        found = self._indexes.get(lang)
        if found is None:
            with self._lock:
                found = self._indexes.get(lang)
                if found is None:
                    with quiet_gc():
                        if self._nodes is None:
                            self._nodes = post_order(self._execs)
                        found = build_index(self._execs, lang, self._nodes)
                        # the kinds first: a thread that finds the index (without the
                        # lock) reads them next
                        self._kinds[lang] = kinds(self._order, lang, found.decided,
                                                  self._parts, self._twins)
                        self._indexes[lang] = found
                        settle(len(self._order))
        return found

    def __len__(self) -> int:
        return len(self._order)

    def candidates(self, analysis: Analysis) -> list[int]:
        """Numbers of the rules the prefilter cannot rule out for this document, in order."""
        index = self._index_for(analysis.language)
        return list(index.candidates(self._context(analysis, _NO_DOCUMENT)))

    def _context(self, analysis: Analysis, doc: Document) -> n.Context:
        lexicon = self._index_for(analysis.language).lexicon
        return n.Context(analysis, doc, lexicon.read(analysis))

    def match(self, analysis: Analysis, doc: Document) -> list[Match]:
        """The rules that match the document, in rule order, with their hits and scores
        (made as `rows` makes them: what a term shows and its score once per document for
        every rule it explains alone)."""
        return matches_of(self.rows(analysis, doc), self._ids,
                          (analysis.title.text, analysis.body.text))

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

    @property
    def ids(self) -> tuple[str, ...]:
        """The rules' ids in rule order (rule numbers are positions in it)."""
        return self._ids

    def rows(self, analysis: Analysis, doc: Document) -> Plain:
        """`match` as plain values, every score worked out (monitor.matching.rows): each
        distinct hit once, each distinct tail (hits, score, parts, counts) once, and per
        match its rule's number and its tail's (what a worker sends back; no Hit or Match
        object is made)."""
        ctx = self._context(analysis, doc)
        index = self._indexes[ctx.lang]
        return plain_rows(Rows(
            ctx=ctx, index=index, kind=self._kinds[ctx.lang], execs=self._execs,
            parts=self._parts, twins=self._twins,
            check=partial(self._check, ctx=ctx, explainers=index.explainers)))

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
            score = partial(score_of, self._parts[i], ctx, explainers, self._execs[i])
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
        raw, counts = shown(node, ctx, None if explainers is None else explainers.rule(i))
        if not rule.min_score and not any_score:
            return raw, counts, None
        scored = score_of(self._parts[i], ctx, explainers, node)
        if scored[0] < rule.min_score and not any_score:
            return None
        return raw, counts, scored


