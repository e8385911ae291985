"""Any text as a query or a rule file (or config.yaml) gives a valid rule set or an error that
says where the problem is: never another exception, never a hang."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from monitor.config import load_config
from monitor.errors import ConfigError, QuerySyntaxError, RuleError
from monitor.matching import load_rules
from monitor.matching.query import MAX_NESTING, parse_query, parse_term
from monitor.models import Document
from monitor.text.analysis import analyze

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

query_tokens = st.sampled_from([
    "AND", "OR", "NOT", "NEAR/3", "NEAR/", "NEAR/x", "(", ")", '"', "«", "»", "“", "”", "*",
    "defen*", "*x", "@", "@topic", "@missing", "title:", "body:", "source:", "lang:", "url:",
    "lang:en", "source:wire", "~", "~2", '"arms sales"~3', "китай", "中国", "ё", "-", "'",
    "\\", "\x00", "\ud800", "\u200b", " ", "\n", "\t", "a", "word",
])
queries = st.lists(query_tokens | st.text(max_size=6), max_size=25).map(" ".join) | st.text()


@settings(max_examples=500, deadline=None)
@given(query=queries)
def test_any_query_parses_or_says_where(query: str) -> None:
    try:
        parse_query(query)
    except QuerySyntaxError as exc:
        assert 0 <= exc.position <= len(query)
        assert "character" in str(exc) or "end" in str(exc) or "empty" in str(exc)
    try:
        parse_term(query)
    except QuerySyntaxError as exc:
        assert 0 <= exc.position <= len(query)


@pytest.mark.parametrize("query", [
    "(" * 5000 + "a" + ")" * 5000, "NOT " * 5000 + "a", "title:(" * 3000 + "a" + ")" * 3000,
    '"' * 10001, "a AND " * 20000 + "a", "a NEAR/3 " * 3000 + "a",
])
def test_pathological_queries(query: str) -> None:
    try:
        parse_query(query)
    except QuerySyntaxError as exc:
        assert 0 <= exc.position <= len(query)


def rules_dir(tmp: Path, text: str | bytes) -> Path:
    folder = tmp / "rules"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    path = folder / "fuzz.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, errors="surrogatepass")
    return folder


def load(folder: Path) -> None:
    """Load the rules; when they are valid, run them on a document too."""
    try:
        rules = load_rules(folder, languages=["en", "ru"], notifiers=["mail"], sources=["wire"])
    except RuleError as exc:
        assert exc.errors
        for err in exc.errors:
            assert err.location is not None and err.location.file.endswith("fuzz.yaml")
            assert str(err).startswith(str(err.location))
        return
    doc = Document(id="d", source="wire", title="Китай and arms sales", body="word defence")
    rules.match(analyze(doc, ["en", "ru"]), doc)


def rule_file(query: str) -> str:
    quoted = query.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return (
        "topics:\n  topic:\n    terms: [arms sales, defence]\n"
        "entities:\n  cn: {kind: country, country: CN}\n"
        f'rules:\n  - id: fuzz\n    query: "{quoted}"\n'
    )


@FUZZ
@given(query=queries)
@example(query="\u0300")  # a word of one combining accent has an empty key
@example(query="0:\u0300")
def test_any_query_in_a_rule_file_loads_or_says_where(tmp_path: Path, query: str) -> None:
    load(rules_dir(tmp_path, rule_file(query)))


yaml_tokens = st.sampled_from([
    "rules:", "topics:", "entities:", "\n", "  ", "- ", "id: ", "query: ", "terms: ", "kind: ",
    "country: ", "examples:", "match:", "no_match:", "digest: ", "notify: ", "sources: ",
    "languages: ", "min_score: ", "enabled: ", "a", "x-1", "[", "]", "{", "}", ",", ":", "'",
    '"', "&a ", "*a", "!!str ", "!!python/object:os.system ", "%YAML 1.1\n", "---\n", "...\n",
    "#", "@topic", "AND", "daily", "0 8 * * *", "1e999", "-1", "~", "null", "\t", "\x00",
    "\ufeff", "mail", "wire", "CN", "person", "ru", "en",
])
yaml_texts = st.lists(yaml_tokens | st.text(max_size=5), max_size=40).map("".join)


@FUZZ
@given(text=yaml_texts)
def test_any_rule_file_text_loads_or_says_where(tmp_path: Path, text: str) -> None:
    load(rules_dir(tmp_path, text))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_any_rule_file_bytes_load_or_say_where(tmp_path: Path, data: bytes) -> None:
    load(rules_dir(tmp_path, data))


def alias_bomb(key: str = "x") -> str:
    lines = ["lol0: &l0 [" + ", ".join([key] * 9) + "]"]
    lines += [f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text", [
    alias_bomb() + "rules: []\n",
    "topics:\n" + "".join(f"  t{i}:\n    terms: " + ("&a0 [x, x, x, x, x, x, x, x, x]" if i == 0
                          else f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]") + "\n"
                          for i in range(10)) + "rules: []\n",
    "rules: &r [*r]\n",
    "rules:\n  - &m {id: a, query: x, examples: *m}\n",
    "rules: " + "[" * 5000 + "]" * 5000 + "\n",
    "rules:\n" + "".join("  " * i + f"k{i}:\n" for i in range(3000)),
    "rules: !!python/object/apply:os.system ['echo unsafe']\n",
    "rules:\n  - id: deep\n    query: '" + "(" * MAX_NESTING + "word" + ")" * MAX_NESTING + "'\n",
    "rules:\n  - id: deep\n    query: '" + "NOT " * (MAX_NESTING + 1) + "word'\n",
    "rules:\n  - {id: a, query: x, min_score: 1e999999, max_per_hour: 999999999999999999999}\n",
], ids=["alias-bomb", "alias-bomb-in-terms", "recursive-list", "recursive-map", "deep-flow",
        "deep-block", "python-tag", "deepest-query", "too-deep-query", "huge-numbers"])
def test_hostile_rule_files(tmp_path: Path, text: str) -> None:
    load(rules_dir(tmp_path, text))


def test_an_alias_bomb_in_config_yaml_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(alias_bomb("en") + "languages: *l9\n")
    with pytest.raises(ConfigError, match=r"config\.yaml:1:1: invalid YAML: the aliases expand"):
        load_config(path)


def test_the_fuzz_harness_loads_valid_rules(tmp_path: Path) -> None:
    folder = rules_dir(tmp_path, rule_file("@topic AND (@cn OR word) AND NOT lang:de"))
    rules = load_rules(folder, languages=["en", "ru", "de"], notifiers=["mail"],
                       sources=["wire"])
    doc = Document(id="d", source="wire", title="Китай and arms sales", body="word defence")
    assert [m.rule for m in rules.match(analyze(doc, ["en", "ru"]), doc)] == ["fuzz"]
    deepest = "(" * MAX_NESTING + "word" + ")" * MAX_NESTING
    load_rules(rules_dir(tmp_path, rule_file(deepest)), languages=["en"])
