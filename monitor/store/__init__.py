"""State: seen documents, source state (feed validators, health), alerts and the outbox.

`STORES` is the registry of store kinds (config `store: {type: ...}`); `open_store` makes
the one a config names: SQLite at `state` when it names none, PostgreSQL for
`state: postgresql://...`.
"""

from __future__ import annotations

from monitor.config import Config, PostgresStoreConfig, SQLiteStoreConfig
from monitor.registry import Registry, Resources
from monitor.store.base import Delivery, DocumentStatus, Store
from monitor.store.sqlite import SQLiteStore

STORES: Registry[Store] = Registry("store", "monitor.stores", [
    (SQLiteStoreConfig, "monitor.store.sqlite:SQLiteStore"),
    (PostgresStoreConfig, "monitor.store.postgres:PostgresStore"),
])


def open_store(config: Config, ctx: Resources | None = None) -> Store:
    """The store `config` names (SQLite at `state` by default), opened; read-only (no
    lock) when `ctx.read_only`."""
    cfg = config.store or SQLiteStoreConfig(type="sqlite")
    if isinstance(cfg, SQLiteStoreConfig) and cfg.path is None:
        cfg = cfg.model_copy(update={"path": config.state})
    return STORES.build(cfg, ctx or Resources())


__all__ = ["STORES", "Delivery", "DocumentStatus", "SQLiteStore", "Store", "open_store"]
