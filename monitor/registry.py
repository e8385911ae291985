"""Plug-in registries: a config `type:` -> the kind's config model and its class.

There is one `Registry` per plug-in kind (sources, notifiers, stores), each built from an
explicit list of its built-in kinds where the kind lives (`monitor.sources.SOURCES`,
`monitor.delivery.NOTIFIERS`, `monitor.store.STORES`). A class enters a registry with its
config model (`config_model`, a pydantic model whose `type` field is a one-value Literal)
and a uniform constructor `from_config(cfg, ctx)`; `ctx` (`Resources`) carries what kinds
share: the store, the HTTP client, the clock, the languages.

A built-in kind is declared by its config model and where its class is
(`"monitor.sources.feed:FeedSource"`): the class, with what it imports (HTTP client,
feed parser, templates), is imported when the first one is built, so reading config.yaml
(every command does) costs only the config models.

Installed packages add kinds through the entry point groups `monitor.sources` and
`monitor.notifiers` (an entry point names the class); `monitor.kinds.load_plugins` loads
them once, before config.yaml is validated, so `monitor check` knows them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    Generic,
    Literal,
    Protocol,
    TypeVar,
    Union,
    get_args,
)
from typing import get_origin as _origin

from pydantic import BaseModel, Field

from monitor.config import FeedsConfig, PagesConfig
from monitor.errors import ConfigError
from monitor.yamlfile import did_you_mean

if TYPE_CHECKING:
    from monitor.sources.base import StateStore
    from monitor.sources.http import FeedHttp

log = logging.getLogger(__name__)

T = TypeVar("T")


class EntryPointIndex(Protocol):
    """Installed entry points, as `importlib.metadata.entry_points()` gives them."""

    def select(self, *, group: str) -> Iterable[EntryPoint]: ...


@dataclass(frozen=True, kw_only=True)
class Resources:
    """What plug-ins share, built once by their owner (the daemon, or a command) and handed
    to every `from_config(cfg, ctx)`. The owner opens and closes them; a plug-in only uses
    them."""

    store: StateStore | None = None  # where a source keeps what it remembers (feed state)
    http: FeedHttp | None = None  # the HTTP client of fetching sources, with its limits
    clock: Callable[[], float] = time.time  # unix time now
    languages: tuple[str, ...] = ()  # what documents may be written in (config.yaml)
    feeds: FeedsConfig = field(default_factory=FeedsConfig)  # limits shared by all feeds
    pages: PagesConfig = field(default_factory=PagesConfig)  # how article pages are fetched
    templates: Path | None = None  # a folder of templates overriding the shipped ones
    read_only: bool = False  # a store opened by a command that only looks (no lock)
    shared: bool = False  # the store is shared by several daemons (PostgreSQL)
    # where sources keep what they remember when not `store` itself (with several daemons,
    # the node's service/state_buffer.py: read with a turn's claim, written in batches)
    states: StateStore | None = None

    def state(self, who: str) -> StateStore:
        """Where a plug-in keeps what it must remember; ConfigError without a store."""
        if self.states is not None:
            return self.states
        if self.store is None:
            raise ConfigError(f"{who} needs a state store, and none was given")
        return self.store


class Kind(Generic[T]):
    """One registered kind: its `type:` tag, its config model and its class (given, or
    imported from `where`, "module:Class", the first time it is asked for)."""

    __slots__ = ("_cls", "config", "tag", "where")

    def __init__(self, config: type[BaseModel], cls: type[Any] | None = None,
                 where: str = "") -> None:
        self.tag = type_tag(config)
        self.config = config
        self.where = f"{cls.__module__}:{cls.__qualname__}" if cls is not None else where
        self._cls = cls

    @property
    def cls(self) -> type[Any]:
        if self._cls is None:
            module, _, name = self.where.partition(":")
            self._cls = checked(getattr(import_module(module), name))
            if self._cls.config_model is not self.config:
                raise TypeError(f"{self.where}.config_model is not {self.config.__name__}")
        return self._cls

    def build(self, cfg: BaseModel, ctx: Resources) -> T:
        """The plug-in for a validated config section."""
        made: T = self.cls.from_config(cfg, ctx)
        return made


def checked(cls: type[Any]) -> type[Any]:
    """`cls`, when it has a `config_model` and a `from_config(cfg, ctx)`; TypeError if not."""
    model = getattr(cls, "config_model", None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)) or not callable(
            getattr(cls, "from_config", None)):
        raise TypeError(f"{cls.__name__} needs `config_model` and `from_config(cfg, ctx)`")
    return cls


def type_tag(model: type[BaseModel]) -> str:
    """The `type:` value a config model selects (its `type` field is a one-value Literal)."""
    info = model.model_fields.get("type")
    args = get_args(info.annotation) if info is not None else ()
    if info is None or _origin(info.annotation) is not Literal or len(args) != 1:
        raise TypeError(f"{model.__name__}.type must be a Literal of one string")
    return str(args[0])


class Registry(Generic[T]):
    """The kinds of one plug-in family, keyed by the config `type:` string."""

    def __init__(self, noun: str, group: str,
                 builtin: Iterable[tuple[type[BaseModel], str]] = ()) -> None:
        self.noun = noun  # "source", "notifier": used in messages
        self.group = group  # the entry point group installed packages register under
        self._kinds: dict[str, Kind[T]] = {}
        self._loaded = False
        self.version = 0  # bumped on every change, so derived config models are rebuilt
        for model, where in builtin:
            self._enter(Kind(model, where=where))

    def add(self, cls: type[Any]) -> type[Any]:
        """Register a class with a `config_model` and a `from_config(cfg, ctx)` classmethod
        under its model's `type:` tag; returns the class (usable as a decorator)."""
        self._enter(Kind(checked(cls).config_model, cls))
        return cls

    def _enter(self, kind: Kind[T]) -> None:
        known = self._kinds.get(kind.tag)
        if known is not None and known.where != kind.where:
            raise ConfigError(f"two {self.noun} kinds for type {kind.tag!r}: "
                              f"{known.where} and {kind.where}")
        self._kinds[kind.tag] = kind
        self.version += 1

    def remove(self, tag: str) -> None:
        """Forget a kind (tests register kinds of their own and take them out again)."""
        if self._kinds.pop(tag, None) is not None:
            self.version += 1

    def __contains__(self, tag: object) -> bool:
        return tag in self._kinds

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)

    def __getitem__(self, tag: str) -> type[Any]:
        return self.kind(tag).cls

    def kind(self, tag: str) -> Kind[T]:
        """The kind registered for `tag`; ConfigError with a did-you-mean otherwise."""
        try:
            return self._kinds[tag]
        except KeyError:
            raise ConfigError(
                f"unknown {self.noun} type {tag!r}{did_you_mean(tag, self._kinds)}; "
                f"known: {', '.join(self._kinds)}") from None

    def build(self, cfg: BaseModel, ctx: Resources) -> T:
        """The plug-in described by a validated config section."""
        return self.kind(str(getattr(cfg, "type", ""))).build(cfg, ctx)

    def config_models(self) -> tuple[type[BaseModel], ...]:
        return tuple(k.config for k in self._kinds.values())

    def union(self) -> Any:
        """The config models as one pydantic union discriminated on `type`."""
        models = self.config_models()
        if len(models) == 1:
            return models[0]
        return Annotated[Union[models], Field(discriminator="type")]  # noqa: UP007

    @property
    def loaded(self) -> bool:
        """Whether the installed plug-ins were registered."""
        return self._loaded

    def load_entry_points(self, points: EntryPointIndex | None = None) -> None:
        """Register the kinds installed packages declare in this registry's group (once),
        from `points` when given (every installed entry point, read once for all groups:
        each reading opens every installed package's metadata)."""
        if self._loaded:
            return
        self._loaded = True
        for point in (points if points is not None else entry_points()).select(
                group=self.group):
            try:
                self.add(point.load())
            except Exception as exc:
                raise ConfigError(f"the {self.noun} plug-in {point.name!r} "
                                  f"({point.value}) cannot be loaded: {exc}") from exc

