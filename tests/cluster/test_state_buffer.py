"""The sources' saved states on a node sharing the state (service/state_buffer.py): saves
read back at once and written in one go, a failed write kept for the next, and the states
read with a turn's claim used by its poll."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from monitor.service.state_buffer import StateBuffer
from monitor.store.postgres import PostgresStore


@pytest.fixture
def store(postgres_url: str) -> Iterator[PostgresStore]:
    with PostgresStore(postgres_url, retry_for=0.0) as opened:
        yield opened


def _rename(url: str, old: str, new: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE {old} RENAME TO {new}")


def test_saves_are_read_back_at_once_and_written_together(
    store: PostgresStore, postgres_url: str
) -> None:
    states = StateBuffer(store)
    states.set_state("source:a", {"etag": '"a1"'})
    assert states.get_state("source:a") == {"etag": '"a1"'}
    assert store.get_state("source:a") == {}  # not written yet
    _rename(postgres_url, "state", "state_away")  # the write fails: kept
    assert not states.flush()
    states.set_state("source:b", {"etag": '"b1"'})
    states.set_state("source:a", {"etag": '"a2"'})  # a newer save replaces the kept one
    _rename(postgres_url, "state_away", "state")
    assert states.flush() and states.pending == 0
    assert store.get_states(["source:a", "source:b"]) == {
        "source:a": {"etag": '"a2"'}, "source:b": {"etag": '"b1"'}}


def test_a_claimed_turn_reads_the_state_fetched_with_the_claim_once(
    store: PostgresStore
) -> None:
    states = StateBuffer(store)
    store.set_state("source:c", {"etag": '"c1"'})  # saved by another node
    states.set_state("source:d", {"etag": '"d-here"'})  # saved here, not yet written
    states.prefetch(["source:c", "source:d", "source:new"])
    store.set_state("source:c", {"etag": '"c2"'})
    assert states.get_state("source:c") == {"etag": '"c1"'}  # as read with the claim
    assert states.get_state("source:c") == {"etag": '"c2"'}  # once: then the store's
    assert states.get_state("source:d") == {"etag": '"d-here"'}  # its own save wins
    assert states.get_state("source:new") == {}
