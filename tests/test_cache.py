"""The cache folder's entries on real files: read back only for their key, rebuilt when
damaged (changed bytes, cut short, not ours), whole under writers racing each other."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.cache import Cache

KEY = "a" * 64


def entry(cache: Cache) -> Path:
    return cache.path("thing")


def test_an_entry_is_read_back_for_its_key_only(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    assert cache.get("thing", KEY) is None  # nothing yet
    assert cache.put("thing", KEY, {"rules": [1, 2, 3]})
    assert cache.get("thing", KEY) == {"rules": [1, 2, 3]}
    assert cache.get("thing", "b" * 64) is None  # made from other inputs: rebuilt
    assert cache.put("thing", "b" * 64, "new")
    assert cache.get("thing", "b" * 64) == "new"
    assert cache.get("thing", KEY) is None  # replaced, not kept beside it
    assert oct((tmp_path / "cache").stat().st_mode & 0o777) == "0o700"
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["thing.pickle"]


@pytest.mark.parametrize("damage", ["flipped", "truncated", "header", "empty"])
def test_a_damaged_entry_is_reported_once_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    cache = Cache(tmp_path / damage)
    cache.put("thing", KEY, list(range(1000)))
    data = entry(cache).read_bytes()
    damaged = {
        "flipped": data[:-40] + bytes(b ^ 0x55 for b in data[-40:-30]) + data[-30:],
        "truncated": data[: len(data) // 2],
        "header": b"not a cache entry\n" + data,
        "empty": b"",
    }[damage]
    entry(cache).write_bytes(damaged)
    with caplog.at_level(logging.WARNING, logger="monitor.cache"):
        assert cache.get("thing", KEY) is None
        assert cache.get("thing", KEY) is None
    reported = [r for r in caplog.records if str(entry(cache)) in r.getMessage()]
    assert len(reported) == 1, caplog.text  # once, not on every read
    assert cache.put("thing", KEY, "rebuilt")
    assert cache.get("thing", KEY) == "rebuilt"


def test_an_entry_others_could_have_written_is_not_unpickled(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = Cache(tmp_path / "cache")
    cache.put("thing", KEY, "mine")
    entry(cache).chmod(0o666)
    with caplog.at_level(logging.WARNING, logger="monitor.cache"):
        assert cache.get("thing", KEY) is None
    assert "not private" in caplog.text
    entry(cache).chmod(0o600)
    assert cache.get("thing", KEY) == "mine"


def test_a_folder_that_cannot_be_written_leaves_the_program_running(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    cache = Cache(blocked / "cache")
    assert not cache.put("thing", KEY, "value")
    assert cache.get("thing", KEY) is None


_WRITER = """
import sys
from pathlib import Path
from monitor.cache import Cache
cache, me = Cache(Path(sys.argv[1])), sys.argv[2]
for i in range(40):
    assert cache.put("thing", "k" * 64, (me, i, me * 200_000))
"""


def test_two_processes_writing_at_once_leave_a_whole_entry(tmp_path: Path) -> None:
    """Two writers replace the entry 40 times each while this process reads it: every read
    is one writer's whole value (or nothing yet), and no temporary file is left."""
    folder = tmp_path / "cache"
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(folder), name], env=env)
               for name in ("a", "b")]
    cache = Cache(folder)
    while any(w.poll() is None for w in writers):
        value = cache.get("thing", "k" * 64)
        if value is not None:
            who, _, text = value
            assert text == who * 200_000
    assert [w.wait() for w in writers] == [0, 0]
    last = cache.get("thing", "k" * 64)
    assert last is not None
    who, i, text = last
    assert i == 39 and text == who * 200_000
    assert [p.name for p in folder.iterdir()] == ["thing.pickle"]
