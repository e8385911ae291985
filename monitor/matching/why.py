"""Why a rule did or did not match a document: its query tree with each node's outcome.

`explain` walks the query as written (so @references keep their names) beside its compiled
form, asking each compiled node whether it holds for the document and which words it found;
for NEAR, SENT and PARA it says how close the nearest occurrences of the two sides are.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.matching import nodes as n
from monitor.matching import query as q
from monitor.matching.ruleset import Rule, RuleSet
from monitor.models import Document, Match
from monitor.text.analysis import Analysis

MAX_WORDS = 6  # words found, shown per node


@dataclass(frozen=True, slots=True)
class Step:
    """One node of the query: what it is, whether it holds, what was found."""

    label: str
    holds: bool
    found: str = ""
    children: tuple[Step, ...] = ()

    def lines(self, indent: str = "") -> list[str]:
        """The node and its children as indented lines."""
        mark = "yes" if self.holds else "no "
        found = f"  {self.found}" if self.found else ""
        out = [f"{indent}{mark} {self.label}{found}"]
        for child in self.children:
            out += child.lines(indent + "    ")
        return out


def rule_tree(rule: Rule) -> q.Node:
    """The rule's query as the loader compiled it (`within:` applied)."""
    node = q.parse_query(rule.query)
    return q.within(node, rule.within) if rule.within else node


def explain(rules: RuleSet, rule_id: str, analysis: Analysis, doc: Document) -> tuple[
    Step, Match | None
]:
    """The rule's query tree evaluated on the document, and its match (also when the score
    is under the rule's min_score; compare `match.score` with `rule.min_score`)."""
    rule = rules.rules[rule_id]
    root, ctx = rules.compiled(rule_id, analysis, doc)
    step = _step(rule_tree(rule), root, ctx)
    return step, rules.match_rule(rule_id, analysis, doc, any_score=True)


def _step(node: q.Node, ex: n.Exec, ctx: n.Context) -> Step:
    holds = ex.matches(ctx)
    if isinstance(node, q.And | q.Or):
        kids = tuple(_step(c, e, ctx) for c, e in zip(node.children, _children(ex), strict=True))
        return Step("AND" if isinstance(node, q.And) else "OR", holds, "", kids)
    if isinstance(node, q.Near | q.Same):
        kids = tuple(_step(c, e, ctx) for c, e in zip(node.children, _children(ex), strict=True))
        label = f"NEAR/{node.distance}" if isinstance(node, q.Near) else (
            "SENT" if node.unit == "sentence" else "PARA")
        return Step(label, holds, _proximity(ex, ctx), kids)
    if isinstance(node, q.Not):
        assert isinstance(ex, n.NotNode)
        return Step("NOT", holds, "", (_step(node.child, ex.child, ctx),))
    if isinstance(node, q.Scoped):
        inner = _step(node.child, ex, ctx)
        return Step(f"{node.field}:{inner.label}", inner.holds, inner.found, inner.children)
    if isinstance(node, q.Filter):
        return Step(f"{node.kind}:{node.value}", holds)
    return Step(_label(node), holds, _words(ex, ctx) if holds else "")


def _children(ex: n.Exec) -> tuple[n.Exec, ...]:
    if isinstance(ex, n.AndNode | n.NearNode):  # OrNode derives from AndNode
        return tuple(ex.children)
    return (ex,)


def _label(node: q.Node) -> str:
    if isinstance(node, q.Word):
        return node.text + ("*" if node.prefix else "")
    if isinstance(node, q.Phrase):
        return f'"{node.text}"' + (f"~{node.slop}" if node.slop is not None else "")
    if isinstance(node, q.Ref):
        return f"@{node.name}"
    return type(node).__name__


def _words(ex: n.Exec, ctx: n.Context) -> str:
    """The words found, as written, with the terms that found them when they differ."""
    seen: dict[str, str] = {}
    for raw in ex.hits(ctx):
        hit = ctx.hit(raw)
        seen.setdefault(hit.text, f"{hit.text!r}" + (f" <- {hit.term}" if hit.term.casefold()
                                                      != hit.text.casefold() else "")
                        + (" (title)" if hit.field == "title" else ""))
    shown = list(seen.values())
    more = f", and {len(shown) - MAX_WORDS} more" if len(shown) > MAX_WORDS else ""
    return ", ".join(shown[:MAX_WORDS]) + more


def _proximity(ex: n.Exec, ctx: n.Context) -> str:
    """How close the nearest occurrences of the first two sides are."""
    if not isinstance(ex, n.NearNode) or len(ex.children) < 2:
        return ""
    a, b = ex.children[0].occurrences(ctx), ex.children[1].occurrences(ctx)
    pairs = [(x, y) for x in a for y in b if x[0] == y[0]]
    if not pairs:
        return "(the sides are never in the same field)" if a and b else ""
    x, y = min(pairs, key=lambda p: _gap(*p))
    gap = _gap(x, y)
    where = f"nearest: {gap} word(s) apart in the {x[0]}"
    if isinstance(ex, n.SameNode):
        units = ctx.analysis.field(x[0]).units(ex.unit)
        same = units[x[1]] == units[y[1]]
        where += f", {'in one' if same else 'not in one'} {ex.unit}"
    return f"({where})"


