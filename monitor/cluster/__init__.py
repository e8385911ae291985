"""Several daemons on one state: who polls which source, sends for which notifier, matches
which documents. `open_coordinator` picks the implementation the state allows: PostgreSQL
coordinates any number of nodes; a SQLite file admits one daemon (its lock), which then
coordinates with nobody.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

from monitor.cluster.base import START_WAIT, Claim, Coordinator, Lease, NodeInfo, Turn
from monitor.cluster.local import LocalCoordinator

if TYPE_CHECKING:
    from monitor.config import Config

__all__ = ["START_WAIT", "Claim", "Coordinator", "Lease", "LocalCoordinator", "NodeInfo", "Turn",
           "default_name", "open_coordinator", "shared_url"]


def default_name() -> str:
    """A node's name when the config gives none: host name and process id."""
    return f"{socket.gethostname()}-{os.getpid()}"


def shared_url(config: Config) -> str | None:
    """The PostgreSQL connection string of a shared state, None for a SQLite file."""
    return config.state_url


def open_coordinator(config: Config, *, node: str | None = None) -> Coordinator:
    """The coordinator of this process's state, as node `node` (the config's `nodes.name`,
    else `default_name()`)."""
    name = node or config.nodes.name or default_name()
    url = shared_url(config)
    if url is None:
        return LocalCoordinator(name)
    from monitor.cluster.postgres import PostgresCoordinator
    from monitor.config_stores import PostgresStoreConfig
    from monitor.store.pg_connect import connection_options

    store = config.store
    options = (connection_options(url, statement_timeout=store.statement_timeout,
                                  network_timeout=store.network_timeout)
               if isinstance(store, PostgresStoreConfig) else None)
    return PostgresCoordinator(url, name, lease=config.nodes.lease, options=options)
