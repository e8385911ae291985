"""The conformance cases in conformance.yaml: one document, one query, the expected result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.matching import RuleSet, load_rules
from monitor.models import Document
from monitor.text.analysis import analyze

HERE = Path(__file__).parent
LANGUAGES = ["en", "ru", "uk", "de", "fr", "es", "zh", "ja"]
DATA = yaml.safe_load((HERE / "conformance.yaml").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = DATA["cases"]


def _id(i: int, case: dict[str, Any]) -> str:
    return f"{i:03d}-{case['lang']}-{case['expect']}"


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    data = dict(DATA["vocabulary"])
    data["rules"] = [{"id": f"case-{i}", "query": c["query"]} for i, c in enumerate(CASES)]
    path = tmp_path_factory.mktemp("conformance") / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_rules(path, languages=LANGUAGES)


def test_there_are_at_least_80_cases() -> None:
    assert len(CASES) >= 80


@pytest.mark.parametrize(
    ("i", "case"), list(enumerate(CASES)), ids=[_id(*x) for x in enumerate(CASES)]
)
def test_case(rules: RuleSet, i: int, case: dict[str, Any]) -> None:
    if "text" in case:
        title, _, body = case["text"].partition("\n")
    else:
        title, body = case["title"], case.get("body", "")
    doc = Document(
        id=f"case-{i}",
        source=case.get("source", "news"),
        title=title,
        body=body,
        url=case.get("url"),
        language=case["lang"],
    )
    analysis = analyze(doc, LANGUAGES)
    found = rules.match_rule(f"case-{i}", analysis, doc)
    if case["expect"] == "no_match":
        assert found is None, f"{case['query']!r} should not match; hits: {found and found.hits}"
        return
    assert found is not None, f"{case['query']!r} should match {case.get('text', title)!r}"
    texts = [h.text for h in found.hits]
    for expected in case.get("hits", []):
        assert expected in texts, f"hit {expected!r} missing from {texts}"
    for h in found.hits:  # offsets point at the hit text in the (normalised) field
        field = analysis.field(h.field)
        assert field.text[h.start : h.end] == h.text
    # the prefilter never loses a match that evaluating the rule alone finds
    assert f"case-{i}" in [m.rule for m in rules.match(analysis, doc)]
