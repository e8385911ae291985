"""State: seen documents, source state (feed validators, health), alerts and the outbox.

`STORES` is the registry of store kinds (config `store: {type: ...}`); `open_store` makes
the one a config names: SQLite at `state` when it names none, PostgreSQL for
`state: postgresql://...`.
"""

from __future__ import annotations

import logging
import time

from monitor import stopping
from monitor.config import Config, PostgresStoreConfig, SQLiteStoreConfig
from monitor.errors import StoreUnavailable
from monitor.registry import Registry, Resources
from monitor.store.base import Delivery, DocumentStatus, Store
from monitor.store.sqlite import SQLiteStore

STORES: Registry[Store] = Registry("store", "monitor.stores", [
    (SQLiteStoreConfig, "monitor.store.sqlite:SQLiteStore"),
    (PostgresStoreConfig, "monitor.store.postgres:PostgresStore"),
])
log = logging.getLogger(__name__)


def open_store(config: Config, ctx: Resources | None = None, *, wait: float = 0.0) -> Store:
    """The store `config` names (SQLite at `state` by default), opened; read-only (no
    lock) when `ctx.read_only`. A database server that cannot be reached now (restarting)
    is tried again for `wait` seconds, then StoreUnavailable."""
    cfg = config.store or SQLiteStoreConfig(type="sqlite")
    if isinstance(cfg, SQLiteStoreConfig) and cfg.path is None:
        cfg = cfg.model_copy(update={"path": config.state})
    deadline, said = time.monotonic() + wait, False
    while True:
        try:
            return STORES.build(cfg, ctx or Resources())
        except StoreUnavailable as exc:
            if time.monotonic() >= deadline or stopping.REQUESTED.is_set():
                raise
            if not said:
                log.warning("%s; retrying for %.0f s", exc, wait)
            said = True
            time.sleep(1.0)


__all__ = ["STORES", "Delivery", "DocumentStatus", "SQLiteStore", "Store", "open_store"]
