"""load_rules: every problem in rule files is reported with file:line:col and the id."""

from __future__ import annotations

import gc
import textwrap
from pathlib import Path

import pytest

from monitor.errors import RuleError
from monitor.matching import load_rules
from monitor.matching.compiler import Vocabulary

LANGS = ["en", "ru"]
VOCAB = """
topics:
  defence-cooperation:
    terms: {en: ["arms sales"], ru: ["оборонная промышленность"]}
entities:
  china:
    kind: country
    terms: {en: [China], ru: [Китай]}
"""


def write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(path: Path, **kwargs: object) -> list[str]:
    with pytest.raises(RuleError) as info:
        load_rules(path, languages=LANGS, **kwargs)  # type: ignore[arg-type]
    lines = str(info.value).splitlines()
    assert len(lines) == len(info.value.errors)
    return lines


def test_a_folder_is_read_recursively_in_file_order(tmp_path: Path) -> None:
    write(tmp_path, VOCAB, "vocab/common.yaml")
    write(tmp_path, """
        rules:
          - id: b-rule
            query: '@china'
          - id: a-rule
            title: A
            query: '@defence-cooperation'
            notify: [analysts]
            digest: '0 8 * * 1-5'
            languages: [ru]
            sources: [seeds]
            min_score: 0.5
            max_per_hour: 5
        """, "team/x.yaml")
    rules = load_rules(tmp_path, languages=LANGS, notifiers=["analysts"], sources=["seeds"])
    assert list(rules.rules) == ["b-rule", "a-rule"]
    a = rules.rules["a-rule"]
    assert (a.title, a.notify, a.digest, a.languages, a.sources) == (
        "A", ("analysts",), "0 8 * * 1-5", ("ru",), ("seeds",))
    assert (a.min_score, a.max_per_hour, a.line) == (0.5, 5, 5)
    assert a.file.endswith("x.yaml")
    b = rules.rules["b-rule"]
    assert (b.title, b.notify, b.digest, b.languages, b.min_score) == (
        "b-rule", None, "immediate", None, 0.0)


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  - id: x\n    query: [unclosed\n")
    (line,) = problems(path)
    assert line.startswith(f"{path}:")
    assert "invalid YAML" in line


def test_a_rule_file_in_a_legacy_encoding_is_located(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes("rules:\n  - id: x\n    query: Китай\n".encode("cp1251"))
    assert problems(path) == [
        f"{path}:3:12: the file is not UTF-8 (byte 0xCA cannot be read): save it as UTF-8"
    ]


def test_unknown_key_with_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, VOCAB + textwrap.dedent("""
        rules:
          - id: x
            query: '@china'
            langauges: [ru]
        """))
    (line,) = problems(path)
    assert line == (f"{path}:13:5: unknown key 'langauges' (did you mean 'languages'?); the keys "
                    "are: description, digest, enabled, examples, id, languages, max_per_hour, "
                    "min_score, notify, query, sources, spreading, stories, title, within (rule x)")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path, "topic:\n  x: {terms: [a]}\n")
    (line,) = problems(path)
    assert f"{path}:1:1: unknown key 'topic' (did you mean 'topics'?)" in line


def test_unknown_reference_with_did_you_mean_points_into_the_query(tmp_path: Path) -> None:
    path = write(tmp_path, VOCAB + textwrap.dedent("""
        rules:
          - id: x
            query: '@defence-cooperation AND @chian'
        """))
    (line,) = problems(path)
    # the quote is at column 11; @chian starts 25 characters into the query
    assert line == (f"{path}:12:38: unknown reference @chian (did you mean 'china'?); the "
                    "topics and entities are: china, defence-cooperation (rule x)")


