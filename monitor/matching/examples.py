"""Rule examples: texts a rule must (not) match, verified whenever rules are loaded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.errors import Location, RuleError, RuleHint
from monitor.matching.schema import ExampleDoc, RuleModel
from monitor.models import Document
from monitor.text.analysis import analyze, language_hint

if TYPE_CHECKING:
    from monitor.matching.files import RuleFile
    from monitor.matching.ruleset import Rule, RuleSet


@dataclass(frozen=True, kw_only=True)
class ExampleCase:
    """One example: the document it stands for, whether it must match, where it is written."""

    doc: Document
    expect: bool
    where: Location


def example_document(example: str | ExampleDoc, model: RuleModel) -> Document:
    """An example as a document: a string's first line is the headline, the rest the body."""
    default_source = model.sources[0] if model.sources else "example"
    if isinstance(example, str):
        title, _, body = example.strip().partition("\n")
        return Document(id=f"example:{model.id}", source=default_source, title=title, body=body)
    return Document(
        id=f"example:{model.id}",
        source=example.source or default_source,
        title=example.title,
        body=example.body,
        language=example.language,
        url=example.url,
    )


def example_cases(
    model: RuleModel, f: RuleFile, path: tuple[str | int, ...]
) -> tuple[ExampleCase, ...]:
    """Every example of a rule, ready to check."""
    out: list[ExampleCase] = []
    for key, expect in (("match", True), ("no_match", False)):
        for i, ex in enumerate(getattr(model.examples, key)):
            where = f.where((*path, "examples", key, i))
            out.append(ExampleCase(doc=example_document(ex, model), expect=expect, where=where))
    return tuple(out)


def check_examples(
    ruleset: RuleSet, rule: Rule, cases: Sequence[ExampleCase], languages: Sequence[str]
) -> list[RuleError]:
    """A problem for every example that does not behave as written."""
    problems: list[RuleError] = []
    for case in cases:
        analysis = analyze(case.doc, languages)
        found = ruleset.match_rule(rule.id, analysis, case.doc)
        text = _short(case.doc.title)
        if case.expect and found is None:
            problems.append(RuleError(
                f"example does not match: {text!r} ({_language(case.doc)} {analysis.language}) "
                f"(rule {rule.id})", case.where))
        elif not case.expect and found is not None:
            words = ", ".join(sorted({h.text for h in found.hits}))
            problems.append(RuleError(
                f"example under no_match matches: {text!r} (hits: {words}) (rule {rule.id})",
                case.where))
    return problems


def detection_hint(cases: Sequence[ExampleCase], languages: Sequence[str]) -> RuleHint | None:
    """Advice when examples leave their language to be detected among several: detecting it
    loads the detector's models for the languages the text may be in (1-3 s on a first check
    of English or Russian examples among the shipped config's languages)."""
    unstated = [case for case in cases if language_hint(case.doc.language) is None]
    if len(languages) < 2 or not unstated:
        return None
    return RuleHint(
        f"hint: {len(unstated)} example(s) state no language (this is the first): it is "
        "detected, which loads the language detector's models on a first check (seconds); "
        "write {title: ..., language: en} for a faster check whose outcome does not depend "
        "on detection", unstated[0].where)


def _language(doc: Document) -> str:
    return "language" if language_hint(doc.language) else "detected language"


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
