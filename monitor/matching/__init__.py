"""The rules engine: rule files -> a compiled RuleSet that matches analysed documents.

    rules = load_rules(Path("rules"), languages=["en", "ru"])
    analysis = analyze(doc, rules.languages)
    for match in rules.match(analysis, doc): ...
"""

from __future__ import annotations

from monitor.matching.loader import load_rules
from monitor.matching.ruleset import Rule, RuleSet

__all__ = ["Rule", "RuleSet", "load_rules"]
