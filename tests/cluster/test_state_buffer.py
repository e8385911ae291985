"""The sources' saved states on a node sharing the state (service/state_buffer.py): saves
read back at once and written in one go, a failed write kept for the next, and the states
read with a turn's claim used by its poll."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest

from monitor.config import load_config
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


class _Counting(PostgresStore):
    """The real store, counting the state reads."""

    reads: list[str]
    batches: list[int]

    def get_state(self, key: str) -> dict[str, Any]:
        self.reads.append(key)
        return super().get_state(key)

    def get_states(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        self.batches.append(len(keys))
        return super().get_states(keys)


async def test_a_node_reads_its_sources_saved_states_in_one_query_at_start(
    tmp_path: Path, postgres_url: str
) -> None:
    from monitor.service import Daemon

    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text("rules:\n  - {id: r, query: quake}\n")
    feeds = "".join(f"  - {{id: f{i}, type: feed, url: 'http://127.0.0.1:9/f{i}'}}\n"
                    for i in range(30))
    (tmp_path / "config.yaml").write_text(
        f"languages: [en]\nstate: {postgres_url}\nrules: rules/\nnodes: {{name: a}}\n"
        f"sources:\n{feeds}")
    config = load_config(tmp_path / "config.yaml")
    with PostgresStore(postgres_url) as plain:
        plain.set_state("source:f7", {"url": "http://127.0.0.1:9/f7", "etag": '"e7"'})
        plain.set_state("pages:f7", {"fetched": 3})
    store = _Counting(postgres_url)
    store.reads, store.batches = [], []
    try:
        async with Daemon(config, store=store) as daemon:
            per_source = [k for k in store.reads if k.startswith(("source:", "pages:"))]
            assert per_source == [] and 60 in store.batches, (per_source, store.batches)
            assert daemon.sources["f7"].health()["pages"]["fetched"] == 3
            assert daemon.states is not None
            assert daemon.states.get_state("source:f7")["etag"] == '"e7"'  # read afresh
    finally:
        store.close()
