"""Reading rule files: YAML with positions, validated item by item so every problem is found."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from monitor.errors import Location, RuleError
from monitor.matching.schema import TOP_LEVEL, EntityModel, RuleModel, TopicModel, known_keys
from monitor.wording import did_you_mean
from monitor.yamlfile import (
    Positions,
    YamlFileError,
    read_yaml_file,
    validation_messages,
)

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(kw_only=True)
class RuleFile:
    """One rule file, read: its valid items with their positions, and its problems."""

    file: str
    lines: list[str]
    positions: Positions
    topics: list[tuple[str, TopicModel | EntityModel, Path_]] = field(default_factory=list)
    rules: list[tuple[RuleModel, Path_]] = field(default_factory=list)
    problems: list[RuleError] = field(default_factory=list)

    def where(self, path: Path_) -> Location:
        """The place of a key or item (the key itself for mappings)."""
        return self.positions.get(path) or self.positions.get((), Location(file=self.file))

    def key_where(self, path: Path_) -> Location:
        return self.positions.get((*path, "__key__")) or self.where(path)

    def in_value(self, path: Path_, offset: int) -> Location:
        """The place of character `offset` within a one-line scalar value."""
        loc = self.where(path)
        if not loc.line or loc.line > len(self.lines):
            return loc
        text = self.lines[loc.line - 1]
        quoted = loc.column - 1 < len(text) and text[loc.column - 1] in "'\""
        return Location(file=loc.file, line=loc.line, column=loc.column + offset + int(quoted))

    def problem(self, message: str, loc: Location, what: str = "") -> None:
        self.problems.append(RuleError(f"{message} ({what})" if what else message, loc))


def rule_files(path: Path) -> list[Path]:
    """The rule files: `path` itself, or every *.yaml / *.yml under it, sorted."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise RuleError("the rules path does not exist", Location(file=str(path)))
    return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def read_rule_file(path: Path) -> RuleFile:
    """Read and validate one file's structure; problems are collected, not raised."""
    file = str(path)
    try:
        # an alias bomb, not a large rule set: rule files may hold 100,000 rules
        text, data, positions = read_yaml_file(path, max_values=20_000_000)
    except (OSError, YamlFileError) as exc:
        out = RuleFile(file=file, lines=[], positions={})
        if isinstance(exc, YamlFileError):
            out.problem(exc.message, exc.location or Location(file=file))
        else:
            out.problem(f"cannot read the rule file: {exc.strerror or exc}", Location(file=file))
        return out
    out = RuleFile(file=file, lines=text.splitlines(), positions=positions)
    if data is None:
        return out
    if not isinstance(data, Mapping):
        out.problem("a rule file is a mapping with topics, entities and rules", out.where(()))
        return out
    for key, value in data.items():
        _section(out, str(key), value)
    return out


def _section(out: RuleFile, key: str, value: Any) -> None:
    if key not in TOP_LEVEL:
        hint = did_you_mean(key, TOP_LEVEL)
        out.problem(f"unknown key {key!r}{hint}; a rule file has topics, entities, rules",
                    out.key_where((key,)))
        return
    if value is None:
        return
    if key == "rules":
        if not isinstance(value, list):
            out.problem("rules: must be a list of rules (each starting with '- id:')",
                        out.where((key,)))
            return
        for i, item in enumerate(value):
            what = f"rule {item.get('id')}" if isinstance(item, Mapping) else ""
            model = _validate(out, RuleModel, item, (key, i), what)
            if model is not None:
                out.rules.append((model, (key, i)))
        return
    if not isinstance(value, Mapping):
        out.problem(f"{key}: must be a mapping of names", out.where((key,)))
        return
    cls: type[TopicModel | EntityModel] = TopicModel if key == "topics" else EntityModel
    for name, item in value.items():
        kind = "topic" if key == "topics" else "entity"
        vocab = _validate(out, cls, item, (key, str(name)), f"{kind} {name}")
        if vocab is not None:
            out.topics.append((str(name), vocab, (key, str(name))))


def _validate(
    out: RuleFile, cls: type[M], item: Any, path: Path_, what: str
) -> M | None:
    if not isinstance(item, Mapping):
        out.problem("expected a mapping of keys", out.where(path), what)
        return None
    try:
        return cls.model_validate(item)
    except ValidationError as exc:
        sub = {p[len(path):]: loc for p, loc in out.positions.items() if p[: len(path)] == path}
        for loc, message in validation_messages(exc, sub, out.file, known_keys(), model=cls):
            out.problem(message, loc, what)
        return None
