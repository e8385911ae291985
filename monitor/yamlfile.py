"""Read YAML while remembering where every value came from, for errors that name file:line:col."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from monitor.errors import LocatedError, Location
from monitor.wording import (
    closest_arms,
    did_you_mean,  # re-exported: other modules import it from here
    dotted,
    friendly,
    is_arm,
    keys_at,
    unknown,
)

__all__ = ["MAX_VALUES", "Positions", "YamlFileError", "did_you_mean", "load_yaml", "locate",
           "read_yaml_file", "validation_messages", "yaml_error_location"]

Positions = dict[tuple[str | int, ...], Location]
# Aliases can make a few lines stand for billions of values ("billion laughs"); a document
# whose values, aliases expanded, outnumber this is refused before anything walks it.
MAX_VALUES = 200_000


# A safe loader (no custom tags, no Python objects), through libyaml when PyYAML has it:
# rule sets grow to 100,000 rules, which the pure-Python parser takes a minute to read.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"  # plain collections are built here; tagged ones by PyYAML
_MAP = "tag:yaml.org,2002:map"


class _Reader:
    """One walk over a composed YAML document: its data, the position of every key and
    value, and how many values it stands for with its aliases expanded.

    Each node is read once (an alias yields the object read at its anchor, as PyYAML's own
    constructor does), so the walk is as long as the text however far the aliases expand.
    Strings, mappings and sequences are built here; other scalars (numbers, booleans, null,
    dates), mappings with `<<` merge keys and tagged collections (`!!set`, `!!omap`) are
    left to PyYAML's safe constructor.
    """

    def __init__(self, loader: yaml.SafeLoader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.positions: Positions = {}
        self._read: dict[int, tuple[Any, int]] = {}  # node id -> (value, values expanded)

    def _at(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.file, mark.line + 1, mark.column + 1)

    def read(self, node: yaml.Node, path: tuple[str | int, ...]) -> tuple[Any, int]:
        """The node's value and its number of values (itself included), aliases expanded."""
        self.positions[path] = self._at(node)
        if isinstance(node, yaml.ScalarNode):  # immutable: an aliased one is read again
            return self._scalar(node), 1
        found = self._read.get(id(node))
        if found is not None:  # an alias, or a cycle back to a node being read
            return found
        if isinstance(node, yaml.SequenceNode):
            items: list[Any] = []
            self._read[id(node)] = (items, 1)
            count = 1
            for i, item in enumerate(node.value):
                value, n = self.read(item, (*path, i))
                items.append(value)
                count += n
            if node.tag != _SEQ:  # !!omap, !!pairs: PyYAML builds them
                items[:] = self.loader.construct_object(node, deep=True)
            found = self._read[id(node)] = (items, count)
            return found
        return self._mapping(node, path)

    def _mapping(self, node: yaml.Node, path: tuple[str | int, ...]) -> tuple[Any, int]:
        mapping: dict[Any, Any] = {}
        self._read[id(node)] = (mapping, 1)
        count = 1
        merged = False
        for key_node, value_node in node.value:
            child = (*path, str(key_node.value))
            value, n = self.read(value_node, child)
            # a key's own position is more useful than its value's for "unknown key" errors
            self.positions[(*child, "__key__")] = self._at(key_node)
            if key_node.tag == _MERGE:  # built by PyYAML below
                merged = True
                count += n + 1
                continue
            if isinstance(key_node, yaml.ScalarNode):
                key, k = self._scalar(key_node), 1
            else:  # a complex key (a sequence or mapping)
                key, k = self.read(key_node, (*child, "__key__"))
            count += n + k
            try:
                mapping[key] = value
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "found an unhashable key", key_node.start_mark) from None
        if merged or node.tag != _MAP:  # `<<` merge keys, !!set: PyYAML builds them
            built = self.loader.construct_object(node, deep=True)
            if not isinstance(built, dict):
                found = self._read[id(node)] = (built, count)
                return found
            mapping.clear()
            mapping.update(built)
        found = self._read[id(node)] = (mapping, count)
        return found

    def _scalar(self, node: yaml.Node) -> Any:
        return node.value if node.tag == _STR else self.loader.construct_object(node)


