"""An entity's `include:`: the shipped places, bodies, people and companies of a country."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitor.errors import RuleError
from monitor.matching import RuleSet, load_rules
from monitor.matching.gazetteer import COUNTRIES
from monitor.models import Document
from monitor.text.analysis import analyze

RULES = """
    topics:
      tax: {terms: [tax, налог]}
    entities:
      russia: {kind: country, country: RU, terms: [Russia]}
      russia-places: {kind: country, country: RU, terms: [Russia], include: [places]}
      russia-all: {kind: country, country: RU, include: all}
    rules:
      - {id: written, query: '@tax AND @russia'}
      - {id: places, query: '@tax AND @russia-places'}
      - {id: all, query: '@tax AND @russia-all'}
"""


def load(tmp_path: Path, text: str, languages: list[str] | None = None) -> RuleSet:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_rules(path, languages=languages or ["en", "ru"])


def matched(rules: RuleSet, title: str, body: str, language: str) -> set[str]:
    doc = Document(id="d", source="s", title=title, body=body, language=language)
    return {m.rule for m in rules.match(analyze(doc, [language]), doc)}


def test_a_city_stands_for_its_country_only_when_places_are_included(tmp_path: Path) -> None:
    rules = load(tmp_path, RULES)
    found = matched(rules, "Налоговая реформа", "В Новосибирске обсудили новый налог.", "ru")
    assert found == {"places", "all"}
    assert matched(rules, "Tax row", "Officials in Yekaterinburg raised the tax.", "en") == {
        "places", "all"}


def test_groups_are_chosen_one_by_one(tmp_path: Path) -> None:
    rules = load(tmp_path, RULES)
    # a leader and a company are not places
    assert matched(rules, "Tax bill", "Putin said Gazprom must pay the tax.", "en") == {"all"}
    assert matched(rules, "Tax bill", "Russia said the tax is due.", "en") == {
        "written", "places", "all"}


def test_included_terms_are_inflected_like_written_ones(tmp_path: Path) -> None:
    rules = load(tmp_path, RULES)
    assert "all" in matched(rules, "Налоги", "Путину доложили о налогах «Газпрома».", "ru")


def test_include_needs_a_country_with_shipped_vocabularies(tmp_path: Path) -> None:
    text = """
        entities:
          france: {kind: country, country: FR, include: [places]}
          nowhere: {include: all}
        rules:
          - {id: a, query: '@france OR @nowhere'}
    """
    with pytest.raises(RuleError) as err:
        load(tmp_path, text)
    lines = str(err.value).splitlines()
    assert len(lines) == 2
    assert all("include: needs `country:` set to one of BR, CN, DE" in line for line in lines)
    assert "(entity france)" in lines[0] and "(entity nowhere)" in lines[1]


def test_an_unknown_group_lists_the_groups(tmp_path: Path) -> None:
    text = """
        entities:
          russia: {kind: country, country: RU, include: [towns]}
        rules:
          - {id: a, query: '@russia'}
    """
    with pytest.raises(RuleError, match="'towns' is not one of the choices; use one of: "
                       "companies, government, names, people, places") as err:
        load(tmp_path, text)
    assert "literal" not in str(err.value)


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_shipped_term_loads_in_both_languages(tmp_path: Path, country: str) -> None:
    text = f"""
        entities:
          x: {{kind: country, country: {country}, include: all}}
        rules:
          - {{id: a, query: '@x'}}
    """
    warnings: list[RuleError] = []
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    load_rules(path, languages=["en", "ru"], warnings=warnings)
    assert [str(w) for w in warnings] == []
