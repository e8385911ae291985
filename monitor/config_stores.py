"""The config models of the stores (the SQLite file, a PostgreSQL database);
`monitor.config` re-exports them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from monitor.config_values import Duration, RelPath
from monitor.sections import Section


class StoreSection(Section):
    """What every store section has; a kind's model narrows `type` to its own tag."""

    type: str = Field(description="Selects the kind of store.")


class SQLiteStoreConfig(StoreSection):
    """The state in one SQLite file (the default store)."""

    type: Literal["sqlite"] = Field(description="Selects the SQLite store.")
    path: RelPath | None = Field(None, description="The SQLite file; `state` when absent.")


POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def postgres_url(url: str) -> str:
    """A PostgreSQL URL without a password (ValueError naming the fix otherwise)."""
    from urllib.parse import urlsplit

    if not url.startswith(POSTGRES_SCHEMES):
        raise ValueError(f"{url!r} is not a PostgreSQL URL (postgresql://user@host:port/dbname)")
    if urlsplit(url).password is not None or "password=" in url:
        raise ValueError(
            "the PostgreSQL URL holds a password: remove it from config.yaml and give it in "
            "the environment (PGPASSWORD) or in ~/.pgpass instead")
    return url


class PostgresStoreConfig(StoreSection):
    """The state in a PostgreSQL database (`state: postgresql://user@host:port/dbname`)."""

    type: Literal["postgresql"] = Field(description="Selects the PostgreSQL store.")
    url: str = Field(description="postgresql://user@host:port/dbname, without a password "
                     "(PGPASSWORD or ~/.pgpass holds it).")
    pool_size: int = Field(4, ge=1, le=64, description="Most connections open at once.")
    retry_for: Duration = Field(
        30.0, description="How long a call keeps retrying while the server cannot be reached "
        "(a restart) before the work is kept for later.")
    statement_timeout: Duration = Field(
        60.0, ge=0, description="How long one statement may run before the server cancels "
        "it (held by a lock, a stuck server); it is then retried like a lost connection. "
        "0: no limit.")
    network_timeout: Duration = Field(
        30.0, ge=0, description="How long a connection may get no answer from the server "
        "(TCP keepalives and user timeout) before it is dropped and made again: a server "
        "whose packets are lost cannot hold a node. 0: the system's defaults.")

    @field_validator("url")
    @classmethod
    def _no_password(cls, value: str) -> str:
        return postgres_url(value)
