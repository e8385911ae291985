"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from monitor.store import Store
from tests.pg import PgServer, missing

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A temporary copy of the shipped config.yaml, rules/ and seeds/."""
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    return tmp_path


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when it is absent (a user's clone)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgServer]:
    """A throwaway PostgreSQL server for the whole session (tests/pg.py); skipped with a
    message where PostgreSQL is not installed, a failure under CI=true."""
    why = missing()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: the PostgreSQL tests must run, but {why}")
        pytest.skip(f"PostgreSQL tests skipped: {why}")
    server = PgServer().start()
    yield server
    server.close()


@pytest.fixture
def postgres_url(postgres: PgServer) -> str:
    """The URL of a fresh, empty database on the session's server (no password needed)."""
    return postgres.database()


@pytest.fixture(params=["sqlite", "postgresql"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Opens the test's state, once on SQLite and once on PostgreSQL (each call a new
    connection to the same state; every store opened is closed after the test)."""
    opened: list[Store] = []

    def sqlite() -> Store:
        from monitor.store.sqlite import SQLiteStore

        opened.append(SQLiteStore(tmp_path / "state.db", lock=False))
        return opened[-1]

    def postgresql() -> Store:
        from monitor.store.postgres import PostgresStore

        opened.append(PostgresStore(url))
        return opened[-1]

    if request.param == "sqlite":
        yield sqlite
    else:
        url = request.getfixturevalue("postgres_url")
        yield postgresql
    for store in opened:
        store.close()
