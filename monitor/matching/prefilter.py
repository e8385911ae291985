"""The prefilter: an index from analysed term keys to the rules that need them.

For each rule we derive a set of probes (per language) such that a document containing none
of them cannot match the rule: an OR needs one of its children's probes, an AND needs the
probes of just one child (the rarest), a NOT or a filter alone cannot be indexed. Matching a
document then costs one dict lookup per distinct word it contains, not one test per rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from monitor.matching import nodes as n
from monitor.text.analysis import CJK_MARK, PREFIX_LEN, PREFIX_MARK
from monitor.text.tokens import CJK

# language -> probe keys; None when the node cannot be reduced to probes
Probes = dict[str, frozenset[str]] | None


def _element_probe(element: n.Element) -> str | None:
    is_prefix, value = element
    if not is_prefix:
        return value
    return PREFIX_MARK + value[:PREFIX_LEN] if len(value) >= PREFIX_LEN else None


def leaf_probes(leaf: n.Exec) -> Probes:
    """The probes of one leaf: its most selective word, in each of its languages."""
    if isinstance(leaf, n.TermLeaf):
        out: dict[str, frozenset[str]] = {}
        for lang, elements in leaf.elements.items():
            candidates = [p for p in map(_element_probe, elements) if p]
            if not candidates:
                return None
            # whole words beat prefixes; longer words are rarer
            best = max(candidates, key=lambda p: (not p.startswith(PREFIX_MARK), len(p)))
            out[lang] = frozenset((best,))
        return out
    if isinstance(leaf, n.SubstringLeaf):
        run = CJK.search(leaf.needle)
        if run is None:
            return None
        probe = frozenset((CJK_MARK + run.group()[:2],))
        return dict.fromkeys(leaf.languages, probe)
    return None


class ProbePlanner:
    """Computes rule probes, choosing for each AND the child whose words are rarest."""

    def __init__(self, roots: Iterable[n.Exec]) -> None:
        self.freq: Counter[str] = Counter()
        self._leaf_cache: dict[int, Probes] = {}
        self._cache: dict[int, Probes] = {}
        seen: set[int] = set()
        for root in roots:
            self._count(root, seen)

    def _count(self, node: n.Exec, seen: set[int]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, n.AndNode | n.NearNode):  # OrNode derives from AndNode
            for child in node.children:
                self._count(child, seen)
        elif isinstance(node, n.NotNode):
            self._count(node.child, seen)
        else:
            probes = self._leaf_cache[id(node)] = leaf_probes(node)
            for keys in (probes or {}).values():
                self.freq.update(keys)

    def cost(self, probes: Mapping[str, frozenset[str]]) -> int:
        return sum(self.freq[k] + 1 for keys in probes.values() for k in keys)

    def probes(self, node: n.Exec) -> Probes:
        """The probes of a node (memoised: topics are shared by many rules)."""
        key = id(node)
        if key not in self._cache:
            self._cache[key] = self._probes(node)
        return self._cache[key]

    def _probes(self, node: n.Exec) -> Probes:
        if isinstance(node, n.OrNode):
            merged: dict[str, frozenset[str]] = {}
            for child in node.children:
                probes = self.probes(child)
                if probes is None:
                    return None
                for lang, keys in probes.items():
                    merged[lang] = merged.get(lang, frozenset()) | keys
            return merged
        if isinstance(node, n.AndNode | n.NearNode):
            options = [p for p in map(self.probes, node.children) if p is not None]
            return min(options, key=self.cost) if options else None
        if isinstance(node, n.NotNode | n.FilterLeaf):
            return None
        if id(node) not in self._leaf_cache:
            self._leaf_cache[id(node)] = leaf_probes(node)
        return self._leaf_cache[id(node)]


def build_index(
    planner: ProbePlanner, roots: list[n.Exec]
) -> tuple[dict[str, dict[str, tuple[int, ...]]], tuple[int, ...]]:
    """(language -> probe -> rule numbers, rule numbers that are always candidates)."""
    index: dict[str, dict[str, list[int]]] = {}
    always: list[int] = []
    for i, root in enumerate(roots):
        probes = planner.probes(root)
        if probes is None:
            always.append(i)
            continue
        for lang, keys in probes.items():
            per_lang = index.setdefault(lang, {})
            for k in keys:
                per_lang.setdefault(k, []).append(i)
    frozen = {
        lang: {k: tuple(v) for k, v in per_lang.items()} for lang, per_lang in index.items()
    }
    return frozen, tuple(always)
