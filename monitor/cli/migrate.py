"""`monitor state --migrate-to postgresql://...`: copy the SQLite state into an empty
PostgreSQL database (monitor/store/transfer.py), then say how to switch over."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.cli.common import Exit, error
from monitor.errors import LockedError, StoreError

if TYPE_CHECKING:
    from monitor.config import Config


def migrate_to(config: Config, url: str) -> int:
    """Copy the config's SQLite state into the database at `url` (exit 0), or say why not."""
    from monitor.config_stores import postgres_url

    try:
        url = postgres_url(url)
    except ValueError as exc:
        error(str(exc))
        return Exit.INVALID
    if config.state_url is not None:
        error(f"the state is already in PostgreSQL ({config.state_url}); nothing to migrate")
        return Exit.ERROR
    if not config.state.exists():
        error(f"{config.state} does not exist: there is no SQLite state to migrate")
        return Exit.ERROR
    from monitor.store.postgres import PostgresStore
    from monitor.store.sqlite import SQLiteStore
    from monitor.store.transfer import copy_state

    try:
        with SQLiteStore(config.state) as source, PostgresStore(
                url, retry_for=5, statement_timeout=0) as target:  # a copy may be long
            copied = copy_state(source, target)
    except LockedError as exc:
        error(f"{exc}\n(stop the daemon first: the state must not change while it is copied)")
        return Exit.LOCKED
    except StoreError as exc:
        error(str(exc))
        return Exit.ERROR
    print(f"copied {config.state} to {url}: "
          + ", ".join(f"{n} {table}" for table, n in copied.items()))
    print(f"now set `state: {url}` in {config.path or 'config.yaml'} and start the daemon; "
          f"{config.state} is left as it was")
    return Exit.OK
