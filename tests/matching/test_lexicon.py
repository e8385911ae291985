"""What a rule set's lexicon finds in a document: features and where they occur."""

from __future__ import annotations

import pytest

from monitor.matching import lexicon as lexicon_module
from monitor.matching.lexicon import CJK_MARK, PREFIX_MARK, Features, Lexicon
from monitor.models import Document
from monitor.text.analysis import analyze


def _read(lexicon: Lexicon, title: str, body: str, lang: str = "ru") -> Features:
    doc = Document(id="1", source="s", title=title, body=body, language=lang)
    return lexicon.read(analyze(doc, [lang]))


def test_words_carry_the_keys_rules_use_in_any_form() -> None:
    lexicon = Lexicon("ru", ["китай", "сотрудничество"], [], [])
    found = _read(lexicon, "Китай и Россия", "Сотрудничество с Китаем. Китая нет.")
    assert found.present == {"китай", "сотрудничество"}  # "россия": no rule uses it
    assert found.positions("title", "китай") == [0]
    assert found.positions("body", "китай") == [2, 3]
    assert found.positions("body", "россия") == []


def test_hyphenated_word_carries_its_parts() -> None:
    lexicon = Lexicon("ru", ["военно-технический", "технический"], [], [])
    found = _read(lexicon, "", "соглашение о военно-техническом сотрудничестве")
    assert found.positions("body", "военно-технический") == [2]
    assert found.positions("body", "технический") == [2]


def test_prefixes_are_matched_whole_on_the_folded_form() -> None:
    lexicon = Lexicon("en", [], ["defen", "defence"], [])
    found = _read(lexicon, "DEFENDING", "the defence of defenders; a deft move", lang="en")
    assert found.present == {PREFIX_MARK + "defen", PREFIX_MARK + "defence"}
    assert found.positions("body", PREFIX_MARK + "defen") == [1, 3]
    assert found.positions("body", PREFIX_MARK + "defence") == [1]
    assert found.positions("title", PREFIX_MARK + "defen") == [0]


def test_cjk_terms_are_found_inside_words() -> None:
    lexicon = Lexicon("zh", [], [], ["国防", "军事"])
    found = _read(lexicon, "中国国防工业发展迅速", "", lang="zh")
    assert found.present == {CJK_MARK + "国防"}


def test_what_a_word_carries_is_learnt_once() -> None:
    lexicon = Lexicon("ru", ["китай"], [], [])
    _read(lexicon, "", "Китаем Китаем")
    assert lexicon["Китаем"] == ("китай",)
    assert lexicon["и"] == ()


def test_a_full_lexicon_starts_over_without_losing_positions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lexicon_module, "_CACHE_LIMIT", 2)
    lexicon = Lexicon("ru", ["китай", "пекин"], [], [])
    for body in ("Китай и Пекин", "Пекин, Китаем, Китая", "в Китае и в Пекине"):
        found = _read(lexicon, "", body)
        words = body.replace(",", "").split()
        assert found.positions("body", "китай") == [
            i for i, w in enumerate(words) if w.startswith("Кита")
        ]
        assert found.positions("body", "пекин") == [
            i for i, w in enumerate(words) if w.startswith("Пекин")
        ]
    assert len(lexicon) <= 4  # it was cleared on the way


def test_a_word_carries_each_prefix_once_however_many_lengths_the_rules_use() -> None:
    lexicon = Lexicon("en", [], ["unit", "unite", "united"], [])
    assert lexicon["unit"] == (PREFIX_MARK + "unit",)
    assert lexicon["united"] == tuple(PREFIX_MARK + p for p in ("unit", "unite", "united"))