class YamlFileError(LocatedError):
    """A YAML file that is not UTF-8 or not valid YAML, located. Its readers turn it into
    their own error (ConfigError, RuleError)."""


def read_yaml_file(path: Path, *, max_values: int = MAX_VALUES) -> tuple[str, Any, Positions]:
    """A YAML file's text, data and positions (see `load_yaml`).

    Raises OSError, or YamlFileError: for a file not in UTF-8 (a byte-order mark is fine;
    YAML allows only Unicode) at the first byte that cannot be read, e.g. in a file saved
    as windows-1251, and for invalid YAML where the parser stopped.
    """
    file = str(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8-sig", "replace")) + 1
        where = Location(file, before.count(b"\n") + 1, column)
        raise YamlFileError(f"the file is not UTF-8 (byte 0x{raw[exc.start]:02X} cannot be "
                            f"read): save it as UTF-8", where) from exc
    try:
        data, positions = load_yaml(text, file, max_values=max_values)
    except yaml.YAMLError as exc:
        raise YamlFileError(_problem(exc, text), yaml_error_location(exc, file)) from exc
    return text, data, positions


def _problem(exc: yaml.YAMLError, text: str) -> str:
    """libyaml's account of a syntax error, with a hint where the usual slip causes it."""
    problem = str(getattr(exc, "problem", None) or exc)
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        lines = text.splitlines()
        line = lines[mark.line] if mark.line < len(lines) else ""
        if line[mark.column : mark.column + 1] == "\t":
            problem += " (a tab: YAML indents with spaces)"
    return f"invalid YAML: {problem}"


def load_yaml(
    text: str, file: str, *, max_values: int = MAX_VALUES
) -> tuple[Any, Positions]:
    """Parse one YAML document; return the data and the position of every key and item.

    Raises yaml.YAMLError (with a problem_mark) on a syntax error, or when the document,
    aliases expanded, holds more than `max_values` values.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        reader = _Reader(loader, file)
        data, count = reader.read(node, ())
    finally:
        loader.dispose()
    if count > max_values:
        raise yaml.composer.ComposerError(
            None, None, f"the aliases expand to more than {max_values} values", node.start_mark)
    return data, reader.positions


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


def validation_messages(
    exc: ValidationError,
    positions: Positions,
    file: str,
    known_keys: Iterable[str] = (),
    tags: Iterable[str] = (),
    model: type[BaseModel] | None = None,
) -> list[tuple[Location, str]]:
    """Turn a pydantic ValidationError into (location, message) pairs a user can act on:
    no validator internals, paths as `sources[1].interval`, an unknown key with the keys
    allowed there (those of `model` at that place, when given).

    `tags` are the `type:` values of discriminated unions: pydantic puts the one chosen
    into the error's path, where it is not a key of the file.
    """
    keys = sorted(set(known_keys))
    tag_set = set(tags)
    out: list[tuple[Location, str]] = []
    for err in closest_arms(exc.errors()):
        loc = [p for p in err["loc"] if not _is_union_tag(p, tag_set) and not is_arm(p)]
        if err["type"] == "extra_forbidden":
            key = str(loc[-1]) if loc else ""
            allowed = keys_at(model, err["loc"][:-1]) if model is not None else []
            place = dotted(loc[:-1])
            where = f"in {place}" if place else ""
            message = (unknown("key", key, allowed, where) if allowed
                       else f"unknown key {key!r}{did_you_mean(key, keys)}")
        else:
            message = friendly(err, loc)
        out.append((locate(positions, loc, file), message))
    return out


def _is_union_tag(part: object, tags: set[str]) -> bool:
    # pydantic adds the discriminator value (e.g. 'folder') or a function name to union paths
    return isinstance(part, str) and (part.startswith("function-") or part in tags)
