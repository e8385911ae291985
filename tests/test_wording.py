"""Messages in the user's words: no validator internals, paths as the docs write them, every
"unknown X" with the valid names."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.errors import ConfigError, RuleError
from monitor.matching import load_rules
from monitor.wording import dotted, unknown

INTERNALS = ("String should match pattern", "Field required", "Input tag", "Value error",
             "Input should be", "sources.1", "[^")


def config_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    for internal in INTERNALS:
        assert internal not in message
    return message


def test_paths_are_written_as_in_the_docs(tmp_path: Path) -> None:
    message = config_error(tmp_path, """
        sources:
          - {id: a, type: folder, path: a/}
          - {id: b, type: folder, path: b/, interval: often}
        """)
    assert "sources[1].interval: 'often' is not a duration" in message
    assert dotted(("sources", 1, "interval")) == "sources[1].interval"


def test_unknown_notifier_type_lists_the_types_with_did_you_mean(tmp_path: Path) -> None:
    message = config_error(tmp_path, """
        notifiers:
          - {name: n, type: emial, to: [a@example.org]}
        """)
    assert ("notifiers[0]: unknown notifier type 'emial' (did you mean 'email'?); the notifier "
            "types are: ") in message
    assert "atom, email" in message and "webhook" in message


def test_missing_key_and_bad_id_in_words(tmp_path: Path) -> None:
    message = config_error(tmp_path, """
        sources:
          - {id: "bad id", type: folder, path: a/}
          - {type: folder, path: b/}
        """)
    assert "sources[0].id: 'bad id' is not valid: use letters, digits" in message
    assert "sources[1]: the key 'id' is required" in message


def test_unknown_key_lists_the_keys_of_that_place(tmp_path: Path) -> None:
    message = config_error(tmp_path, """
        sources:
          - {id: a, type: folder, path: a/, intervall: 5s}
        """)
    assert "unknown key 'intervall' (did you mean 'interval'?); the keys in sources[0] are: " \
           "enabled, id, interval," in message


def rule_problems(tmp_path: Path, text: str, **kwargs: object) -> str:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_rules(path, languages=["en", "ru"], **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    for internal in INTERNALS:
        assert internal not in message
    return message


def test_rule_file_messages_in_words(tmp_path: Path) -> None:
    message = rule_problems(tmp_path, """
        topics:
          t: {}
        rules:
          - id: Bad Id
            query: x
          - id: ok
            query: x
            min_score: -1
            examples: {match: [{title: t, bdy: x}]}
          - id: other
            query: x
            notify: [emial]
        """, notifiers=["email", "atom"])
    assert "the key 'terms' is required (topic t)" in message
    assert "id: 'Bad Id' is not valid: use lower-case letters, digits and -" in message
    assert "min_score: must be at least 0, not -1" in message
    assert ("unknown notifier 'emial' (did you mean 'email'?); the notifiers in config.yaml "
            "are: atom, email") in message
    assert ("unknown key 'bdy' (did you mean 'body'?); the keys in examples.match[0] are: "
            "body, language, source, title, url") in message
    assert "examples.match[0].str" not in message  # the text form of an example is not blamed


def test_unknown_lists_many_names_briefly() -> None:
    names = [f"n{i:02d}" for i in range(30)]  # 16 listed
    message = unknown("source", "x", names)
    assert message.endswith("n15 and 14 more")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_several_rule_paths_are_merged_so_a_draft_uses_the_folder_topics(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    write(folder / "vocab.yaml", """
        topics:
          sanctions: {terms: [sanctions]}
        rules:
          - {id: live, query: '@sanctions'}
        """)
    draft = write(tmp_path / "drafts" / "x.yaml", """
        rules:
          - {id: draft, query: '@sanctions AND Russia'}
        """)
    rules = load_rules([folder, draft, folder / "vocab.yaml"], languages=["en"])
    assert list(rules.rules) == ["live", "draft"]  # a file given twice is read once


def test_a_duplicate_id_between_files_names_both(tmp_path: Path) -> None:
    first = write(tmp_path / "rules" / "a.yaml", "rules:\n  - {id: same, query: x}\n")
    second = write(tmp_path / "drafts" / "b.yaml", "rules:\n  - {id: same, query: y}\n")
    with pytest.raises(RuleError) as info:
        load_rules([first.parent, second], languages=["en"])
    message = str(info.value)
    assert message.startswith(f"{second}:2:")
    assert f"duplicate rule id 'same', first defined at {first}:2:" in message


def test_unknown_language_time_zone_and_source_list_or_hint_the_valid_names(
    tmp_path: Path,
) -> None:
    message = config_error(tmp_path, "languages: [en, rus]\n")
    assert "unknown language 'rus' (did you mean 'ru'?); the languages the monitor knows are: " \
        in message and "'de'" not in message  # names, not a Python list
    message = config_error(tmp_path, "delivery: {timezone: Europe/Berlim}\n")
    assert "unknown time zone 'Europe/Berlim' (did you mean 'Europe/Berlin'?)" in message
    path = tmp_path / "config.yaml"
    path.write_text("sources:\n  - {id: seeds, type: folder, path: seeds/}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path).source("seed")
    assert str(info.value) == ("unknown source 'seed' (did you mean 'seeds'?); the sources in "
                               "config.yaml are: seeds")
