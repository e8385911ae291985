"""`monitor test --compare OLD PATH...`: what a revision of the rules gained and lost.

Revising a rule's words on a sample (dropping a term with a second sense, adding the words
its misses use) changes which documents it alerts on. Matching the sample with the old and
the new rule files side by side and listing, per rule, the documents only one of them
alerts on shows what the revision gained and what it lost, to read before keeping it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from monitor.cli.display import safe
from monitor.matching import RuleSet
from monitor.models import Document, Match
from monitor.text.analysis import analyze


@dataclass
class Change:
    """One rule's alerts before and after: how many both have, and those of one only
    (file or URL, headline)."""

    kept: int = 0
    gained: list[tuple[str, str]] = field(default_factory=list)
    lost: list[tuple[str, str]] = field(default_factory=list)


class Comparison:
    """Per rule id, the documents the old rules and the new ones alert on."""

    def __init__(self, old: RuleSet, new: RuleSet, languages: Sequence[str],
                 only: Sequence[str] = ()) -> None:
        self._old = old
        self._languages = languages
        ids = [*new.rules, *(r for r in old.rules if r not in new.rules)]
        self.by_rule = {r: Change() for r in ids if not only or r in only}
        self.only_old = frozenset(r for r in old.rules if r not in new.rules)
        self.only_new = frozenset(r for r in new.rules if r not in old.rules)

    def add(self, where: str, doc: Document, matches: Sequence[Match]) -> None:
        """Match one document with the old rules too (`matches`: the new rules' alerts)."""
        now = {m.rule for m in matches}
        before = {m.rule for m in self._old.match(analyze(doc, self._languages), doc)}
        for rule, change in self.by_rule.items():
            if rule in now and rule in before:
                change.kept += 1
            elif rule in now:
                change.gained.append((where, doc.title))
            elif rule in before:
                change.lost.append((where, doc.title))

    def _note(self, rule: str) -> str:
        if rule in self.only_old:
            return " (only in the old rules)"
        return " (only in the new rules)" if rule in self.only_new else ""

    def lines(self) -> list[str]:
        """Per rule: the counts, then the documents gained and lost."""
        out = []
        for rule, c in self.by_rule.items():
            out.append(f"{rule}{self._note(rule)}: {c.kept + len(c.lost)} alert(s) before, "
                       f"{c.kept + len(c.gained)} now: {c.kept} kept, {len(c.gained)} gained, "
                       f"{len(c.lost)} lost")
            for word, docs in (("gained", c.gained), ("lost", c.lost)):
                out += [f"  {word}  {where}  {title[:70]!r}" for where, title in docs]
        return out

    def json_lines(self) -> list[str]:
        """One JSON object per rule: {"rule", "before", "now", "kept", "gained": [{"where",
        "title"}], "lost": [...]}."""
        return [json.dumps({
            "rule": rule, "before": c.kept + len(c.lost), "now": c.kept + len(c.gained),
            "kept": c.kept,
            "gained": [{"where": w, "title": t} for w, t in c.gained],
            "lost": [{"where": w, "title": t} for w, t in c.lost],
        }, ensure_ascii=False) for rule, c in self.by_rule.items()]

    def show(self, as_json: bool) -> None:
        for line in self.json_lines() if as_json else self.lines():
            print(safe(line))
