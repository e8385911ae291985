"""Keys of document words and features of rule words: readings, names, literal words."""

from __future__ import annotations

import subprocess
import sys

import pytest

from monitor.text.keys import NAME_MARK, SURFACE_MARK, doc_keys, rule_alternatives
from monitor.text.names import name_forms


def test_a_document_word_carries_every_reading_a_rule_word_its_base_form() -> None:
    assert set(doc_keys("политики", "ru")) == {"политика", "политик"}
    assert rule_alternatives("политика", "ru") == ("политика",)
    assert set(doc_keys("політики", "uk")) == {"політика", "політик"}


def test_capitals_choose_names_in_russian_documents() -> None:
    assert doc_keys("Баку", "ru") == ("баку",)
    assert "бак" in doc_keys("баку", "ru")
    assert doc_keys("лавровым", "ru") == ("лавровый",)
    assert doc_keys("Лавровым", "ru") == ("лавров",)


def test_unknown_names_decline_by_their_endings_and_only_with_a_capital() -> None:
    assert name_forms("Пашинян", "ru")[:4] == ("пашинян", "пашиняна", "пашиняну", "пашиняном")
    assert name_forms("Кастро", "ru") == ("кастро",)
    assert "шевченка" in name_forms("Шевченко", "uk")
    assert NAME_MARK + "токаевым" in rule_alternatives("Токаев", "ru")


def test_short_words_and_english_names_stay_as_written() -> None:
    assert rule_alternatives("Си", "ru") == (SURFACE_MARK + "си",)
    assert rule_alternatives("Brown", "en") == (NAME_MARK + "brown",)
    assert rule_alternatives("brown", "en") == ("brown",)


@pytest.mark.parametrize(("lang", "plain", "accented"), [
    ("fr", "cooperation", "coopération"), ("es", "cooperacion", "cooperación"),
    ("pt", "cooperacao", "cooperação"), ("es", "espana", "España"),
])
def test_a_word_without_its_accent_gets_the_accented_words_key(
    lang: str, plain: str, accented: str,
) -> None:
    assert doc_keys(plain, lang) == doc_keys(accented, lang)


def test_english_plurals_kept_as_lemmas_carry_their_singular() -> None:
    assert doc_keys("sales", "en") == ("sales", "sale")
    assert doc_keys("news", "en") == ("news",)


def test_the_analyser_loads_only_for_russian_or_ukrainian() -> None:
    code = (
        "import sys\n"
        "from monitor.text.keys import doc_keys, rule_alternatives\n"
        "doc_keys('China', 'en'); rule_alternatives('défense', 'fr')\n"
        "print('pymorphy3' in sys.modules)\n"
        "doc_keys('Китай', 'ru')\n"
        "print('pymorphy3' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True"]
