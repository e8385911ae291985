"""The prefilter: an index from analysed term keys to the rules that need them.

For each rule and language we derive a set of probes such that a document containing none
of them cannot match the rule: an OR needs one of its children's probes, an AND needs the
probes of just one child (the one whose words rules use least), a NOT or a filter alone
cannot be indexed (such rules are always candidates). Matching a document then costs one
dict lookup per word it contains, not one test per rule.

A two-word phrase is a probe of its own (`probes.phrase_probe`), said to be in a document
when the phrase occurs there: it is looked for once per document when both its words are,
for every rule that has it, and rules made of words and such phrases are then decided here
too (where it occurs is kept on the context: the rules' terms take a phrase's places from
there). A rule of NEAR of two words is decided here too: of its candidates (both words in the
document), those where the two do not pair are taken out. What each rule needs is worked
out in `probes.py`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from pyroaring import BitMap, FrozenBitMap

from monitor.matching import nodes as n
from monitor.matching.explainers import Explainers
from monitor.matching.lexicon import EMPTY, PREFIX_MARK, Lexicon
from monitor.matching.near import Words, apart
from monitor.matching.probes import NEVER, PHRASE_SEP, ProbePlanner

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
    # the rules of NEAR of two words -> the words (`near.NearNode.words_in`), and their
    # numbers: decided once their words pair (`candidates`)
    nears: dict[int, Words]
    near_rules: FrozenBitMap

    def candidates(self, ctx: n.Context) -> BitMap:
        """Rule numbers (iterated ascending) that the document may match."""
        probes: Collection[str] = ctx.present
        said = self.said(ctx)
        ctx.phrases, ctx.said = self.phrases, said  # what leaves then know (`Context`)
        if said:  # phrases' probes are no features: none is there twice
            probes = [*probes, *said]
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
        if self.near_rules:
            # NEAR's candidates have both words, most of them apart (~60 of ~100 a document
            # at 10,000 frequent rules): taken out here, where the pairs are worked out
            # once per document for every NEAR of two words at one distance (and kept for
            # what a match shows), not asked rule by rule
            away = apart(ctx, found & self.near_rules, self.nears)
            if away:
                found -= BitMap(away)
        if self.forbid:
            found -= _under(self.forbid, probes)
        if self.always:
            found |= self.always
        return found

    def said(self, ctx: n.Context) -> dict[str, list[n.Occurrence]]:
        """The probes of the phrases that occur in the document, and where they occur (as
        `TermLeaf._located` finds them, title first, ascending): where the first word is,
        the second follows, in one field. What the token after each of the first word's
        places carries is met with its phrases' second words (~150 such places a document
        at 10,000 frequent rules, most of the tokens after them carrying nothing): plain
        loops cost 0.033 ms a document there, 0.056 with a set made per first word in C,
        0.096 with a set of the places before each second word asked for every phrase."""
        said: dict[str, list[n.Occurrence]] = {}
        phrases, features, placed = self.phrases, ctx.features, self.lexicon.placed
        for field in n.ALL_FIELDS:
            where = features.where(field)
            carried = features.carried(field)
            for first in phrases.keys() & where.keys():
                pairs, at = phrases[first], where[first]
                for p in at:
                    for second in carried[p + 1]:
                        # a feature kept by its place is carried where it is not kept
                        if second in pairs and (second not in placed or (
                                p + 1 in where.get(second, EMPTY))):
                            b = ctx.analysis.field(field).bounds  # token p: b[2p] to b[2p+1]
                            place = (field, p, p + 1, b[2 * p], b[2 * p + 3])
                            probe = pairs[second]
                            if probe in said:
                                said[probe].append(place)
                            else:
                                said[probe] = [place]
        return said


def _under(table: Postings, probes: Collection[str]) -> BitMap:
    """The rule numbers under these probes in one table: each probe looked up once, in C
    (filter() drops the None of those the table lacks, and no set of the others is made)."""
    return BitMap.union(BitMap(), *filter(None, map(table.get, probes)))


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
    nears: dict[int, Words] = {}
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
        if isinstance(root, n.NearNode) and (words := root.words_in(lang)) is not None:
            nears[i] = words  # its candidates' words pair: `candidates` keeps only those
            decided.append(i)
        elif len(ordered) <= 1 + MAX_CHECKS:
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
        nears,
        FrozenBitMap(nears),
    )


def _frozen(table: dict[str, list[int]]) -> Postings:
    """A table as kept: its rule numbers as bitmaps."""
    return {k: FrozenBitMap(v) for k, v in table.items()}
