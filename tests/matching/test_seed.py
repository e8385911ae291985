"""The shipped rule matches the shipped seed article, with the words that explain why."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.matching import RuleSet, load_rules
from monitor.matching.explain import snippets
from monitor.models import Document
from monitor.text.analysis import analyze

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["en", "ru", "uk", "de", "fr", "es", "zh"]


@pytest.fixture(scope="module")
def seed() -> Document:
    path = next((ROOT / "seeds").glob("*.txt"))
    title, _, body = path.read_text(encoding="utf-8").partition("\n")
    return Document(id="seed", source="seeds", title=title, body=body)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules(ROOT / "rules", languages=LANGUAGES)


def test_defence_china_matches_the_seed_with_its_words(seed: Document, rules: RuleSet) -> None:
    analysis = analyze(seed, LANGUAGES)
    assert analysis.language == "ru"
    matches = rules.match(analysis, seed)
    assert [m.rule for m in matches] == ["defence-china"]
    title_hits = [(h.text, h.start, h.end) for h in matches[0].hits if h.field == "title"]
    assert title_hits == [("Китаем", 30, 36), ("оборонной промышленности", 39, 63)]
    assert seed.title[30:36] == "Китаем"
    first = snippets(seed, matches[0].hits)[0]
    assert first.field == "title"
    assert [t for t, hit in first.segments if hit] == ["Китаем", "оборонной промышленности"]


@pytest.mark.parametrize(
    ("lang", "title", "words"),
    [
        ("uk", "Азербайджан розпочинає діалог з Китаєм в оборонній промисловості",
         ["Китаєм", "оборонній промисловості"]),
        ("de", "Peking baut die Rüstungsindustrie aus", ["Peking", "Rüstungsindustrie"]),
        ("fr", "La Chine renforce sa coopération militaire avec l'Égypte",
         ["Chine", "coopération militaire"]),
        ("es", "China y Argentina amplían la cooperación militar",
         ["China", "cooperación militar"]),
        ("zh", "中国与阿塞拜疆加强军事合作", ["中国", "军事合作"]),
        ("en", "Joint military exercises with the PRC announced",
         ["Joint military exercises", "PRC"]),
    ],
)
def test_defence_china_in_other_languages(
    rules: RuleSet, lang: str, title: str, words: list[str]
) -> None:
    doc = Document(id="x", source="seeds", title=title, language=lang)
    (match,) = rules.match(analyze(doc, LANGUAGES), doc)
    assert [h.text for h in match.hits] == words
