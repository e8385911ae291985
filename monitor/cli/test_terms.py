"""`monitor test --terms`: which terms a rule's matches come from, part by part.

A rule alerts on what its terms find; a term with a second sense ("strikers" in a strikes
topic also finds footballers) shows up here as a term that alone brings many matches, so
reading those few documents first tells an analyst which words to turn into phrases or
exclude.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from monitor.cli.display import safe
from monitor.matching import RuleSet
from monitor.matching.why import part_terms, parts_held
from monitor.models import Document, Match
from monitor.text.analysis import analyze


@dataclass
class RuleTerms:
    """One rule's tally: matched documents, and per part how many each term fired in and
    in how many it found every place the part was found at (the match rests on it)."""

    documents: int = 0
    fired: dict[str, Counter[str]] = field(default_factory=dict)
    alone: dict[str, Counter[str]] = field(default_factory=dict)
    # (part, term) -> the first documents resting on the term alone (file or URL and
    # headline), to read first
    examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    # near misses (for the rules named with --rule): per part, the documents where it holds
    # and the rule does not alert, those with it in the headline first; and those with every
    # part and no alert (within:, NOT, min_score)
    missed: dict[str, list[tuple[bool, str]]] = field(default_factory=dict)
    every: list[str] = field(default_factory=list)


EXAMPLES = 2  # documents named per term that alone found its part


class TermTally:
    """The terms behind each rule's matches over the documents tested."""

    def __init__(self, rules: RuleSet, languages: Sequence[str],
                 near: Sequence[str] = ()) -> None:
        self._rules = rules
        self._languages = languages
        self._near = tuple(near)  # rules whose near misses are counted too
        self.by_rule: dict[str, RuleTerms] = {r: RuleTerms() for r in self._near}

    def add(self, where: str, doc: Document, matches: Sequence[Match]) -> None:
        """Count the parts' terms of each match of one document (`where`: its file or URL),
        and the near misses of the rules asked for."""
        alerted = {m.rule for m in matches}
        misses = [r for r in self._near if r not in alerted]
        if not matches and not misses:
            return
        analysis = analyze(doc, self._languages)
        for rule in misses:
            self._missed(rule, f"{where}  {doc.title[:70]!r}",
                         parts_held(self._rules, rule, analysis, doc))
        for m in matches:
            tally = self.by_rule.setdefault(m.rule, RuleTerms())
            tally.documents += 1
            for part, terms in part_terms(self._rules, m.rule, analysis, doc):
                tally.fired.setdefault(part, Counter()).update(terms.keys())
                alone = [t for t, a in terms.items() if a]
                tally.alone.setdefault(part, Counter()).update(alone)
                for term in alone:
                    named = tally.examples.setdefault((part, term), [])
                    if len(named) < EXAMPLES:
                        named.append(f"{where}  {doc.title[:70]!r}")

    def _missed(self, rule: str, named: str, parts: list[tuple[str, bool, bool]]) -> None:
        tally = self.by_rule[rule]
        if parts and all(holds for _, holds, _ in parts):
            tally.every.append(named)
            return
        for part, holds, in_title in parts:
            if holds:
                tally.missed.setdefault(part, []).append((not in_title, named))

    def lines(self) -> list[str]:
        """The tally as text: per rule, per part, its terms by the documents they fired in."""
        out = []
        for rule, tally in sorted(self.by_rule.items()):
            out.append(f"{rule}: {tally.documents} matched document(s)")
            for part, fired in tally.fired.items():
                alone = tally.alone.get(part, Counter())
                out.append(f"  {part}")
                width = max(len(term) for term in fired)
                for term, count in sorted(fired.items(), key=lambda kv: (-kv[1], kv[0])):
                    out.append(f"    {term:{width}}  {count:4} document(s), alone in "
                               f"{alone[term]}")
                    out += [f"      e.g. {where}" for where in tally.examples.get((part, term), ())]
            out += self._near_lines(rule, tally)
        return out

    def _near_lines(self, rule: str, tally: RuleTerms) -> list[str]:
        if rule not in self._near:
            return []
        out = [f"  not alerted: {len(tally.every)} document(s) with every part (within:, NOT "
               "or min_score)"] + [f"      e.g. {w}" for w in tally.every[:EXAMPLES]]
        for part, found in tally.missed.items():
            headline = sum(1 for later, _ in found if not later)
            out.append(f"  not alerted: {len(found)} document(s) with {part} alone, "
                       f"{headline} of them in the headline")
            out += [f"      e.g. {w}" for _, w in sorted(found, key=lambda f: f[0])[:EXAMPLES]]
        return out

    def json_lines(self) -> list[str]:
        """One JSON object per rule: {"rule", "documents", "parts": [{"part", "terms":
        {term: {"documents", "alone", "examples"}}}]}."""
        return [json.dumps({
            "rule": rule, "documents": tally.documents,
            "parts": [{"part": part, "terms": {
                term: {"documents": count, "alone": tally.alone.get(part, Counter())[term],
                       "examples": tally.examples.get((part, term), [])}
                for term, count in sorted(fired.items(), key=lambda kv: (-kv[1], kv[0]))}}
                for part, fired in tally.fired.items()],
            **({"not_alerted": {
                "every_part": len(tally.every),
                "parts": {part: {"documents": len(found),
                                 "headline": sum(1 for later, _ in found if not later)}
                          for part, found in tally.missed.items()}}}
               if rule in self._near else {}),
        }, ensure_ascii=False) for rule, tally in sorted(self.by_rule.items())]

    def show(self, as_json: bool) -> None:
        for line in self.json_lines() if as_json else self.lines():
            print(safe(line))
