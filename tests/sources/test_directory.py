"""The folder source: what it reads, when, and what it refuses."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path

import pytest

from monitor.config import FolderSourceConfig
from monitor.errors import SourceError
from monitor.registry import Resources
from monitor.sources import SOURCES, build_source
from monitor.sources.directory import DirectorySource

OLD = time.time() - 3600


def cfg(path: Path, **kw: object) -> FolderSourceConfig:
    return FolderSourceConfig.model_validate({"type": "folder", "id": "docs", "path": path, **kw})


def put(path: Path, text: str | bytes, *, old: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    if old:
        os.utime(path, (OLD, OLD))
    return path


def source(folder: Path, **kw: object) -> DirectorySource:
    return DirectorySource(cfg(folder, **kw), languages=["en", "ru"], settle=0.3)


async def test_first_poll_returns_every_settled_file_then_only_changes(tmp_path: Path) -> None:
    put(tmp_path / "a.txt", "Alpha\nbody a")
    put(tmp_path / "sub" / "b.md", "# Beta\nbody b")
    put(tmp_path / "c.json", '{"title": "Gamma", "body": "c"}')
    async with source(tmp_path) as src:
        docs = await src.poll()
        assert sorted(d.id for d in docs) == ["docs:a.txt", "docs:c.json", "docs:sub/b.md"]
        assert await src.poll() == []  # nothing changed: nothing re-read
        put(tmp_path / "a.txt", "Alpha\nbody a, edited")
        os.utime(tmp_path / "a.txt", (OLD + 10, OLD + 10))
        [doc] = await src.poll()
        assert (doc.id, doc.body) == ("docs:a.txt", "body a, edited")


async def test_recursive_false_ignores_subfolders(tmp_path: Path) -> None:
    put(tmp_path / "a.txt", "A\n")
    put(tmp_path / "sub" / "b.txt", "B\n")
    async with source(tmp_path, recursive=False) as src:
        assert [d.id for d in await src.poll()] == ["docs:a.txt"]


async def test_file_being_written_is_read_once_settled(tmp_path: Path) -> None:
    async with source(tmp_path) as src:
        path = put(tmp_path / "new.txt", "Headline\nfirst half", old=False)
        assert await src.poll() == []  # too fresh: may still be being written
        wait = src.settling()  # what `run --once` waits for before polling again
        assert wait is not None and 0 < wait <= 0.3
        with path.open("a") as f:
            f.write(" second half")
        assert await src.poll() == []  # changed again: the clock restarts
        await asyncio.sleep(0.35)
        [doc] = await src.poll()
        assert doc.body == "first half second half"
        assert src.settling() is None


async def test_hidden_temporary_and_other_files_are_ignored(tmp_path: Path) -> None:
    for name in (".hidden.txt", "a.txt.tmp", "a.txt.part", "a.txt~", "photo.jpg", "notes"):
        put(tmp_path / name, "T\nB")
    put(tmp_path / ".git" / "x.txt", "T\nB")
    put(tmp_path / "ok.txt", "T\nB")
    async with source(tmp_path) as src:
        assert [d.id for d in await src.poll()] == ["docs:ok.txt"]


async def test_bad_files_are_skipped_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    put(tmp_path / "binary.txt", bytes(range(256)) * 4)
    put(tmp_path / "huge.txt", "T\n" + "x" * 5000)
    put(tmp_path / "bad.json", "{")
    put(tmp_path / "good.txt", "Good\nbody")
    async with source(tmp_path, max_size=1000) as src:
        with caplog.at_level(logging.WARNING):
            assert [d.id for d in await src.poll()] == ["docs:good.txt"]
            assert await src.poll() == []
        for name in ("binary.txt", "huge.txt", "bad.json"):
            assert sum(name in r.getMessage() for r in caplog.records) == 1, name
        assert src.health()["skipped"] == 3


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
async def test_unreadable_file_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    secret = put(tmp_path / "secret.txt", "T\nB")
    secret.chmod(0)
    put(tmp_path / "ok.txt", "T2\nB")
    async with source(tmp_path) as src:
        assert [d.id for d in await src.poll()] == ["docs:ok.txt"]
    assert "secret.txt: cannot read" in caplog.text


async def test_unreadable_file_as_root_is_skipped(tmp_path: Path) -> None:
    # a path that is a file name but a FIFO would block a naive reader; it is not a regular file
    os.mkfifo(tmp_path / "pipe.txt")
    put(tmp_path / "ok.txt", "T\nB")
    async with source(tmp_path) as src:
        assert [d.id for d in await src.poll()] == ["docs:ok.txt"]


async def test_symlinks_leaving_the_folder_are_not_followed(tmp_path: Path) -> None:
    inside, outside = tmp_path / "watched", tmp_path / "elsewhere"
    put(outside / "secret.txt", "Secret\nB")
    put(inside / "real.txt", "Real\nB")
    (inside / "link_out.txt").symlink_to(outside / "secret.txt")
    (inside / "dir_out").symlink_to(outside)
    (inside / "link_in.txt").symlink_to(inside / "real.txt")
    (inside / "loop").symlink_to(inside)
    async with source(inside) as src:
        ids = sorted(d.id for d in await src.poll())
    assert ids == ["docs:link_in.txt", "docs:real.txt"]


async def test_deleted_then_recreated_file_is_read_again(tmp_path: Path) -> None:
    path = put(tmp_path / "a.txt", "A\nB")
    async with source(tmp_path) as src:
        assert len(await src.poll()) == 1
        path.unlink()
        assert await src.poll() == []
        put(path, "A\nB")
        assert len(await src.poll()) == 1


async def test_missing_folder_raises_source_error(tmp_path: Path) -> None:
    async with source(tmp_path / "nope") as src:
        with pytest.raises(SourceError, match=r"'docs'.*does not exist"):
            await src.poll()


async def test_changes_yields_on_a_new_file_and_when_it_settles(tmp_path: Path) -> None:
    async with source(tmp_path) as src:
        assert await src.poll() == []
        changes = src.changes()
        assert changes is not None
        it = aiter(changes)
        waiter = asyncio.ensure_future(anext(it))
        await asyncio.sleep(0.2)  # let the watcher start
        put(tmp_path / "fresh.txt", "Fresh\nbody", old=False)
        started = time.monotonic()
        await asyncio.wait_for(waiter, 5)
        docs = await src.poll()
        if not docs:  # not settled yet: the iterator wakes us when it should be
            await asyncio.wait_for(anext(it), 5)
            docs = await src.poll()
        assert [d.id for d in docs] == ["docs:fresh.txt"]
        assert time.monotonic() - started < 3
        await it.aclose()  # type: ignore[attr-defined]


async def test_no_changes_iterator_when_watch_is_off(tmp_path: Path) -> None:
    assert source(tmp_path, watch=False).changes() is None


def test_registry_and_build_source(tmp_path: Path) -> None:
    assert SOURCES["folder"] is DirectorySource
    built = build_source(cfg(tmp_path), Resources(languages=("en",)))
    assert isinstance(built, DirectorySource)
    assert built.id == "docs"


async def _watching(src: DirectorySource) -> tuple[object, asyncio.Future[None]]:
    """Start iterating changes() the way the daemon does; wait until the watcher is up."""
    changes = src.changes()
    assert changes is not None
    it = aiter(changes)
    waiter = asyncio.ensure_future(anext(it))
    await asyncio.sleep(0.6)  # past the watcher's warm-up
    return it, waiter


async def test_with_events_a_poll_looks_only_at_named_paths(tmp_path: Path) -> None:
    put(tmp_path / "a.txt", "A\nbody")
    async with source(tmp_path) as src:
        it, waiter = await _watching(src)
        assert len(await src.poll()) == 1  # the full walk, after the watcher started
        put(tmp_path / "sub" / "new.txt", "New\nbody")  # old mtime: settled at once
        await asyncio.wait_for(waiter, 5)
        assert src._dirty  # the event named the file
        [doc] = await src.poll()
        assert doc.id == "docs:sub/new.txt"
        # a change no event reported is not seen by the incremental poll...
        os.utime(tmp_path / "a.txt", (OLD + 5, OLD + 5))
        src._dirty.clear()
        assert await src.poll() == []
        # ...but by the next full walk
        src._last_full -= 120
        assert [d.id for d in await src.poll()] == ["docs:a.txt"]
        await it.aclose()  # type: ignore[attr-defined]


async def test_events_for_a_folder_moved_in_deleted_and_hidden_files(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    watched = tmp_path / "watched"
    put(staging / "batch" / "one.txt", "One\nbody")
    put(staging / "batch" / "two.md", "# Two\nbody")
    watched.mkdir()
    async with source(watched) as src:
        it, waiter = await _watching(src)
        assert await src.poll() == []
        (staging / "batch").rename(watched / "batch")
        put(watched / ".hidden.txt", "Hidden\nbody")
        await asyncio.wait_for(waiter, 5)
        await asyncio.sleep(0.2)  # let the rest of the events land
        docs = await src.poll()
        assert sorted(d.id for d in docs) == ["docs:batch/one.txt", "docs:batch/two.md"]
        (watched / "batch" / "one.txt").unlink()
        await asyncio.wait_for(anext(it), 5)  # type: ignore[call-overload]
        assert await src.poll() == []
        assert Path(watched / "batch" / "one.txt") not in src._taken
        await it.aclose()  # type: ignore[attr-defined]
