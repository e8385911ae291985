"""How every PostgreSQL connection of the program is opened: a bounded connect, TCP
keepalives and a user timeout (a server that stops answering, its packets dropped rather
than refused, is given up on after `network_timeout` seconds; without it a query waiting
for its answer waits forever), and a statement timeout (a statement held
by a lock or a stuck server is cancelled, then retried like a lost connection).
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

CONNECT_TIMEOUT = 5  # seconds to open a connection
STATEMENT_TIMEOUT = 60.0  # seconds one statement may run (0: no limit)
NETWORK_TIMEOUT = 30.0  # seconds of silence from the server before the connection is dropped


def connection_options(url: str, *, statement_timeout: float = STATEMENT_TIMEOUT,
                       network_timeout: float = NETWORK_TIMEOUT) -> dict[str, Any]:
    """psycopg.connect keyword arguments for `url`; 0 turns a timeout off. Options the URL
    sets itself (`?options=...`) are kept, the statement timeout added after them."""
    kwargs: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT}
    if network_timeout > 0:
        idle = max(int(network_timeout / 2), 1)
        kwargs.update(keepalives=1, keepalives_idle=idle,
                      keepalives_interval=max(int(network_timeout / 6), 1),
                      keepalives_count=3, tcp_user_timeout=int(network_timeout * 1000))
    if statement_timeout > 0:
        try:
            given = conninfo_to_dict(url).get("options") or ""
        except psycopg.Error:
            given = ""
        kwargs["options"] = f"{given} -c statement_timeout={int(statement_timeout * 1000)}"
        kwargs["options"] = kwargs["options"].strip()
    return kwargs
