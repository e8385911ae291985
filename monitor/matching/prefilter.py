"""The prefilter: an index from analysed term keys to the rules that need them.

For each rule and language we derive a set of probes such that a document containing none
of them cannot match the rule: an OR needs one of its children's probes, an AND needs the
probes of just one child (the one whose words rules use least), a NOT or a filter alone
cannot be indexed (such rules are always candidates). Matching a document then costs one
dict lookup per distinct word it contains, not one test per rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from monitor.matching import nodes as n
from monitor.text.analysis import CJK_MARK, PREFIX_LEN, PREFIX_MARK
from monitor.text.tokens import CJK

# The probes of a node: None when it cannot be reduced to probes, empty when it cannot
# match in this language at all.
Probes = frozenset[str] | None
NEVER: frozenset[str] = frozenset()


def _element_probe(element: n.Element) -> str | None:
    is_prefix, value = element
    if not is_prefix:
        return value
    return PREFIX_MARK + value[:PREFIX_LEN] if len(value) >= PREFIX_LEN else None


def leaf_probes(leaf: n.Exec, lang: str) -> Probes:
    """The probes of one leaf in a language: its most selective word."""
    if isinstance(leaf, n.TermLeaf):
        if lang not in leaf.languages:
            return NEVER
        candidates = [p for p in map(_element_probe, leaf.elements(lang)) if p]
        if not candidates:
            return None
        # whole words beat prefixes; longer words are rarer
        return frozenset(
            (max(candidates, key=lambda p: (not p.startswith(PREFIX_MARK), len(p))),)
        )
    if isinstance(leaf, n.SubstringLeaf):
        if lang not in leaf.languages:
            return NEVER
        run = CJK.search(leaf.needle)
        return frozenset((CJK_MARK + run.group()[:2],)) if run else None
    return None


class ProbePlanner:
    """Computes the probes of rules in one language, memoised over shared nodes."""

    def __init__(self, roots: Sequence[n.Exec], lang: str) -> None:
        self.lang = lang
        self.freq: Counter[str] = Counter()
        self._leaves: dict[int, Probes] = {}
        self._cache: dict[int, Probes] = {}
        seen: set[int] = set()
        for root in roots:
            self._count(root, seen)

    def _count(self, node: n.Exec, seen: set[int]) -> None:
        stack = [node]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, n.AndNode | n.NearNode):  # OrNode derives from AndNode
                stack.extend(node.children)
            elif isinstance(node, n.NotNode):
                stack.append(node.child)
            else:
                probes = self._leaves[id(node)] = leaf_probes(node, self.lang)
                self.freq.update(probes or ())

    def cost(self, probes: frozenset[str]) -> int:
        """How many leaves share these probes: a proxy for how often documents have them."""
        return sum(self.freq[k] + 1 for k in probes)

    def probes(self, node: n.Exec) -> Probes:
        """The probes of a node (memoised: topics are shared by many rules)."""
        key = id(node)
        if key not in self._cache:
            self._cache[key] = self._probes(node)
        return self._cache[key]

    def _probes(self, node: n.Exec) -> Probes:
        if isinstance(node, n.OrNode):
            merged: set[str] = set()
            for child in node.children:
                probes = self.probes(child)
                if probes is None:
                    return None
                merged.update(probes)
            return frozenset(merged)
        if isinstance(node, n.AndNode | n.NearNode):
            options = [p for p in map(self.probes, node.children) if p is not None]
            return min(options, key=self.cost) if options else None
        if isinstance(node, n.NotNode | n.FilterLeaf):
            return None
        if id(node) not in self._leaves:
            self._leaves[id(node)] = leaf_probes(node, self.lang)
        return self._leaves[id(node)]


def build_index(
    roots: Sequence[n.Exec], lang: str
) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    """(probe -> rule numbers, rule numbers that are always candidates) for one language."""
    planner = ProbePlanner(roots, lang)
    index: dict[str, list[int]] = {}
    always: list[int] = []
    for i, root in enumerate(roots):
        probes = planner.probes(root)
        if probes is None:
            always.append(i)
            continue
        for k in probes:
            index.setdefault(k, []).append(i)
    return {k: tuple(v) for k, v in index.items()}, tuple(always)
