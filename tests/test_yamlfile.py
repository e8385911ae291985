"""YAML reading: the same data as PyYAML's safe loader, plus where every value came from."""

from __future__ import annotations

import pytest
import yaml

from monitor.errors import Location
from monitor.yamlfile import load_yaml

DOCUMENTS = [
    "a: 1\nb: [1, 2.5, true, null, 2020-01-02, 0x1f, .inf]\nc: 'quoted'\n",
    "x: &a {k: v}\ny: *a\n",
    "base: &b {p: 1, q: 2}\nd:\n  <<: *b\n  q: 3\n",
    "d:\n  <<: [{a: 1}, {b: 2}]\n  c: 3\n",
    "'1': one\n2: two\n~: n\nyes: y\n",
    "s: !!str 12\nt: !!binary aGVsbG8=\n",
    "rules:\n  - id: a\n    query: x\n  - id: b\n    query: y\n",
    "- plain\n- 'single'\n- \"double\"\n- |\n  block\n",
    "s: !!set {a, b}\no: !!omap [a: 1, b: 2]\np: !!pairs [a: 1, a: 2]\n",
    "x: &a !!set {q}\ny: *a\n",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_data_is_what_the_safe_loader_reads(text: str) -> None:
    data, _ = load_yaml(text, "f.yaml")
    assert data == yaml.safe_load(text)


def test_every_key_and_item_is_located() -> None:
    text = "rules:\n  - id: a\n    query: x AND y\n  - id: b\n"
    _, positions = load_yaml(text, "r.yaml")
    assert positions[("rules", 0, "query")] == Location(file="r.yaml", line=3, column=12)
    assert positions[("rules", 0, "query", "__key__")] == Location(file="r.yaml", line=3, column=5)
    assert positions[("rules", 1)] == Location(file="r.yaml", line=4, column=5)


def test_an_alias_is_the_anchored_object_and_located_at_the_anchor() -> None:
    data, positions = load_yaml("x: &a [1, 2]\ny: *a\n", "f")
    assert data["x"] is data["y"]
    assert positions[("y",)] == positions[("x",)]


def test_a_recursive_list_is_read_as_one() -> None:
    data, _ = load_yaml("l: &l [a, *l]\n", "f")
    assert data["l"][1] is data["l"]


def test_aliases_expanding_past_the_limit_are_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcde", "bcdef", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]")
    with pytest.raises(yaml.YAMLError, match="the aliases expand to more than 100000 values"):
        load_yaml("\n".join(lines) + "\n", "f", max_values=100_000)


def test_an_unhashable_key_is_a_yaml_error() -> None:
    with pytest.raises(yaml.YAMLError, match="unhashable"):
        load_yaml("? [1, 2]\n: v\n", "f")


def test_an_unknown_tag_is_a_yaml_error() -> None:
    with pytest.raises(yaml.YAMLError, match="constructor for the tag"):
        load_yaml("a: !python/object:os.system echo\n", "f")
