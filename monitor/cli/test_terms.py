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
from monitor.matching.why import part_terms
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


EXAMPLES = 2  # documents named per term that alone found its part


class TermTally:
    """The terms behind each rule's matches over the documents tested."""

    def __init__(self, rules: RuleSet, languages: Sequence[str]) -> None:
        self._rules = rules
        self._languages = languages
        self.by_rule: dict[str, RuleTerms] = {}

    def add(self, where: str, doc: Document, matches: Sequence[Match]) -> None:
        """Count the parts' terms of each match of one document (`where`: its file or URL)."""
        if not matches:
            return
        analysis = analyze(doc, self._languages)
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
        }, ensure_ascii=False) for rule, tally in sorted(self.by_rule.items())]


def print_tally(tally: TermTally, as_json: bool) -> None:
    for line in tally.json_lines() if as_json else tally.lines():
        print(safe(line))
