"""`monitor analyze`: each word's readings, its keys in a document and what it meets in a rule."""

from __future__ import annotations

import pytest

from monitor.cli import main


def test_shows_readings_keys_and_what_a_rule_word_matches(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["analyze", "Лаврова политики Токаев", "--lang", "ru"]) == 0
    out = capsys.readouterr().out
    word = {block.split("\n", 1)[0]: block for block in out.split("\n\n")[1:]}
    assert "Surn" in word["Лаврова"] and "carries the keys: лавров\n" in word["Лаврова"]
    # the genitive of policy and the plural of politician: both readings are kept
    assert "carries the keys: политик, политика" in word["политики"]
    # a surname the dictionary does not know: its forms, met only with a capital
    assert "written with a capital: токаев, токаева" in word["Токаев"]


def test_a_short_word_stays_literal_and_an_unknown_language_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["analyze", "Си", "--lang", "ru"]) == 0
    assert "the word itself: си" in capsys.readouterr().out
    assert main(["analyze", "Си", "--lang", "xx"]) == 2
    assert "--lang xx: not a supported language" in capsys.readouterr().err


def test_a_detected_language_is_said_to_be_detected(capsys: pytest.CaptureFixture[str]) -> None:
    # "China's" alone reads as Spanish to the detector: the output must not pass that off
    # as a fact (the keys then differ from an English document's)
    assert main(["analyze", "China's"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("language: ") and "(detected" in first and "--lang" in first
    assert main(["analyze", "China's", "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "language: en"
