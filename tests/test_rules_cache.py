"""The compiled rules kept in the cache folder: a second `monitor check` or `monitor test`
reads them back instead of loading dictionaries and language models, says the same, and a
changed rule file, or a damaged entry, is compiled again."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import pytest

from monitor.cli import main
from tests.cli.test_startup import loaded

# what compiling the shipped rules and verifying their examples loads: the language
# detector's models, the Russian and Ukrainian analysers, the English lemma tables
LANGUAGE_DATA = {"lingua", "pymorphy3", "lemminflect"}


def check(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["check", "--config", str(project / "config.yaml")])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def entries(project: Path) -> list[Path]:
    return sorted((project / "out" / "cache").glob("rules-*.pickle"))


def test_a_second_check_reads_the_compiled_rules_back(project: Path) -> None:
    code, first = loaded("check", "--config", "config.yaml", cwd=project)
    assert code == 0 and first & LANGUAGE_DATA
    assert len(entries(project)) == 1
    code, second = loaded("check", "--config", "config.yaml", cwd=project)
    assert code == 0
    assert not second & LANGUAGE_DATA


def test_a_changed_rule_file_is_compiled_again(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(project, capsys)[0] == 0
    rules = project / "rules" / "defence.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        '"Beijing\'s arms sales to the region grew last year"',
        '"Beijing opened a new airport"'), encoding="utf-8")
    code, out = check(project, capsys)
    assert code == 2
    assert "example does not match: 'Beijing opened a new airport' (language en)" in out
    assert len(entries(project)) == 1  # invalid rules are not kept; the valid entry stays


def test_warnings_are_kept_with_the_rules(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "rules" / "draft.yaml").write_text(textwrap.dedent("""
        topics:
          sanctions: {terms: [sanctions]}
        rules:
          - id: draft
            query: '@sanctions and Russia'
        """), encoding="utf-8")
    first, second = check(project, capsys), check(project, capsys)
    assert first == second
    assert first[0] == 0 and "'and' in lower case" in first[1]


def test_a_damaged_entry_is_compiled_again_and_replaced(
    project: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    assert check(project, capsys)[0] == 0
    [entry] = entries(project)
    entry.write_bytes(entry.read_bytes()[:200])
    with caplog.at_level(logging.WARNING, logger="monitor.cache"):
        code, out = check(project, capsys)
    assert code == 0, out
    assert f"cache entry {entry}" in caplog.text
    assert len(entry.read_bytes()) > 200  # replaced by a whole one


def test_the_cache_folder_is_configurable_and_test_says_the_same_warm(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "cache: elsewhere/\n",
                      encoding="utf-8")
    argv = ["test", "seeds/", "--json", "--config", str(config)]
    outputs = []
    for _ in range(2):
        assert main(argv) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and '"rule": "defence-china"' in outputs[0]
    assert list((project / "elsewhere").glob("rules-*.pickle"))
    assert not (project / "out" / "cache").exists()


def test_dictionaries_kept_as_tries_give_the_same_lemmas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every entry of a simplemma dictionary reads back the same from the trie kept in
    the cache folder, once built (here English, made to count as large)."""
    from simplemma.strategies.dictionaries.dictionary_factory import DefaultDictionaryFactory

    from monitor.text import dictionaries
    from monitor.text.dictionaries import KeptTries

    plain = DefaultDictionaryFactory().get_dictionary("en")
    monkeypatch.setattr(dictionaries, "LARGE", 0)
    KeptTries(tmp_path, build=True).get_dictionary("en")  # what the builder process does
    [kept] = list(tmp_path.rglob("en.dic"))
    assert not list(tmp_path.rglob("*.tmp"))
    assert kept.stat().st_mode & 0o077 == 0
    trie = KeptTries(tmp_path).get_dictionary("en")  # read from the file
    assert len(trie) == len(plain)
    assert all(trie.get(word) == lemma for word, lemma in plain.items())


def test_a_missing_trie_is_built_in_the_background_and_small_ones_never(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without its trie, a large dictionary is decoded as before (the same lemmas at once)
    and its trie left to a background process; a small one is only decoded."""
    from monitor.text import dictionaries
    from monitor.text.dictionaries import KeptTries

    started: list[tuple[Path, str]] = []
    monkeypatch.setattr(dictionaries, "build_in_background",
                        lambda folder, lang: started.append((folder, lang)))
    assert KeptTries(tmp_path).get_dictionary("en").get("houses") == "house"
    assert started == []  # small: no trie
    monkeypatch.setattr(dictionaries, "LARGE", 0)
    assert KeptTries(tmp_path).get_dictionary("en").get("houses") == "house"
    assert started == [(tmp_path, "en")]
    assert not list(tmp_path.rglob("*.dic"))
