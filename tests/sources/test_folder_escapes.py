"""The folder source against a hostile tree: links made while it runs, FIFOs swapped in
between listing and reading, and folder chains thousands of levels deep."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from pathlib import Path

import pytest

from monitor.errors import DocumentError
from monitor.sources.directory import DirectorySource
from monitor.sources.readers import read_file
from tests.deep_folders import deep_chain
from tests.sources.test_directory import _watching, put, source

# ------------------------------------------------------------ links made while it runs


async def test_a_link_to_an_outside_folder_made_while_watching_is_not_followed(
    tmp_path: Path,
) -> None:
    inside, outside = tmp_path / "watched", tmp_path / "elsewhere"
    put(outside / "creds.txt", "The password is hunter2\nbody")
    put(outside / "nested" / "deeper.txt", "Deeper secret\nbody")
    put(inside / "real.txt", "Real\nbody")
    async with source(inside) as src:
        it, waiter = await _watching(src)
        assert [d.id for d in await src.poll()] == ["docs:real.txt"]
        (inside / "subdir").symlink_to(outside)  # made after the start
        (inside / "creds.txt").symlink_to(outside / "creds.txt")
        await asyncio.wait_for(waiter, 5)
        await asyncio.sleep(0.2)  # let the rest of the events land
        assert src._dirty  # the events named the new links
        assert await src.poll() == []
        src._last_full -= 120  # and the next full walk agrees
        assert await src.poll() == []
        await it.aclose()  # type: ignore[attr-defined]


def test_event_paths_through_an_outside_link_are_refused(tmp_path: Path) -> None:
    """Whatever the watcher names (the link, a file or folder under it, the outside
    folder's real path), nothing outside the root is read."""
    inside, outside = tmp_path / "watched", tmp_path / "elsewhere"
    put(outside / "creds.txt", "The password is hunter2\nbody")
    put(outside / "nested" / "deeper.txt", "Deeper secret\nbody")
    inside.mkdir()
    (inside / "subdir").symlink_to(outside)
    src = source(inside)
    named = {str(inside / "subdir"), str(inside / "subdir" / "creds.txt"),
             str(inside / "subdir" / "nested"), str(outside / "creds.txt"), str(outside)}
    scan = src.scan_paths(named, time.monotonic(), time.time())
    assert scan.ready == []


def test_links_that_stay_inside_still_work_from_events(tmp_path: Path) -> None:
    inside = tmp_path / "watched"
    put(inside / "a" / "one.txt", "One\nbody")
    (inside / "alias").symlink_to(inside / "a")
    src = source(inside)
    scan = src.scan_paths({str(inside / "alias")}, time.monotonic(), time.time())
    assert [p.name for p, _ in scan.ready] == ["one.txt"]


# ------------------------------------------------------------ FIFOs and other non-files


def test_reading_a_fifo_named_like_an_article_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    outcome: list[object] = []

    def read() -> None:
        try:
            outcome.append(read_file(fifo, source="docs", root=tmp_path))
        except DocumentError as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(20)
    if reader.is_alive():  # unblock the stuck open, so the thread ends
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(5)
        pytest.fail("opening the FIFO blocked the reader")
    [error] = outcome
    assert isinstance(error, DocumentError)
    assert "pipe.txt" in str(error) and "not a regular file" in str(error)


async def test_a_file_swapped_for_a_fifo_after_listing_is_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    put(tmp_path / "a.txt", "Alpha\nbody")
    victim = put(tmp_path / "b.txt", "Beta\nbody")
    src = source(tmp_path)
    scan = src.scan(time.monotonic(), time.time())
    assert len(scan.ready) == 2
    victim.unlink()
    os.mkfifo(victim)  # between listing and reading
    with caplog.at_level(logging.WARNING):
        docs = await asyncio.wait_for(asyncio.to_thread(src.read_ready, scan), 20)
    assert [d.id for d in docs] == ["docs:a.txt"]
    assert "b.txt: not a regular file" in caplog.text
    put(tmp_path / "c.txt", "Gamma\nbody")  # the folder keeps working
    assert [d.id for d in await src.poll()] == ["docs:c.txt"]


def test_a_file_swapped_for_an_outside_link_after_listing_is_skipped(tmp_path: Path) -> None:
    inside, outside = tmp_path / "watched", tmp_path / "elsewhere"
    put(outside / "creds.txt", "The password is hunter2\nbody")
    victim = put(inside / "b.txt", "Beta\nbody")
    src = source(inside)
    scan = src.scan(time.monotonic(), time.time())
    victim.unlink()
    victim.symlink_to(outside / "creds.txt")
    assert src.read_ready(scan) == []


# ------------------------------------------------------------ deep folder chains


async def test_a_chain_2100_deep_is_walked_to_the_depth_cap_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    put(tmp_path / "top.txt", "Top\nbody")
    with deep_chain(tmp_path / "deep", 2100), caplog.at_level(logging.WARNING):
        async with source(tmp_path, max_depth=5) as src:
            docs = await asyncio.wait_for(src.poll(), 60)
            assert sorted(d.id for d in docs)[-1] == "docs:top.txt"
            # top.txt, and at-1 (in the folder 2 levels down) to at-4 (5 levels down)
            assert len(docs) == 1 + 4
            assert src.health()["too_deep"].startswith(str(tmp_path / "deep" / "d"))
            put(tmp_path / "new.txt", "New\nbody")
            [doc] = await asyncio.wait_for(src.poll(), 60)
            assert doc.id == "docs:new.txt"
    assert caplog.text.count("deeper than max_depth 5") == 1  # once, not every scan


async def test_the_default_depth_cap_reads_ordinary_trees(tmp_path: Path) -> None:
    with deep_chain(tmp_path / "deep", 40):
        async with source(tmp_path) as src:
            docs = await asyncio.wait_for(src.poll(), 60)
    levels = sorted(int(d.id.rsplit("at-", 1)[1].split(".")[0]) for d in docs)
    assert levels == list(range(1, 32))  # folders down to 32 levels below the root
    assert src.health()["too_deep"] is not None


def test_a_walk_stops_when_the_source_is_closed(tmp_path: Path) -> None:
    for i in range(300):
        put(tmp_path / f"f{i}" / "a.txt", "A\nbody")
    src = source(tmp_path)
    src.halt()
    scan = src.scan(time.monotonic(), time.time())
    assert scan.ready == [] and scan.interrupted


def test_loops_through_links_are_walked_once(tmp_path: Path) -> None:
    put(tmp_path / "a" / "one.txt", "One\nbody")
    (tmp_path / "a" / "back").symlink_to(tmp_path)
    (tmp_path / "again").symlink_to(tmp_path / "a")
    src: DirectorySource = source(tmp_path)
    scan = src.scan(time.monotonic(), time.time())
    assert len(scan.ready) == 1
