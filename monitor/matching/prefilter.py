"""The prefilter: an index from analysed term keys to the rules that need them.

For each rule and language we derive a set of probes such that a document containing none
of them cannot match the rule: an OR needs one of its children's probes, an AND needs the
probes of just one child (the one whose words rules use least), a NOT or a filter alone
cannot be indexed (such rules are always candidates). Matching a document then costs one
dict lookup per word it contains, not one test per rule.

A two-word phrase is a probe of its own (`phrase_probe`), said to be in a document when the
phrase occurs there: it is looked for once per document when both its words are, for every
rule that has it, and rules made of words and such phrases are then decided here too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from pyroaring import BitMap, FrozenBitMap

from monitor.matching import nodes as n
from monitor.matching.explainers import Explainers
from monitor.matching.lexicon import PREFIX_MARK, Lexicon

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


MAX_CHECKS = 3  # extra probe sets kept per rule: enough to weed out most candidates

# probe -> rule numbers: roaring bitmaps, whose unions and intersections run in C and come
# out ascending (at 100,000 frequent rules a document's candidates took 0.65 ms, against
# 1.7 ms with sets of tuples and a final sort)
Postings = dict[str, FrozenBitMap]


@dataclass(frozen=True, slots=True)
class Index:
    """One language's prefilter.

    A rule is a candidate when the document has a probe (a feature: see
    `monitor.matching.lexicon`, or a two-word phrase that `said` finds in the document) of
    its entry set and one of each of its other sets (at most MAX_CHECKS). Every table maps
    a probe to rule numbers: `entries[probe]` the rules whose entry set has it,
    `checks[j][probe]` those whose (j+1)-th other set has it; `needs[j]` are the rules that
    have a (j+1)-th other set. A document's candidates are then unions, intersections and
    differences of the rule numbers under its probes, steps that run in C: a rule's sets
    are never looked at one by one (at 100,000 frequent rules ~3,300 a document had a set
    to check).
    """

    entries: Postings
    always: FrozenBitMap  # rules that cannot be indexed: always candidates
    checks: tuple[Postings, ...]
    needs: tuple[FrozenBitMap, ...]  # as many as `checks`, each within the one before
    lexicon: Lexicon
    decided: frozenset[int]  # rules that match whenever they are candidates
    explainers: Explainers  # rule number -> the leaves whose hits explain it
    # word -> the rules a document with it cannot match (the NOTs of decided rules): a rule
    # such as `a AND NOT b` is then decided here, and not a candidate when the document has `b`
    forbid: Postings
    # a phrase's first feature -> its second -> the phrase's probe, for the phrases of the
    # tables
    phrases: dict[str, dict[str, str]]

    def candidates(self, ctx: n.Context) -> BitMap:
        """Rule numbers (iterated ascending) that the document may match."""
        probes = ctx.present
        said = self.said(ctx)
        if said:
            probes = probes.union(said)
        found = _under(self.entries, probes)
        # the rules found that have a (j+1)-th other set keep their place if it is met: one
        # table a level for all of them (a table a level for each number of other sets
        # looked the probes up twice as often)
        for table, needs in zip(self.checks, self.needs, strict=True):
            asked = found & needs
            if not asked:
                break  # the rules of the next level are among these
            asked -= _under(table, probes)
            found -= asked
        if self.forbid:
            found -= _under(self.forbid, probes)
        if self.always:
            found |= self.always
        return found

    def said(self, ctx: n.Context) -> set[str]:
        """The probes of the phrases that occur in the document: where the first word is,
        the second follows, in one field (as `TermLeaf.matches` finds them, in a few steps
        a phrase and not its calls: ~120 phrases a document had both words at 10,000
        frequent rules, ~30 of them occurred)."""
        said: set[str] = set()
        phrases, present = self.phrases, ctx.present
        # the phrases whose two words the document has, by the first: with none, where the
        # words are is not worked out (rules of rare words: most documents)
        both = [(first, pairs) for first in phrases.keys() & present
                if not present.isdisjoint(pairs := phrases[first])]
        if not both:
            return said
        before = ctx.before  # shared with the leaves, which find these sets the same way
        for field in n.ALL_FIELDS:
            where = ctx.features.where(field)
            for first, pairs in both:
                at = where.get(first)
                if not at:
                    continue
                for second in pairs.keys() & where.keys():
                    probe = pairs[second]
                    if probe in said:
                        continue
                    b = where[second]
                    follows = before.get(id(b))
                    if follows is None:
                        follows = before[id(b)] = set(map(_BEFORE, b))
                    if not follows.isdisjoint(at):
                        said.add(probe)
        return said


_BEFORE = (-1).__add__  # a position -> the one before it


def _under(table: Postings, probes: frozenset[str]) -> BitMap:
    """The rule numbers under these probes in one table."""
    return BitMap.union(BitMap(), *map(table.__getitem__, table.keys() & probes))


def build_index(
    roots: Sequence[n.Exec], lang: str, nodes: Sequence[n.Exec] | None = None
) -> Index:
    """The prefilter of one language; `nodes`: `post_order(roots)`, if already known."""
    planner = ProbePlanner(roots, lang, nodes)
    entries: dict[str, list[int]] = {}
    checks: list[dict[str, list[int]]] = [{} for _ in range(MAX_CHECKS)]
    needs: list[list[int]] = [[] for _ in range(MAX_CHECKS)]
    always: list[int] = []
    decided: list[int] = []
    forbid: dict[str, list[int]] = {}
    for i, root in enumerate(roots):
        reqs = planner.requirements(root)
        if reqs is None:
            always.append(i)
            continue
        if NEVER in reqs:
            continue  # cannot match in this language
        ordered = sorted(reqs, key=planner.cost)
        others = ordered[1 : 1 + MAX_CHECKS]
        for k in ordered[0]:
            entries.setdefault(k, []).append(i)
        for j, probes in enumerate(others):
            needs[j].append(i)
            for k in probes:
                checks[j].setdefault(k, []).append(i)
        if len(ordered) <= 1 + MAX_CHECKS:
            if planner.exact(root):
                decided.append(i)
            elif (lacks := planner.lacks(root)) is not None:
                decided.append(i)
                for k in lacks:
                    forbid.setdefault(k, []).append(i)
    levels = sum(1 for rules in needs if rules)  # levels no rule needs are left out
    prefixes = {f[1:] for f in planner.features if f.startswith(PREFIX_MARK)}
    phrases: dict[str, dict[str, str]] = {}
    used = {k for table in (entries, *checks, forbid) for k in table}
    for probe in planner.phrases & used:
        first, second = probe.split(PHRASE_SEP)
        phrases.setdefault(first, {})[second] = probe
    return Index(
        _frozen(entries),
        FrozenBitMap(always),
        tuple(map(_frozen, checks[:levels])),
        tuple(map(FrozenBitMap, needs[:levels])),
        Lexicon(lang, planner.features - {PREFIX_MARK + p for p in prefixes}, prefixes,
                planner.needles),
        frozenset(decided),
        Explainers(roots, lang),
        _frozen(forbid),
        phrases,
    )


def _frozen(table: dict[str, list[int]]) -> Postings:
    """A table as kept: its rule numbers as bitmaps."""
    return {k: FrozenBitMap(v) for k, v in table.items()}
