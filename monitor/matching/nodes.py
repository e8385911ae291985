"""The executable form of a query: nodes evaluated on one analysed document.

The boolean nodes live here; the leaves are in `leaves.py`, NEAR, SENT and PARA in
`near.py`, and what they all work on in `context.py`. Everything is importable from here,
as `nodes.X`.
"""

from __future__ import annotations

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
from monitor.matching.near import NearNode, SameNode

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


# the features of a node's terms (a tuple: a few bytes each, for 100,000 rules' nodes) and
# its other children, in one language; see AndNode.split
Split = tuple[tuple[str, ...] | None, tuple[Exec, ...]]


def is_positional(node: Exec) -> bool:
    """Whether a node has positions (so it can be used with NEAR)."""
    if isinstance(node, OrNode):
        return all(is_positional(c) for c in node.children)
    return isinstance(node, _Leaf | NearNode)
