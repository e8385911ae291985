"""`monitor state --migrate-to`: copy the SQLite state into an empty PostgreSQL database,
or a PostgreSQL state back into a new SQLite file (monitor/store/transfer.py), then say how
to switch over."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.cli.common import Exit, error
from monitor.errors import LockedError, StoreError

if TYPE_CHECKING:
    from monitor.config import Config


def migrate_to(config: Config, target: str) -> int:
    """Copy the config's state into `target` (exit 0), or say why not: a postgresql:// URL
    for a SQLite state, a file path for a PostgreSQL one."""
    if config.state_url is not None:
        if "://" in target:
            error(f"the state is already in PostgreSQL ({config.state_url}); give the path of "
                  "a new SQLite file to copy it back")
            return Exit.ERROR
        return _to_sqlite(config, config.state_url, Path(target))
    from monitor.config_stores import postgres_url

    try:
        url = postgres_url(target)
    except ValueError as exc:
        also = ("" if "://" in target else
                f"; the state is a SQLite file ({config.state}): --migrate-to copies it into "
                "PostgreSQL, and a file path is for copying a PostgreSQL state back")
        error(f"{exc}{also}")
        return Exit.INVALID
    if not config.state.exists():
        error(f"{config.state} does not exist: there is no SQLite state to migrate")
        return Exit.ERROR
    from monitor.store.postgres import PostgresStore
    from monitor.store.sqlite import SQLiteStore
    from monitor.store.transfer import copy_state

    def copy() -> dict[str, int]:
        with SQLiteStore(config.state) as source, PostgresStore(
                url, retry_for=5, statement_timeout=0) as pg:  # a copy may be long
            return copy_state(source, pg)

    return _copied(config, config.state, url, copy,
                   "stop the daemon first: the state must not change while it is copied",
                   f"{config.state} is left as it was")


def _to_sqlite(config: Config, url: str, path: Path) -> int:
    from monitor.store.postgres import PostgresStore
    from monitor.store.sqlite import SQLiteStore
    from monitor.store.transfer import copy_back

    path = path.resolve()
    if not path.parent.is_dir():
        error(f"{path.parent} is not a folder: give the path of a new SQLite file")
        return Exit.ERROR

    def copy() -> dict[str, int]:
        with PostgresStore(url, retry_for=5, statement_timeout=0) as pg, SQLiteStore(
                path) as sqlite:
            return copy_back(pg, sqlite)

    return _copied(config, url, path, copy,
                   "a daemon is using that file: give the path of a new one",
                   f"{url} is left as it was; stop every node before switching, or what "
                   "they record after the copy stays behind")


def _copied(config: Config, source: object, target: object,
            copy: Callable[[], dict[str, int]], locked: str, after: str) -> int:
    """Run `copy` and say what it copied and what to do next (exit 0), or why it did not."""
    try:
        copied = copy()
    except LockedError as exc:
        error(f"{exc}\n({locked})")
        return Exit.LOCKED
    except StoreError as exc:
        error(str(exc))
        return Exit.ERROR
    print(f"copied {source} to {target}: "
          + ", ".join(f"{n} {table}" for table, n in copied.items()))
    print(f"now set `state: {target}` in {config.path or 'config.yaml'} and start the daemon; "
          f"{after}")
    return Exit.OK
