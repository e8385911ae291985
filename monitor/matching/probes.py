"""What a rule needs of a document for the prefilter (`prefilter.py`): its probes, worked
out once per shared node and language (`ProbePlanner`).

A probe is a feature a document's words carry (`monitor.matching.lexicon`), or a two-word
phrase (`phrase_probe`), said of a document when the phrase occurs there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from monitor.matching import nodes as n
from monitor.matching.lexicon import PREFIX_MARK

# The probes of a node: None when it cannot be reduced to probes, empty when it cannot
# match in this language at all.
Probes = frozenset[str] | None
NEVER: frozenset[str] = frozenset()
PHRASE_SEP = "\x0e"  # between the two features of a phrase's probe (in no feature)


def phrase_probe(leaf: n.TermLeaf, lang: str) -> str | None:
    """The probe of a phrase of two words (or prefixes) in any field, as written (no slop):
    it occurs exactly when the phrase does; None for other terms."""
    plan = leaf.plan(lang)
    if plan is None or len(plan[0]) != 2 or leaf.slop is not None or not (
            n.FIELDS.issubset(leaf.fields)):
        return None
    return PHRASE_SEP.join(plan[0])


def leaf_probes(leaf: n.Exec, lang: str) -> Probes:
    """The probes of one leaf in a language: a two-word phrase's own probe, else its most
    selective feature."""
    if isinstance(leaf, n.TermLeaf):
        if lang not in leaf.languages:
            return NEVER
        plan = leaf.plan(lang)
        if plan is None:
            return None
        phrase = phrase_probe(leaf, lang)
        if phrase is not None:
            return frozenset((phrase,))
        # whole words beat prefixes; longer ones are rarer
        return frozenset(
            (max(plan[0], key=lambda p: (not p.startswith(PREFIX_MARK), len(p))),)
        )
    if isinstance(leaf, n.SubstringLeaf):
        if lang not in leaf.languages:
            return NEVER
        return None if leaf.feature is None else frozenset((leaf.feature,))
    return None


Requirements = tuple[frozenset[str], ...] | None


def _weight(probe: str) -> int:
    if probe.startswith(PREFIX_MARK):
        return 8
    return 4 if len(probe) <= 3 else 1


def post_order(roots: Sequence[n.Exec]) -> list[n.Exec]:
    """Every node under the roots once, each after its children. Rules share topics, so
    their trees form a graph without cycles (the loader refuses reference cycles)."""
    out: list[n.Exec] = []
    seen: set[int] = set()
    for root in roots:
        stack: list[tuple[n.Exec, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                out.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            if isinstance(node, n.AndNode | n.NearNode):  # OrNode derives from AndNode
                stack.extend((c, False) for c in node.children)
            elif isinstance(node, n.NotNode):
                stack.append((node.child, False))
    return out


class ProbePlanner:
    """Works out what rules require of a document in one language, once per shared node.

    A node's requirements are probe sets that a matching document must each intersect:
    a leaf needs one of its probes, an AND (or NEAR) needs what each child needs, an OR needs
    one probe of any child. The set that leaves share least is the rule's index entry; the
    others are checked on the document's probes before the rule is evaluated. Every node is
    planned in one pass over the nodes, children first.
    """

    def __init__(
        self, roots: Sequence[n.Exec], lang: str, nodes: Sequence[n.Exec] | None = None
    ) -> None:
        self.lang = lang
        self.freq: Counter[str] = Counter()
        self.features: set[str] = set()  # every feature a term needs, for the lexicon
        self.needles: set[str] = set()
        self.phrases: set[str] = set()  # the probes of two-word phrases
        self._leaves: dict[int, Probes] = {}
        nodes = post_order(roots) if nodes is None else nodes
        for node in nodes:
            self._count(node)
        # each probe's share of a set's cost (every probe a requirement can hold is a leaf's,
        # counted just above)
        self._costs = {k: (c + 1) * _weight(k) for k, c in self.freq.items()}
        self._reqs: dict[int, Requirements] = {}
        self._exact: dict[int, bool] = {}
        for node in nodes:  # children first: theirs are known when a parent's are made
            self._reqs[id(node)] = self._requirements(node)
            self._exact[id(node)] = self._is_exact(node)

    def _count(self, node: n.Exec) -> None:
        # what evaluation needs in this language is made here too, with the rule set
        # (and moved out of the collector's sight with it), not during the first documents
        if isinstance(node, n.OrNode):
            node.live(self.lang)
        elif isinstance(node, n.TermLeaf):
            plan = node.plan(self.lang)
            self.features.update(plan[0] if plan else ())
            if self.lang in node.languages and (phrase := phrase_probe(node, self.lang)):
                self.phrases.add(phrase)
        elif isinstance(node, n.SubstringLeaf) and node.feature is not None:
            self.needles.add(node.needle)
        if not isinstance(node, n.AndNode | n.NearNode | n.NotNode):
            probes = self._leaves[id(node)] = leaf_probes(node, self.lang)
            self.freq.update(probes or ())

    def cost(self, probes: frozenset[str]) -> int:
        """A guess of how often documents have one of these probes: how many leaves share
        each, weighted up for three-letter prefixes and short words, which many words have."""
        return sum(map(self._costs.__getitem__, probes))

    def cheapest(self, reqs: tuple[frozenset[str], ...]) -> frozenset[str]:
        """The probe set of `reqs` that fewest leaves share."""
        return reqs[0] if len(reqs) == 1 else min(reqs, key=self.cost)

    def requirements(self, node: n.Exec) -> Requirements:
        """What a document needs for the node (one of the roots or below them) to match."""
        return self._reqs[id(node)]

    def _requirements(self, node: n.Exec) -> Requirements:
        reqs = self._reqs
        if isinstance(node, n.OrNode):
            merged: set[str] = set()
            for child in node.children:
                found = reqs[id(child)]
                if found is None:
                    return None
                if found:
                    merged.update(self.cheapest(found))
            return (frozenset(merged),)
        if isinstance(node, n.AndNode | n.NearNode):
            sets = [r for c in node.children if (r := reqs[id(c)]) is not None]
            if not sets:
                return None
            return tuple(dict.fromkeys(s for found in sets for s in found))
        if isinstance(node, n.NotNode | n.FilterLeaf):
            return None
        probes = self._leaves[id(node)]
        return None if probes is None else (probes,)

    def exact(self, node: n.Exec) -> bool:
        """Whether the node matches exactly when the document meets its requirements, so
        that a rule made of such nodes needs no evaluation once the prefilter lets it
        through: true of a single word or prefix and of a two-word phrase in any field, and
        of ANDs and ORs of them (not of longer phrases, NEAR, NOT, filters or field
        scopes)."""
        return self._exact[id(node)]

    def lacks(self, root: n.Exec) -> frozenset[str] | None:
        """For an AND of exact nodes and NOTs of single words or phrases (`a AND NOT b`):
        the probes whose absence, with the AND's requirements met, makes it match; None for
        other nodes. A NOT of a word that cannot occur in the language needs nothing."""
        if not isinstance(root, n.AndNode) or isinstance(root, n.OrNode):
            return None
        lacks: set[str] = set()
        for child in root.children:
            if not isinstance(child, n.NotNode):
                if not self._exact[id(child)]:
                    return None
                continue
            word = child.child
            if not isinstance(word, n.TermLeaf):
                return None
            if self.lang not in word.languages:
                continue
            plan = word.plan(self.lang)
            if plan is None:
                continue
            if plan[2]:
                lacks.update(plan[1])
            elif phrase := phrase_probe(word, self.lang):
                lacks.add(phrase)
            else:
                return None
        return frozenset(lacks)

    def _is_exact(self, node: n.Exec) -> bool:
        exact = self._exact
        if isinstance(node, n.OrNode):  # an OR keeps one probe set of each child
            return all(
                exact[id(c)] and len(self._reqs[id(c)] or ()) == 1 for c in node.children
            )
        if isinstance(node, n.NearNode):
            return False
        if isinstance(node, n.AndNode):
            return all(exact[id(c)] for c in node.children)
        if isinstance(node, n.TermLeaf):
            if self.lang not in node.languages:
                return True  # never there, and known never to be
            plan = node.plan(self.lang)
            return plan is not None and (plan[2] or phrase_probe(node, self.lang) is not None)
        return False
