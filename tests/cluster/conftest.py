"""Fixtures of the coordination tests: coordinators (nodes) on one fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from monitor.cluster.postgres import PostgresCoordinator

Nodes = Callable[[str], PostgresCoordinator]


@pytest.fixture
def nodes(postgres_url: str) -> Iterator[Nodes]:
    """Makes coordinators (nodes) on one fresh database; closed after the test."""
    made: list[PostgresCoordinator] = []

    def make(name: str) -> PostgresCoordinator:
        made.append(PostgresCoordinator(postgres_url, name, lease=5.0))
        return made[-1]

    yield make
    for c in made:
        c.close()
