"""Read YAML while remembering where every value came from, for errors that name file:line:col."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

import yaml
from pydantic import ValidationError

from monitor.errors import Location

Positions = dict[tuple[str | int, ...], Location]
# Aliases can make a few lines stand for billions of values ("billion laughs"); a document
# whose values, aliases expanded, outnumber this is refused before anything walks it.
MAX_VALUES = 200_000


# A safe loader (no custom tags, no Python objects), through libyaml when PyYAML has it:
# rule sets grow to 100,000 rules, which the pure-Python parser takes a minute to read.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _positions(node: yaml.Node, path: tuple[str | int, ...], file: str, out: Positions,
               seen: set[int] | None = None) -> None:
    mark = node.start_mark
    out[path] = Location(file=file, line=mark.line + 1, column=mark.column + 1)
    seen = set() if seen is None else seen
    if id(node) in seen:  # an alias: its contents are located where the anchor is
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, str(key_node.value))
            _positions(value_node, child, file, out, seen)
            # a key's own position is more useful than its value's for "unknown key" errors
            km = key_node.start_mark
            out[(*child, "__key__")] = Location(file=file, line=km.line + 1, column=km.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _positions(item, (*path, i), file, out, seen)


def check_expansion(node: yaml.Node, limit: int = MAX_VALUES) -> None:
    """Raise a YAML error when the document, aliases expanded, holds over `limit` values."""
    if _expanded(node, {}, limit) > limit:
        raise yaml.composer.ComposerError(
            None, None, f"the aliases expand to more than {limit} values", node.start_mark)


def _expanded(node: yaml.Node, memo: dict[int, int], limit: int) -> int:
    """How many values the node stands for with every alias expanded (a cycle counts once)."""
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = 1
    count = 1
    if isinstance(node, yaml.MappingNode):
        count += sum(_expanded(k, memo, limit) + _expanded(v, memo, limit)
                     for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        count += sum(_expanded(item, memo, limit) for item in node.value)
    memo[id(node)] = count = min(count, limit + 1)
    return count


def load_yaml(
    text: str, file: str, *, max_values: int = MAX_VALUES
) -> tuple[Any, Positions]:
    """Parse one YAML document; return the data and the position of every key and item.

    Raises yaml.YAMLError (with a problem_mark) on a syntax error.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            check_expansion(node, max_values)
        data = None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()
    positions: Positions = {}
    if node is not None:
        _positions(node, (), file, positions)
    return data, positions


def yaml_error_location(exc: yaml.YAMLError, file: str) -> Location:
    """The place a YAML syntax error points at."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return Location(file=file)
    return Location(file=file, line=mark.line + 1, column=mark.column + 1)


def locate(positions: Positions, loc: Sequence[str | int], file: str) -> Location:
    """The position of the deepest known prefix of a pydantic error location."""
    path = tuple(loc)
    key_pos = positions.get((*path, "__key__"))
    if key_pos:
        return key_pos
    while path:
        if path in positions:
            return positions[path]
        path = path[:-1]
    return positions.get((), Location(file=file))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a choice is close to `word`, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def validation_messages(
    exc: ValidationError,
    positions: Positions,
    file: str,
    known_keys: Iterable[str] = (),
) -> list[tuple[Location, str]]:
    """Turn a pydantic ValidationError into (location, message) pairs a user can act on."""
    keys = sorted(set(known_keys))
    out: list[tuple[Location, str]] = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not _is_union_tag(p)]
        where = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            key = str(loc[-1]) if loc else ""
            message = f"unknown key {key!r}{did_you_mean(key, keys)}"
        else:
            message = f"{where}: {err['msg']}"
        out.append((locate(positions, loc, file), message))
    return out


def _is_union_tag(part: object) -> bool:
    # pydantic adds the discriminator value (e.g. 'folder') or a function name to union paths
    return isinstance(part, str) and (part.startswith("function-") or part in _TAGS)


_TAGS: set[str] = set()


def register_union_tags(tags: Iterable[str]) -> None:
    """Tell `validation_messages` which path parts are discriminator tags, not keys."""
    _TAGS.update(tags)