def _gap(a: n.Occurrence, b: n.Occurrence) -> int:
    if a[2] < b[1]:
        return b[1] - a[2] - 1
    if b[2] < a[1]:
        return a[1] - b[2] - 1
    return 0


def part_terms(rules: RuleSet, rule_id: str, analysis: Analysis, doc: Document
               ) -> list[tuple[str, dict[str, bool]]]:
    """For a document the rule matches: its query's parts (the children of the top-level
    AND, or the sides of a top-level NEAR, SENT or PARA, as the score counts them; NOT and
    filters left out), each with the terms, as written, that fired in it, and for each term
    whether it alone found every place the part was found at (terms of one word in two
    forms, "bank" and "banks", find the same places: each is then alone)."""
    root, ctx = rules.compiled(rule_id, analysis, doc)
    out = []
    for node, ex in _parts(rule_tree(rules.rules[rule_id]), root):
        places: dict[str, set[tuple[int, int]]] = {}
        for number, start, _, term in ex.hits(ctx):
            places.setdefault(term, set()).add((number, start))
        if places:
            every = set().union(*places.values())
            out.append((_part_label(node), {t: p >= every for t, p in places.items()}))
    return out


def _parts(node: q.Node, ex: n.Exec) -> list[tuple[q.Node, n.Exec]]:
    """The parts as the score counts them (ruleset.parts_of): the sides of a NEAR, SENT or
    PARA, also when it is the one child of an AND besides NOT and filters (as `within:`
    makes it: `(@a PARA @b) NOT c`), else the AND's other children."""
    if isinstance(node, q.Near | q.Same):
        return list(zip(node.children, _children(ex), strict=True))
    if isinstance(node, q.And):
        present: list[tuple[q.Node, n.Exec]] = [
            (c, e) for c, e in zip(node.children, _children(ex), strict=True)
            if not isinstance(c, q.Not | q.Filter)]
        if len(present) == 1:
            return _parts(*present[0])
        return present
    return [(node, ex)]


def _part_label(node: q.Node) -> str:
    if isinstance(node, q.Scoped):
        return f"{node.field}:{_part_label(node.child)}"
    if isinstance(node, q.Or):
        return " OR ".join(_part_label(c) for c in node.children)
    return _label(node) if isinstance(node, q.Word | q.Phrase | q.Ref) else type(node).__name__


def parts_held(rules: RuleSet, rule_id: str, analysis: Analysis, doc: Document
               ) -> list[tuple[str, bool, bool]]:
    """For any document: the rule's parts (as `part_terms` has them), each with whether it
    holds and whether it is found in the headline."""
    root, ctx = rules.compiled(rule_id, analysis, doc)
    out = []
    for node, ex in _parts(rule_tree(rules.rules[rule_id]), root):
        holds = ex.matches(ctx)
        out.append((_part_label(node), holds,
                    holds and any(number == 0 for number, _, _, _ in ex.hits(ctx))))
    return out


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a rule's query in a document: whether it holds, whether in the headline,
    and the words it found there."""

    label: str
    holds: bool
    headline: bool
    words: str


def parts_found(rules: RuleSet, rule_id: str, analysis: Analysis, doc: Document
                ) -> list[Part]:
    """The rule's parts (as `part_terms` has them) in any document, with the words found."""
    root, ctx = rules.compiled(rule_id, analysis, doc)
    out = []
    for node, ex in _parts(rule_tree(rules.rules[rule_id]), root):
        holds = ex.matches(ctx)
        out.append(Part(_part_label(node), holds,
                        holds and any(number == 0 for number, _, _, _ in ex.hits(ctx)),
                        _words(ex, ctx) if holds else ""))
    return out


def why_not(rules: RuleSet, rule_id: str, analysis: Analysis, doc: Document) -> str:
    """Why a document the rule does not alert on is left out, from its explained tree: the
    top-level conditions that fail (a missing part, NOT finding its words, the sides not in
    one sentence or paragraph, a filter), or its score under the rule's min_score."""
    step, found = explain(rules, rule_id, analysis, doc)
    rule = rules.rules[rule_id]
    if step.holds:
        score = found.score if found else 0.0
        return f"score {score:.2f}, under its min_score {rule.min_score:g}"
    kids = step.children if step.label == "AND" else (step,)
    return "; ".join(_failed(kid) for kid in kids if not kid.holds) or "no match"


def _failed(step: Step) -> str:
    if step.label == "NOT":
        (child,) = step.children
        return f"NOT {child.label} found {child.found or 'its words'}"
    if step.label in ("SENT", "PARA") or step.label.startswith("NEAR/"):
        unit = {"SENT": "one sentence", "PARA": "one paragraph"}.get(step.label, step.label)
        if not all(kid.holds for kid in step.children):
            return "no " + ", no ".join(kid.label for kid in step.children if not kid.holds)
        return f"the parts are never in {unit} {step.found}".rstrip()
    return f"no {step.label}"
