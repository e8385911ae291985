"""Folder walk cost: one full scan of a DirectorySource over a wide tree and a deep chain.

Baseline in the same run: `os.walk` over the same tree (listing only, no stat of files).

    .venv/bin/python benchmarks/bench_walk.py [--files 20000] [--depth 500]

Prints one JSON object per tree: the scan's seconds, the baseline's, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from monitor.config import FolderSourceConfig
from monitor.sources.directory import DirectorySource

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.deep_folders import make_chain, remove_tree  # noqa: E402


def wide(top: Path, files: int) -> None:
    """`files` settled article files, 100 per subfolder."""
    old = time.time() - 3600
    for i in range(files):
        folder = top / f"f{i // 100:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"a{i}.txt"
        path.write_text(f"Headline {i}\nbody")
        os.utime(path, (old, old))


def measure(name: str, top: Path, **cfg: Any) -> dict[str, Any]:
    config = FolderSourceConfig.model_validate({"type": "folder", "id": "b", "path": top, **cfg})
    source = DirectorySource(config, languages=["en"])
    started = time.perf_counter()
    scan = source.scan(time.monotonic(), time.time())
    took = time.perf_counter() - started
    started = time.perf_counter()
    listed = sum(len(names) for _, _, names in os.walk(top))
    base = time.perf_counter() - started
    return {"tree": name, "files_found": len(scan.ready),
            "files_listed_by_os_walk": listed, "scan_s": round(took, 3),
            "os_walk_s": round(base, 3), "ratio": round(took / base, 2) if base else None}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--depth", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        wide(root / "wide", args.files)
        print(json.dumps(measure(f"wide {args.files} files", root / "wide")))
        make_chain(root / "deep", args.depth)
        try:
            # the cap raised above the chain, to time the walk itself (older versions: no cap)
            fields = FolderSourceConfig.model_fields
            cap = {"max_depth": args.depth + 1} if "max_depth" in fields else {}
            print(json.dumps(measure(f"chain {args.depth} deep", root / "deep", **cap)))
            if cap:
                print(json.dumps(measure(f"chain {args.depth} deep, default cap", root / "deep")))
        finally:
            remove_tree(root / "deep")
    return 0


if __name__ == "__main__":
    sys.exit(main())
