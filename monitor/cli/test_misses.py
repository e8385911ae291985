"""`monitor test --misses RULE`: the documents a rule does not alert on that have some of it.

A rule misses what its words lack: a story about a Sony chip that never names Japan, a
strike story told with "walkout". Listing the documents that have one of the rule's parts
(its entity, say) but not the alert, with the reason read from the explained query, shows
those words; reading the ones with the part in their headline first finds them soonest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.cli.display import safe
from monitor.matching import RuleSet
from monitor.matching.why import Part, parts_found, why_not
from monitor.models import Document, Match
from monitor.text.analysis import analyze


@dataclass(frozen=True, slots=True)
class Missed:
    """A document the rule did not alert on, with the parts it has and why it is left out."""

    where: str  # its file or URL
    title: str
    parts: tuple[Part, ...]
    reason: str

    @property
    def lacking(self) -> tuple[str, ...]:
        return tuple(p.label for p in self.parts if not p.holds)

    @property
    def headline(self) -> bool:
        return any(p.headline for p in self.parts)


class MissList:
    """The documents one rule misses over the documents tested."""

    def __init__(self, rules: RuleSet, rule: str, languages: Sequence[str]) -> None:
        self._rules = rules
        self.rule = rule
        self._languages = languages
        self.alerted = 0
        self.missed: list[Missed] = []

    def add(self, where: str, doc: Document, matches: Sequence[Match]) -> None:
        """Count an alert, or keep the document when it has one of the rule's parts."""
        if any(m.rule == self.rule for m in matches):
            self.alerted += 1
            return
        analysis = analyze(doc, self._languages)
        parts = tuple(parts_found(self._rules, self.rule, analysis, doc))
        if any(p.holds for p in parts):
            self.missed.append(Missed(where, doc.title, parts,
                                      why_not(self._rules, self.rule, analysis, doc)))

    def groups(self) -> list[tuple[tuple[str, ...], list[Missed]]]:
        """The misses grouped by the parts they lack (every part first: dropped by within:,
        NOT or min_score), most documents first; in each, the ones with a part in the
        headline first."""
        by: dict[tuple[str, ...], list[Missed]] = {}
        for miss in self.missed:
            by.setdefault(miss.lacking, []).append(miss)
        return sorted(((k, sorted(v, key=lambda m: not m.headline)) for k, v in by.items()),
                      key=lambda kv: (bool(kv[0]), -len(kv[1])))

    def lines(self) -> list[str]:
        out = [f"{self.rule}: {self.alerted} alerted; {len(self.missed)} document(s) not "
               "alerted that have some of its parts"]
        for lacking, missed in self.groups():
            head = sum(m.headline for m in missed)
            what = ("with every part, left out" if not lacking
                    else "without " + ", ".join(lacking))
            out.append(f"  {what}: {len(missed)} document(s), {head} with a part in the "
                       "headline")
            for miss in missed:
                out.append(f"    {miss.where}  {miss.title[:70]!r}")
                out += [f"      {p.label}: {p.words}" for p in miss.parts if p.holds]
                out.append(f"      why not: {miss.reason}")
        return out

    def json_lines(self) -> list[str]:
        """One JSON object per document missed: {"rule", "where", "title", "parts": [{"part",
        "holds", "headline", "words"}], "lacking", "why_not"}."""
        return [json.dumps({
            "rule": self.rule, "where": m.where, "title": m.title,
            "parts": [{"part": p.label, "holds": p.holds, "headline": p.headline,
                       "words": p.words} for p in m.parts],
            "lacking": list(m.lacking), "why_not": m.reason,
        }, ensure_ascii=False) for _, missed in self.groups() for m in missed]

    def show(self, as_json: bool) -> None:
        for line in self.json_lines() if as_json else self.lines():
            print(safe(line))
