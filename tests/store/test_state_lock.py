"""The one-daemon-per-state lock holds whatever path leads to the state file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from monitor.errors import LockedError
from monitor.store import SQLiteStore
from monitor.store.lock import StateLock


def test_a_symlink_to_a_locked_state_is_locked_too(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    alias = tmp_path / "out" / "alias.db"
    alias.symlink_to(tmp_path / "state.db")
    held = rf"alias.db is in use by monitor \(pid {os.getpid()}\)"
    with SQLiteStore(tmp_path / "state.db"), pytest.raises(LockedError, match=held):
        SQLiteStore(alias)
    with SQLiteStore(alias) as store:  # free again once the first one closed
        with pytest.raises(LockedError):
            SQLiteStore(tmp_path / "state.db")
        assert store.path == alias


def test_a_link_made_before_the_state_exists_leads_to_the_same_lock(tmp_path: Path) -> None:
    alias = tmp_path / "alias.db"
    alias.symlink_to(tmp_path / "real" / "state.db")  # dangling until the store creates it
    (tmp_path / "real").mkdir()
    with SQLiteStore(alias), pytest.raises(LockedError):
        assert (tmp_path / "real" / "state.db").is_file()  # the data went to the target
        SQLiteStore(tmp_path / "real" / "state.db")


def test_a_linked_folder_and_dot_dot_spellings_share_the_lock(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "via").symlink_to(tmp_path / "data")
    with StateLock(tmp_path / "data" / "state.db"):
        for other in (tmp_path / "via" / "state.db", tmp_path / "via" / ".." / "data" / "state.db"):
            with pytest.raises(LockedError):
                StateLock(other).acquire()
            with StateLock(other).if_free() as free:
                assert not free


def test_the_lock_file_sits_beside_the_real_state(tmp_path: Path) -> None:
    alias = tmp_path / "alias.db"
    alias.symlink_to(tmp_path / "state.db")
    lock = StateLock(alias)
    assert lock.path == tmp_path / "state.db.lock"
    with lock:
        assert lock.held
        assert lock.path.read_text() == str(os.getpid())
    assert not lock.held
