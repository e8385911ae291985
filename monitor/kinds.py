"""The plug-in kinds in one place, and the config model derived from them.

config.py describes what every source, notifier and store section has (`SourceSection`,
`NotifierSection`, `StoreSection`); which kinds exist is known only from the registries
(`monitor.sources.SOURCES`, `monitor.delivery.NOTIFIERS`, `monitor.store.STORES`) and the
plug-ins installed packages declare. `config_model()` builds the model config.yaml is
validated with: `Config` with each list a union of the registered kinds' models,
discriminated on `type`. Adding a kind is one class, its config model and one registration.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import entry_points
from types import GenericAlias
from typing import Any, get_args

from pydantic import BaseModel, Field, create_model

from monitor.config import Config
from monitor.delivery import NOTIFIERS
from monitor.registry import Registry
from monitor.sources import SOURCES
from monitor.store import STORES

REGISTRIES: tuple[Registry[Any], ...] = (SOURCES, NOTIFIERS, STORES)
_built: dict[tuple[int, ...], type[Config]] = {}


def load_plugins() -> None:
    """Register the kinds installed packages declare (entry points), once per process."""
    if all(registry.loaded for registry in REGISTRIES):
        return
    points = entry_points()
    for registry in REGISTRIES:
        registry.load_entry_points(points)


def config_model() -> type[Config]:
    """`Config` with `sources`, `notifiers` and `store` typed by the registered kinds."""
    load_plugins()
    key = tuple(r.version for r in REGISTRIES)
    if key not in _built:
        info = Config.model_fields
        fields: dict[str, Any] = {
            "sources": (GenericAlias(list, SOURCES.union()),
                        Field(default_factory=list, description=info["sources"].description)),
            "notifiers": (GenericAlias(list, NOTIFIERS.union()),
                          Field(default_factory=list, description=info["notifiers"].description)),
            "store": (STORES.union() | None, Field(None, description=info["store"].description)),
        }
        _built.clear()
        _built[key] = create_model("Config", __base__=Config, __module__=Config.__module__,
                                   __doc__=Config.__doc__, **fields)
    return _built[key]


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in get_args(annotation):
        yield from _models(arg)


def all_sections() -> tuple[type[BaseModel], ...]:
    """Every model config.yaml is made of, the derived `Config` first, then in the order
    they are reached from it (what docs/configuration.md documents)."""
    found: list[type[BaseModel]] = [config_model()]
    for model in found:
        for info in model.model_fields.values():
            found += [m for m in _models(info.annotation) if m not in found]
    return tuple(found)


def known_keys() -> set[str]:
    """Every key some section of config.yaml has (for did-you-mean on unknown keys)."""
    return {info.alias or name for model in all_sections()
            for name, info in model.model_fields.items()}


def union_tags() -> set[str]:
    """The `type:` values of every registered kind."""
    return {tag for registry in REGISTRIES for tag in registry}
