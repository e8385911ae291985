"""Folder source throughput: N article files dropped into a watched folder, until all are stored.

A DirectorySource watches an empty folder the way the daemon drives it (a poll on every
file event and on its interval); a writer process drops N .txt files (news texts from
../shared/corpora/news when present, generated otherwise) as fast as it can. The clock
runs from the first file written until every document is in a SQLite store (matching is
not part of this). Baseline in the same run: `read_file` over the same files in a loop.

    .venv/bin/python benchmarks/bench_folder.py [--files 10000] [--settle 1.0]

Prints one JSON object per settle time (the default 1 s, and 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from monitor.config import FolderSourceConfig
from monitor.sources.directory import DirectorySource
from monitor.sources.readers import read_file
from monitor.store.sqlite import SQLiteStore

NEWS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "news"


def texts(count: int) -> list[bytes]:
    """`count` article texts: the news corpus cycled (made unique), or generated ones."""
    found = sorted(NEWS.rglob("*.txt"))[:count] if NEWS.is_dir() else []
    base = [p.read_bytes() for p in found] or [
        f"Generated headline {i}\n\nBody of the generated article {i}. ".encode() * 5
        for i in range(100)
    ]
    return [base[i % len(base)] + f"\n[{i}]".encode() for i in range(count)]


async def drop_and_ingest(folder: Path, data: list[bytes], settle: float,
                          store: SQLiteStore) -> dict[str, Any]:
    cfg = FolderSourceConfig(type="folder", id="bench", path=folder, interval=2.0,
                             settle=settle)
    stored = 0
    lock = asyncio.Lock()
    async with DirectorySource(cfg, languages=["en", "ru"]) as src:

        async def poll() -> None:
            nonlocal stored
            async with lock:
                for doc in await src.poll():
                    store.put_document(doc)
                    stored += 1

        async def on_events() -> None:
            changes = src.changes()
            assert changes is not None
            async for _ in changes:
                await poll()

        async def on_interval() -> None:
            while True:
                await asyncio.sleep(cfg.interval)
                await poll()

        await poll()
        tasks = [asyncio.create_task(on_events()), asyncio.create_task(on_interval())]
        await asyncio.sleep(0.3)  # the watcher is up
        started = time.perf_counter()
        writer = multiprocessing.get_context("fork").Process(target=write_all,
                                                             args=(folder, data))
        writer.start()  # another program drops the files, as in real life
        await asyncio.to_thread(writer.join)
        written = time.perf_counter() - started
        while stored < len(data):
            await asyncio.sleep(0.01)
        wall = time.perf_counter() - started
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {"files": len(data), "settle_s": settle, "write_s": round(written, 3),
            "wall_s": round(wall, 3), "files_per_s": round(len(data) / wall, 1)}


def write_all(folder: Path, data: list[bytes]) -> None:
    for i, body in enumerate(data):
        (folder / f"sub{i % 10}").mkdir(exist_ok=True)
        (folder / f"sub{i % 10}" / f"article-{i:05d}.txt").write_bytes(body)


def read_baseline(folder: Path) -> dict[str, Any]:
    files = sorted(folder.rglob("*.txt"))
    started = time.perf_counter()
    for path in files:
        read_file(path, source="bench", root=folder, languages=["en", "ru"])
    wall = time.perf_counter() - started
    return {"baseline": "read_file loop", "files": len(files), "wall_s": round(wall, 3),
            "files_per_s": round(len(files) / wall, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--settle", type=float, action="append")
    args = parser.parse_args()
    data = texts(args.files)
    results = []
    for settle in args.settle or [1.0, 0.0]:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "watched"
            folder.mkdir()
            store = SQLiteStore(Path(tmp) / "state.db")
            results.append(asyncio.run(drop_and_ingest(folder, data, settle, store)))
            store.close()
            if len(results) == 1:
                results.append(read_baseline(folder))
    for result in results:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
