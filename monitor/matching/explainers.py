"""Which leaves explain a rule's match: its query's terms outside NOT, listed once per rule.

A match is explained by the hits of the terms that fired. Walking the query's tree for
them, through topics of many terms in many languages, costs more than the rest of matching;
a flat list of the leaves that can fire in the document's language, each with a feature it
cannot occur without, gives the same hits for a few lookups. The list of a rule is made
the first time the rule matches (only a small share of a large rule set ever does).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from monitor.matching import nodes as n

# the leaves, each with a feature it cannot occur without (None: no such feature), or None
# when the rule has a NEAR, whose hits are only those inside its spans: ask the node
Explained = tuple[tuple[n.Exec, str | None], ...] | None
# the same, each leaf with its feature and term as written when it is a word or prefix in
# any field (it fires exactly when that feature is present: `Explainers.tell`)
Told = tuple[tuple[n.Exec, str | None, tuple[str, str] | None], ...] | None


class Explainers(list[Explained | Literal[False]]):
    """rule number -> the leaves whose hits explain its matches in one language, in the
    order `node.hits` lists them, each once: False until `rule` makes it (on first use;
    two threads making the same entry at once compute the same value, so no lock is
    needed). A list, not a dict: a document's candidates come in rule order, and an
    entry is then read from a few neighbouring slots rather than from a hash table."""

    def __init__(self, roots: Sequence[n.Exec], lang: str) -> None:
        super().__init__([False] * len(roots))
        self._roots = roots
        self._lang = lang
        self._nodes: dict[int, Explained] = {}  # by identity: topics are shared
        # the leaves listed that occur wherever their feature does (a word or prefix in
        # any field), by identity: one fires exactly when its feature is present, told
        # without its hits -> that feature and its term as written
        self._words: dict[int, tuple[str, str]] = {}
        self.told: list[Told | Literal[False]] = [False] * len(roots)  # see `tell`
        self._told: dict[int, tuple[n.Exec, str | None, tuple[str, str] | None]] = {}

    def rule(self, i: int) -> Explained:
        """The leaves that explain rule i (`self[i]`, made if it is not yet)."""
        found = self[i]
        if found is False:
            found = self[i] = self._of(self._roots[i])
        return found

    def tell(self, i: int) -> Told:
        """Rule i's leaves as `rule` lists them, each with its feature and term when it is
        a word or prefix in any field (`self.told[i]`, made if it is not yet): which of
        them fire is then told from the entry alone, with no look-up in a table of the
        rule set's leaves for each (each entry of a leaf is made once: rules share it)."""
        found = self.told[i]
        if found is False:
            leaves = self.rule(i)
            told, words = self._told, self._words
            found = self.told[i] = None if leaves is None else tuple(
                told.get(id(leaf)) or told.setdefault(id(leaf), (leaf, need, words.get(id(leaf))))
                for leaf, need in leaves)
        return found

    def of(self, node: n.Exec) -> Explained:
        """The leaves that explain one node (a part of a rule's query)."""
        return self._of(node)

    def _of(self, node: n.Exec) -> Explained:
        key = id(node)
        if key not in self._nodes:
            self._nodes[key] = self._explain(node)
        return self._nodes[key]

    def _explain(self, node: n.Exec) -> Explained:
        if isinstance(node, n.NearNode):
            return None
        if isinstance(node, n.AndNode):  # and OrNode, whose other children cannot match
            children = node.live(self._lang) if isinstance(node, n.OrNode) else node.children
            found = [self._of(c) for c in children]
            if None in found:
                return None
            return tuple(dict.fromkeys(pair for pairs in found for pair in pairs or ()))
        if isinstance(node, n.TermLeaf):
            plan = node.plan(self._lang)
            if plan is None:
                return ()
            if plan[2]:
                self._words[id(node)] = plan[0][0], node.term
            return ((node, plan[0][0]),)
        if isinstance(node, n.SubstringLeaf):
            return ((node, node.feature),) if self._lang in node.languages else ()
        return ()  # NOT and filters explain nothing
