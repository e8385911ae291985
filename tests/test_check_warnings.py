"""`monitor check` warnings: rules that load but probably do not do what was meant. They are
printed with file:line:column and leave the exit status 0, unless --strict."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitor.cli import main


def check(project: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["check", *extra, "--config", str(project / "config.yaml")])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def add(project: Path, name: str, text: str) -> Path:
    path = project / "rules" / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_shipped_rules_have_no_warnings(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(project, capsys, "--strict")
    assert code == 0, out
    assert "warning" not in out


def test_lower_case_operators_are_pointed_at(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add(project, "draft.yaml", """
        topics:
          sanctions: {terms: [sanctions]}
        rules:
          - id: draft
            query: '@sanctions and Russia or Moscow'
        """)
    code, out = check(project, capsys)
    assert code == 0
    assert (f"{path}:6:24: warning: 'and' in lower case is a word that must be in the document, "
            "not an operator (did you mean AND?) (rule draft)") in out
    assert f"{path}:6:35: warning: 'or' in lower case" in out and "did you mean OR?" in out
    assert out.splitlines()[-1].endswith("; 2 warnings")
    assert check(project, capsys, "--strict")[0] == 1


def test_terms_that_never_match_or_match_everything(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add(project, "draft.yaml", """
        topics:
          junk:
            terms:
              en: [the, "of the", Китай, tanks]
        rules:
          - id: draft
            query: '@junk AND @china'
            languages: [en]
        """)
    code, out = check(project, capsys)
    assert code == 0
    assert (f"{path}:5:12: warning: the term 'the' (in @junk) is only very common words: it "
            "matches nearly every document (rule draft)") in out
    assert "the term 'of the' (in @junk) is only very common words" in out
    assert (f"{path}:5:27: warning: the term 'Китай' (in @junk) is written in Cyrillic script and "
            "can never match in en (rule draft)") in out
    assert "'tanks'" not in out


def test_russian_words_with_a_form_of_a_commoner_word(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add(project, "draft.yaml", """
        topics:
          steel:
            terms:
              ru: [сталь, "производство стали", нефть]
              en: [steel]
        entities:
          kohl: {terms: {ru: [Коль]}}
        rules:
          - {id: draft, query: '@steel AND @kohl'}
        """)
    code, out = check(project, capsys)
    assert code == 0
    assert (f"{path}:5:12: warning: the term 'сталь' (in @steel) also matches 'стали', more "
            "often a form of 'стать': put it in phrases or ask for the words around it "
            "(NEAR, SENT) (rule draft)") in out
    # a phrase, a word without such a form, and a name (matched where capitalised) are fine
    assert out.count("also matches") == 1


def test_english_words_with_a_second_sense_common_in_the_news(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add(project, "draft.yaml", """
        topics:
          strikes:
            terms:
              en: [strikers, "on strike", walkout, Court]
              ru: [забастовка]
          polls: {terms: [polls, "opinion poll"]}
        entities:
          britain: {terms: {en: [Britain]}}
        rules:
          - {id: draft, query: '(@strikes OR @polls) AND @britain'}
        """)
    code, out = check(project, capsys)
    assert code == 0
    assert (f"{path}:5:12: warning: the term 'strikers' (in @strikes) often has another sense "
            "in the news (a football forward): put it in phrases or ask for the words around "
            "it (NEAR, SENT) (rule draft)") in out
    assert ("the term 'polls' (in @polls) often has another sense in the news (polls of "
            "magazines, awards and viewers)") in out
    # phrases, words without a listed sense, names (capitalised) and other languages are fine
    assert out.count("another sense") == 2
    assert check(project, capsys, "--strict")[0] == 1


def test_an_example_passing_only_through_another_files_topic(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(project, "vocab.yaml", "topics:\n  sanctions: {terms: [sanctions]}\n")
    path = add(project, "draft.yaml", """
        rules:
          - id: draft
            query: 'Russia OR @sanctions'
            languages: [en]
            examples:
              match: ["Russia is mentioned here", "New sanctions\\nOn Iran, by the EU."]
        """)
    code, out = check(project, capsys)
    assert code == 0
    (line,) = [x for x in out.splitlines() if ": warning: the example" in x]
    assert line.startswith(f"{path}:7:43: warning: the example passes only through @sanctions, "
                           "defined with other rules in ")


def test_examples_left_to_detection_get_a_hint_that_is_no_warning(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add(project, "draft.yaml", """
        rules:
          - id: draft
            query: 'Huawei'
            examples:
              match: [{title: Huawei opens a lab, language: en}, "Huawei ouvre un laboratoire"]
              no_match: ["Samsung opens a lab"]
        """)
    code, out = check(project, capsys, "--strict")
    assert code == 0, out
    (line,) = [x for x in out.splitlines() if ": hint: " in x]
    assert line.startswith(f"{path}:6:58: hint: 2 example(s) state no language (this is the "
                           "first): it is detected")
    assert "language: en}" in line
    assert "warning" not in out
    path.write_text(path.read_text(encoding="utf-8").replace(
        '"Huawei ouvre un laboratoire"', "{title: Huawei ouvre un laboratoire, language: fr}"
    ).replace('"Samsung opens a lab"', "{title: Samsung opens a lab, language: en}"),
        encoding="utf-8")
    code, out = check(project, capsys, "--strict")
    assert code == 0, out
    assert "hint" not in out


def test_a_stated_language_is_the_one_the_example_is_matched_in(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(project, "draft.yaml", """
        rules:
          - id: draft
            query: 'lab AND lang:en'
            examples:
              match: [{title: Huawei opens a lab, language: fr}]
        """)
    code, out = check(project, capsys)
    assert code == 2
    assert "example does not match: 'Huawei opens a lab' (language fr) (rule draft)" in out