def test_query_syntax_error_position(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  - id: x\n    query: (China OR Beijing\n")
    (line,) = problems(path)
    assert line == f"{path}:3:12: query: unclosed '(' at character 1 (rule x)"


def test_every_problem_is_listed_one_per_line(tmp_path: Path) -> None:
    write(tmp_path, VOCAB, "a.yaml")
    path = write(tmp_path, """
        rules:
          - id: one
            query: '@nothing'
          - id: two
            query: 'China NEAR b'
          - id: one
            query: China
          - id: Bad_Id
            query: China
          - id: three
            query: China
            notify: [analyst]
            sources: [sedes]
          - id: four
            query: China
            digest: sometimes
        """, "b.yaml")
    lines = problems(tmp_path, notifiers=["analysts", "atom"], sources=["seeds"])
    text = "\n".join(lines)
    assert lines[0] == (f"{path}:4:13: unknown reference @nothing; the topics and entities are: "
                        "china, defence-cooperation (rule one)")
    assert "NEAR needs a distance" in text and "(rule two)" in text
    assert f"{path}:7:9: duplicate rule id 'one', first defined at {path}:3:5 (rule one)" in text
    assert "Bad_Id" in text
    assert "unknown notifier 'analyst' (did you mean 'analysts'?); the notifiers in config.yaml " \
           "are: analysts, atom (rule three)" in text
    assert "unknown source 'sedes' (did you mean 'seeds'?); the sources in config.yaml are: " \
           "seeds (rule three)" in text
    assert f"{path}:17:5: digest: 'sometimes' is not immediate, hourly, daily or a cron" in text
    assert len(lines) == 7


def test_reference_cycle(tmp_path: Path) -> None:
    path = write(tmp_path, """
        topics:
          a: {terms: ["x", "@b"]}
          b: {terms: ["@a"]}
        rules:
          - id: r
            query: '@a'
        """)
    (line,) = problems(path)
    assert line == f"{path}:3:3: reference cycle: @a -> @b -> @a (topic a)"


def test_duplicate_topic_name_across_files(tmp_path: Path) -> None:
    write(tmp_path, VOCAB, "a.yaml")
    path = write(tmp_path, "topics:\n  china: {terms: [x]}\n", "b.yaml")
    (line,) = problems(tmp_path)
    assert line.startswith(f"{path}:2:3: duplicate name 'china', first defined at ")


def test_failing_examples_are_reported_with_their_line(tmp_path: Path) -> None:
    path = write(tmp_path, VOCAB + textwrap.dedent("""
        rules:
          - id: x
            query: '@defence-cooperation AND @china'
            examples:
              match:
                - "Азербайджан начинает диалог с Китаем в оборонной промышленности"
                - "Китай запустил новый спутник связи"
              no_match:
                - "China boosts arms sales"
        """))
    lines = problems(path)
    assert lines[0].startswith(f"{path}:16:11: example does not match: 'Китай запустил")
    assert lines[1].startswith(f"{path}:18:11: example under no_match matches: 'China boosts")
    assert "hits: China, arms sales" in lines[1]
    load_rules(path, languages=LANGS, check_examples=False)  # still valid otherwise


def test_unknown_language_and_unconfigured_rule_language(tmp_path: Path) -> None:
    path = write(tmp_path, """
        topics:
          t: {terms: {xx: [a], en: [b]}}
        rules:
          - id: r
            query: '@t'
            languages: [de]
        """)
    text = "\n".join(problems(path))
    assert "unknown language 'xx'" in text
    assert "unknown language 'de'; the languages in config.yaml are: en, ru (rule r)" in text


def test_an_examples_stated_language_must_be_a_language_code(tmp_path: Path) -> None:
    path = write(tmp_path, """
        rules:
          - id: r
            query: 'tariffs'
            examples:
              match:
                - {title: 'Tariffs rise', language: eng}
                - {title: 'Tariffs fall', language: en-GB}
        """)
    assert problems(path) == [
        f"{path}:7:45: unknown language 'eng' (did you mean 'en'?); the languages the monitor "
        "knows are: ar, bg, ca, cs, da, de, el, en, es, et, fa, fi, fr, ga, hi, hu and 23 more "
        "(example of rule r)"]


def test_filters_must_name_a_configured_language_and_source(tmp_path: Path) -> None:
    path = write(tmp_path, """
        rules:
          - id: r1
            query: 'China AND lang:de'
          - id: r2
            query: 'China AND (source:seed OR source:wire)'
          - id: r3
            query: 'China AND lang:RU AND source:seeds'
        """)
    lines = problems(path, sources=["seeds", "wire"])
    assert lines == [
        f"{path}:4:23: lang:de: unknown language 'de'; the languages in config.yaml are: en, ru "
        "(rule r1)",
        f"{path}:6:24: source:seed: unknown source 'seed' (did you mean 'seeds'?); the sources in "
        "config.yaml are: seeds, wire (rule r2)",
    ]  # lang:RU is lang:ru


def test_a_rule_that_can_match_in_none_of_its_languages_is_refused(tmp_path: Path) -> None:
    write(tmp_path, VOCAB, "vocab.yaml")
    write(tmp_path, """
        topics:
          russian-only: {terms: {ru: [оборонный]}}
        rules:
          - id: wrong-language
            query: '@russian-only AND @china'
            languages: [en]
          - id: wrong-filter
            query: 'lang:en AND @russian-only'
          - id: fine
            query: '(lang:en AND @china) OR @russian-only'
            languages: [ru]
          - id: fine-too
            query: '@russian-only OR China'
            languages: [en]
        """)
    lines = problems(tmp_path)
    assert lines == [
        f"{tmp_path / 'rules.yaml'}:6:12: the rule can never match: its query can match only "
        "in ru, and its languages: are en (rule wrong-language)",
        f"{tmp_path / 'rules.yaml'}:9:12: the query can match in no language: the languages "
        "of its terms and lang: filters have none in common (rule wrong-filter)",
    ]


def test_not_only_query_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  - id: r\n    query: NOT China\n")
    (line,) = problems(path)
    assert "needs at least one word that must be present" in line


def test_near_on_and_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  - id: r\n    query: (a AND b) NEAR/3 c\n")
    (line,) = problems(path)
    assert "NEAR works on words" in line and "(rule r)" in line


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="does not exist"):
        load_rules(tmp_path / "nope", languages=LANGS)


def test_disabled_rule_is_validated_but_not_loaded(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  - {id: r, query: China, enabled: false}\n")
    assert len(load_rules(path, languages=LANGS).rules) == 0


def test_shipped_rules_and_examples_are_valid() -> None:
    root = Path(__file__).resolve().parents[2]
    rules = load_rules(root / "rules", languages=["en", "ru", "uk", "de", "fr", "es", "zh"],
                       notifiers=["analysts", "atom"], sources=["seeds"])
    assert "defence-china" in rules.rules


def test_loading_leaves_no_garbage_for_the_cyclic_collector(tmp_path: Path) -> None:
    """What loading builds and drops is freed at once: reloads of a large rule set must
    not leave a copy of its vocabularies waiting for (or frozen out of) the collector."""
    rule = "rules:\n  - {id: r, query: '@defence-cooperation AND @china'}\n"
    path = write(tmp_path, VOCAB + rule)
    gc.collect()
    gc.disable()
    try:
        load_rules(path, languages=LANGS)
        assert not [o for o in gc.get_objects() if isinstance(o, Vocabulary)]
    finally:
        gc.enable()
