"""The leaves of a query: words, phrases and prefixes (TermLeaf), Chinese and Japanese
text (SubstringLeaf), and filters on the source, language or URL (FilterLeaf).

Leaves are shared between rules that use the same term (topics referenced by thousands of
rules are compiled once) and their results are memoised per document in `Context`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from monitor.matching.context import (
    FIELD_NUMBER,
    FIELDS,
    UNPLANNED,
    Context,
    Element,
    Occurrence,
    Plan,
    RawHit,
)
from monitor.matching.lexicon import CJK_MARK, EMPTY, PREFIX_MARK
from monitor.text.analysis import FieldAnalysis, term_keys
from monitor.text.normalize import fold, normalize_text
from monitor.text.tokens import TOKEN


class _Leaf:
    __slots__ = ("fields", "languages", "term")

    def __init__(self, term: str, fields: tuple[str, ...], languages: frozenset[str]) -> None:
        self.term = term
        self.fields = fields
        self.languages = languages

    def occurrences(self, ctx: Context) -> list[Occurrence]:
        found = ctx.memo.get(self)
        if found is None:
            found = ctx.memo[self] = (
                self._find(ctx) if ctx.lang in self.languages else []
            )
        return found

    def matches(self, ctx: Context) -> bool:
        found = ctx.memo.get(self)
        return bool(found if found is not None else self.occurrences(ctx))

    def hits(self, ctx: Context) -> list[RawHit]:
        found = ctx.hits.get(self)  # leaves are shared: topics fire in many rules
        if found is None:
            term = self.term
            number = FIELD_NUMBER
            found = ctx.hits[self] = [
                (number[field], start, -end, term)
                for field, _, _, start, end in self.occurrences(ctx)
            ]
        return found

    def absent(self, ctx: Context) -> bool:
        """True when the document surely lacks the term (decided without looking further)."""
        return False

    def _find(self, ctx: Context) -> list[Occurrence]:  # pragma: no cover - abstract
        raise NotImplementedError


_BEFORE = (-1).__add__  # a position -> the one before it


class TermLeaf(_Leaf):
    """A word, prefix or phrase, analysed per language on first use.

    Keys are computed lazily so that a language's lemmatiser dictionary is loaded only
    when a document (or an example) in that language comes along.
    """

    __slots__ = ("_plans", "slop", "words")

    def __init__(
        self,
        term: str,
        fields: tuple[str, ...],
        words: tuple[str, ...],
        languages: frozenset[str],
        slop: int | None = None,
    ) -> None:
        super().__init__(term, fields, languages)
        self.words = words
        self.slop = slop
        self._plans: dict[str, Plan | None] = {}

    def elements(self, lang: str) -> tuple[Element, ...]:
        """The analysed words in a language: (is_prefix, key or folded prefix) each (not
        kept: `plan` keeps what matching needs of them, once per language)."""
        return tuple(e for w in self.words for e in word_elements(w, lang))

    def plan(self, lang: str) -> Plan | None:
        """The features a document in `lang` must have for the term to occur; None: it
        cannot occur."""
        if lang in self._plans:
            return self._plans[lang]
        plan: Plan | None = None
        elements = self.elements(lang) if lang in self.languages else ()
        if elements:
            features = tuple(PREFIX_MARK + v if is_prefix else v for is_prefix, v in elements)
            exact = len(features) == 1 and set(self.fields) >= FIELDS
            plan = (features, frozenset(features), exact)
        self._plans[lang] = plan
        return plan

    def word(self, ctx: Context) -> str | None:
        """The feature of a one-word (or prefix) term in the document's language; None for
        a phrase or a term that cannot occur in it."""
        plan = self._plans.get(ctx.lang, UNPLANNED)
        if plan is UNPLANNED:
            plan = self.plan(ctx.lang)
        return plan[0][0] if plan is not None and len(plan[0]) == 1 else None

    def absent(self, ctx: Context) -> bool:
        plan = self._plans.get(ctx.lang, UNPLANNED)
        if plan is UNPLANNED:
            plan = self.plan(ctx.lang)
        return plan is None or not plan[1] <= ctx.present

    def matches(self, ctx: Context) -> bool:
        # decided on the document's features alone when possible: no positions are looked
        # up for the many terms of candidate rules that do not match
        plan = self._plans.get(ctx.lang, UNPLANNED)
        if plan is UNPLANNED:
            plan = self.plan(ctx.lang)
        if plan is None or not plan[1] <= ctx.present:
            return False
        if plan[2]:
            return True
        found = ctx.memo.get(self)
        if found is None:  # as `occurrences`, the plan in hand and its features present
            found = ctx.memo[self] = self._located(ctx, plan[0])
        return bool(found)

    def hits(self, ctx: Context) -> list[RawHit]:
        found = ctx.hits.get(self)
        if found is not None:
            return found
        plan = self._plans.get(ctx.lang, UNPLANNED)
        if plan is UNPLANNED:
            plan = self.plan(ctx.lang)
        if plan is None or len(plan[0]) > 1:
            return super().hits(ctx)
        # one word or prefix: its hits straight from where it occurs
        found = ctx.hits[self] = []
        if plan[0][0] in ctx.present:
            term = self.term
            for field in self.fields:
                positions = ctx.features.positions(field, plan[0][0])
                if positions:
                    b = ctx.analysis.field(field).bounds  # token p spans b[2p] to b[2p + 1]
                    number = FIELD_NUMBER[field]
                    found += [(number, b[2 * p], -b[2 * p + 1], term) for p in positions]
        return found

    def first(self, ctx: Context, k: int) -> tuple[list[RawHit], int]:
        """The first k hits, in order, and at how many places there are hits: for one word
        or prefix, from where it occurs, without making every hit."""
        plan = self._plans.get(ctx.lang, UNPLANNED)
        if plan is UNPLANNED:
            plan = self.plan(ctx.lang)
        if plan is None or len(plan[0]) > 1:  # a phrase (or a term that cannot occur)
            if self.slop is None and self not in ctx.hits:
                # without slop: one occurrence a place, in order (title first, ascending),
                # so its first k are the first hits, without making every hit; located
                # as `occurrences` does, the plan in hand
                found = ctx.memo.get(self)
                if found is None:
                    found = ctx.memo[self] = (
                        self._located(ctx, plan[0])
                        if plan is not None and plan[1] <= ctx.present else [])
                term = self.term
                number = FIELD_NUMBER
                return [(number[field], start, -end, term)
                        for field, _, _, start, end in found[:k]], len(found)
            return first_of(self.hits(ctx), k)
        # one word or prefix: the same hits as `first_of` its hits, even when they are made
        word = plan[0][0]
        if word not in ctx.present:
            return [], 0
        # ascending and distinct: a word carries each feature once (Lexicon)
        title, body = ctx.features.title_and_body(word)
        fields = self.fields
        if len(fields) == 1:  # title: or body: only
            if fields[0] == "title":
                body = EMPTY
            else:
                title = EMPTY
        term = self.term
        if title:
            b = ctx.analysis.title.bounds  # token p spans b[2p] to b[2p + 1]
            out = [(0, b[2 * p], -b[2 * p + 1], term) for p in title[:k]]
            if body and len(out) < k:
                b = ctx.analysis.body.bounds
                out += [(1, b[2 * p], -b[2 * p + 1], term) for p in body[: k - len(out)]]
            return out, len(title) + len(body)
        b = ctx.analysis.body.bounds
        if len(body) == 1:  # the commonest: once, without a comprehension's frame
            p = 2 * body[0]
            return [(1, b[p], -b[p + 1], term)], 1
        return [(1, b[2 * p], -b[2 * p + 1], term) for p in body[:k]], len(body)

    def _find(self, ctx: Context) -> list[Occurrence]:
        plan = self.plan(ctx.lang)
        if plan is None or not plan[1] <= ctx.present:
            return []  # a word the document does not have: no need to look further
        return self._located(ctx, plan[0])

    def _located(self, ctx: Context, features: tuple[str, ...]) -> list[Occurrence]:
        """Where the term occurs, given its features in the document's language (all of
        them present)."""
        positions = ctx.features.positions
        out: list[Occurrence] = []
        if len(features) == 2 and self.slop is None:
            # a two-word phrase, the most common: the first word's positions that the
            # second follows (a document has each word at a few places, and most
            # candidates with both words lack the phrase: told by set operations in C;
            # a frequent word is the second of several phrases: its set made once)
            first, second = features
            # one the prefilter looked for (all ~30 a document asks for at 10,000
            # frequent rules): where it found it, in any field (the list shared, as
            # memos are: only read), or nowhere
            pairs = ctx.phrases.get(first)
            if pairs is not None:
                probe = pairs.get(second)
                if probe is not None:
                    said = ctx.said.get(probe)
                    if said is None:
                        return out
                    if len(self.fields) == 2:  # title and body, in that order
                        return said
                    only = self.fields[0]
                    return [place for place in said if place[0] == only]
            before = ctx.before
            for field in self.fields:
                a = positions(field, first)
                if a:
                    b = positions(field, second)
                    if b:
                        follows = before.get(id(b))
                        if follows is None:
                            follows = before[id(b)] = set(map(_BEFORE, b))
                        if not follows.isdisjoint(a):
                            bounds = ctx.analysis.field(field).bounds
                            out += [(field, p, p + 1, bounds[2 * p], bounds[2 * p + 3])
                                    for p in a if p in follows]
            return out
        for field in self.fields:
            if len(features) == 1:
                found = positions(field, features[0])
                if found:
                    b = ctx.analysis.field(field).bounds  # token p spans b[2p] to b[2p + 1]
                    out.extend([(field, p, p, b[2 * p], b[2 * p + 1]) for p in found])
                continue
            sets: list[list[int]] = []
            for feature in features:
                found = positions(field, feature)
                if not found:
                    break
                sets.append(found)
            else:
                out.extend(_occurrences(field, ctx.analysis.field(field), sets, self.slop))
        return out


def first_of(hits: list[RawHit], k: int) -> tuple[list[RawHit], int]:
    """The first k of some hits, in order, one per place, and at how many places they are."""
    first = sorted(hits) if len(hits) <= k else heapq.nsmallest(k, hits)
    places = len({h[:3] for h in hits})
    if places < len(hits):  # two hits at one place (a phrase with slop): one shown
        first = sorted({h[:3]: h for h in reversed(first)}.values())
    return first, places


def word_elements(word: str, lang: str) -> list[Element]:
    """One query word analysed like document text; a trailing * makes a prefix."""
    if word.endswith("*"):
        prefix = fold(normalize_text(word.rstrip("*")), lang)
        return [(True, prefix)] if prefix else []
    return [(False, key) for key in term_keys(word, lang)]


def _occurrences(
    field: str, fa: FieldAnalysis, sets: list[list[int]], slop: int | None
) -> Iterator[Occurrence]:
    b = fa.bounds  # token p spans b[2p] to b[2p + 1]
    if slop is None:
        # the first words' positions that each next word follows, by set intersection:
        # a phrase with a common word ("the state") has that word at hundreds of places
        starts = set(sets[0])
        for i, s in enumerate(sets[1:], 1):
            starts.intersection_update([q - i for q in s])
        if not starts:
            return
        n = len(sets) - 1
        for p in sets[0]:
            if p in starts:
                yield field, p, p + n, b[2 * p], b[2 * (p + n) + 1]
        return
    reach = slop + len(sets) - 1
    for p in sets[0]:
        chosen = [p]
        for s in sets[1:]:
            near = [q for q in s if abs(q - p) <= reach and q not in chosen]
            if not near:
                break
            chosen.append(min(near, key=lambda q: abs(q - p)))
        else:
            lo, hi = min(chosen), max(chosen)
            if hi - lo + 1 - len(chosen) <= slop:
                yield field, lo, hi, b[2 * lo], b[2 * hi + 1]


class SubstringLeaf(_Leaf):
    """Literal text (Chinese, Japanese): found as a substring of the field. `feature` is
    set when the text is one token, so that a document has it only inside a word."""

    __slots__ = ("feature", "needle")

    def __init__(
        self, term: str, fields: tuple[str, ...], needle: str, languages: frozenset[str]
    ) -> None:
        super().__init__(term, fields, languages)
        self.needle = needle
        self.feature = CJK_MARK + needle if TOKEN.fullmatch(needle) else None

    def _find(self, ctx: Context) -> list[Occurrence]:
        if self.feature is not None and self.feature not in ctx.present:
            return []
        out: list[Occurrence] = []
        for field in self.fields:
            fa = ctx.analysis.field(field)
            start = fa.text.find(self.needle)
            while start >= 0:
                end = start + len(self.needle)
                t0 = fa.position_at(start)
                t1 = max(t0, fa.position_at(end - 1))
                out.append((field, t0, t1, start, end))
                start = fa.text.find(self.needle, end)
        return out


class FilterLeaf:
    """source:ID, lang:CODE, url:TEXT."""

    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value: str) -> None:
        self.kind = kind
        self.value = value.casefold() if kind == "url" else value

    def matches(self, ctx: Context) -> bool:
        if self.kind == "source":
            return ctx.doc.source == self.value
        if self.kind == "lang":
            return ctx.lang == self.value
        return self.value in (ctx.doc.url or "").casefold()

    def hits(self, ctx: Context) -> list[RawHit]:
        return []
