"""Text analysis: normalisation, tokens with offsets, keys, language detection, HTML."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import unicodedata

import pytest

from monitor.models import Document
from monitor.text.analysis import analyze, analyze_text, term_keys
from monitor.text.keys import alternatives_of, word_key
from monitor.text.languages import detect_language
from monitor.text.normalize import normalize_text
from monitor.text.tokens import tokenize


def words(text: str) -> list[str]:
    return [text[a:b] for a, b in tokenize(text)]


def test_tokens_keep_hyphens_apostrophes_and_combining_marks() -> None:
    text = "О военно-техническом: China's «Китай» l'armée हिन्दी Ки\u0301тай 2024."
    assert words(text) == [
        "О", "военно-техническом", "China's", "Китай", "l'armée", "हिन्दी", "Ки\u0301тай", "2024",
    ]


def test_offsets_point_into_the_normalised_text() -> None:
    decomposed = unicodedata.normalize("NFD", "Café &amp; Китаем")
    field = analyze_text(decomposed, "fr")
    assert field.text == "Café & Китаем"
    assert [field.text[a:b] for a, b in field.spans] == ["Café", "Китаем"]


@pytest.mark.parametrize(("text", "language"), [
    ("оборонной промышленности", "ru"), ("военно-техническое ЁЛКА «Китаем»", "ru"),
    ("China's DEFENCE &amp; arms-sales", "en"), ("l’armée Café", "fr"), ("北京 Пекин", "zh"),
])
def test_rule_terms_meet_the_same_text_in_a_document(text: str, language: str) -> None:
    features = term_keys(text, language)
    entries = analyze_text(text, language).entries
    assert len(features) == len(entries)
    for feature, (keys, _, also) in zip(features, entries, strict=True):
        assert set(alternatives_of(feature)) & {*keys, *also}, (feature, keys, also)


def test_offsets_of_each_token_are_those_of_the_tokeniser() -> None:
    text = "Китай, Китая и Китаем: китай-Китай; «Китай» Китай's Китай Китай"
    field = analyze_text(text, "ru")
    assert [field.text[slice(*field.span(i))] for i in range(3)] == ["Китай", "Китая", "и"]
    assert field.spans == tokenize(text)


@pytest.mark.parametrize(
    ("word", "lang", "key"),
    [
        ("Китаем", "ru", "китай"), ("Китая", "ru", "китай"), ("Китае", "ru", "китай"),
        ("кита", "ru", "кит"), ("Баку", "ru", "баку"), ("оборонной", "ru", "оборонный"),
        ("Москве", "ru", "москва"), ("Ёлки", "ru", "елка"), ("Ки\u0301тай", "ru", "китай"),
        ("BEIJING", "en", "beijing"), ("China's", "en", "china"), ("China’s", "en", "china"),
        ("defence", "en", "defense"), ("missiles", "en", "missile"),
        ("l'armée", "fr", "armee"), ("Défense", "fr", "defense"),
        ("Китаєм", "uk", "китай"), ("Panzern", "de", "panzer"),
    ],
)
def test_first_key_is_the_lemma(word: str, lang: str, key: str) -> None:
    assert word_key(word, lang) == key


def test_hyphenated_word_carries_its_parts() -> None:
    field = analyze_text("соглашение о военно-техническом сотрудничестве", "ru")
    keys, _, parts = field.entries[2]
    assert keys == ("военно-технический",)
    assert "технический" in parts
    assert field.keys[3] == ("сотрудничество",)


def test_analysis_uses_the_hint_or_detects_among_configured_languages() -> None:
    doc = Document(id="1", source="s", title="Азербайджан начинает диалог с Китаем",
                   body="в оборонной промышленности " * 20)
    assert analyze(doc, ["en", "ru", "uk"]).language == "ru"
    assert analyze(doc.model_copy(update={"language": "uk"}), ["en", "ru"]).language == "uk"
    assert analyze(doc, ["en", "de"]).language in ("en", "de")  # restricted to the list
    assert analyze(doc.model_copy(update={"language": "ru-RU"}), ["en", "ru"]).language == "ru"
    # an unusable hint is ignored: the language is detected
    assert analyze(doc.model_copy(update={"language": "xx"}), ["en", "ru"]).language == "ru"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Beijing's arms sales to the region grew last year, officials said.", "en"),
        ("Азербайджан начинает диалог с Китаем в оборонной промышленности", "ru"),
        ("Азербайджан розпочинає діалог з Китаєм в оборонній промисловості", "uk"),
        ("Die Bundesregierung hat die Rüstungsexporte nach China gestoppt.", "de"),
        ("Le gouvernement a annoncé une coopération militaire avec la Chine.", "fr"),
        ("El gobierno anunció una cooperación militar con China este año.", "es"),
        ("中国外交部发言人在例行记者会上回答了问题", "zh"),
    ],
)
def test_detection(text: str, lang: str) -> None:
    assert detect_language(text, ["en", "ru", "uk", "de", "fr", "es", "zh"]) == lang


def test_detection_edge_cases() -> None:
    assert detect_language("anything", ["ru"]) == "ru"
    assert detect_language("12345 !!!", ["en", "ru"]) == "en"  # nothing to tell: the first
    with pytest.raises(ValueError, match="unsupported"):
        detect_language("text", ["en", "xx"])


def test_html_entities_are_decoded_before_matching() -> None:
    assert normalize_text("&laquo;Китаем&raquo; &amp; Beijing&#39;s") == "«Китаем» & Beijing's"


def test_cjk_text_is_flagged_for_substring_matching() -> None:
    doc = Document(id="1", source="s", title="中国国防工业发展迅速", body="")
    analysis = analyze(doc, ["zh", "en"])
    assert analysis.language == "zh"
    assert analysis.title.cjk


def test_detection_is_not_fooled_by_a_foreign_looking_start() -> None:
    # the first 200 characters of this English article look German to the detector
    text = (
        "Telewest to challenge Sky Plus\n\nCable firm Telewest is to offer a personal video "
        "recorder (PVR) in a set -top box to challenge Sky Plus.\n\nSky Plus is the market "
        "leader in the field of digital video recorders in the UK, with 474,000 subscribers. "
        "PVRs record TV programmes to a hard drive, letting viewers pause live TV."
    )
    assert detect_language(text, ["en", "ru", "uk", "de", "fr", "es", "zh"]) == "en"


def test_the_russian_dictionary_is_loaded_once_for_text_and_rule_checks() -> None:
    """The daemon analyses Russian text and checks Russian rule terms for second senses: one
    analyser (about 0.3 s and 20 MB) serves both."""
    script = textwrap.dedent("""
        import logging
        logging.basicConfig(level=logging.INFO)
        from monitor.matching.homonyms import other_words
        from monitor.text.analysis import term_keys
        assert term_keys("сталь", "ru")
        assert other_words("сталь")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stderr.count("Loading dictionaries") == 1, done.stderr
