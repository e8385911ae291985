"""What the hostile-input guards cost on ordinary input, each against its baseline in the same
run, and what a pruned document still costs in the state file. Prints JSON lines.

    .venv/bin/python benchmarks/bench_hostile.py
"""

from __future__ import annotations

import gzip
import json
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from monitor.models import Document
from monitor.sources.decode import Decoder
from monitor.sources.html import extract_article, too_deep
from monitor.store import SQLiteStore

MB = 1024 * 1024


def best(func: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def feed_body(entries: int) -> bytes:
    items = "".join(
        f"<item><guid>urn:{i}</guid><title>Story {i} about defence talks</title>"
        f"<description>Paragraph {i}: ministers met to discuss cooperation, trade and "
        f"security in the region, officials said on Tuesday.</description></item>"
        for i in range(entries)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


def bench_decode() -> dict[str, object]:
    body = gzip.compress(feed_body(60_000))
    raw_chunks = [body[i:i + 65536] for i in range(0, len(body), 65536)]

    def one_shot() -> int:  # what the HTTP client does per network chunk
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return sum(len(d.decompress(c)) for c in raw_chunks)

    def stepped() -> int:
        dec = Decoder("gzip")
        return sum(len(p) for c in raw_chunks for p in dec.feed(c))

    assert one_shot() == stepped()
    base, ours = best(one_shot), best(stepped)
    return {"bench": "decode-gzip", "decoded_mb": round(one_shot() / MB, 1),
            "one_shot_s": round(base, 4), "stepped_s": round(ours, 4),
            "ratio": round(ours / base, 2)}


def bench_html_depth() -> dict[str, object]:
    para = ("<p>Ministers met on <b>Tuesday</b> to discuss <a href='/x'>cooperation</a>, "
            "trade and security.</p>\n")
    page = ("<html><head><title>Talks</title></head><body><nav><a href='/'>Home</a></nav>"
            "<article><h1>Talks</h1>" + "<div class='section'>" + para * 40 + "</div>" * 1
            ) * 25 + "</article></body></html>"
    base = best(lambda: extract_article(page))
    check = best(lambda: too_deep(page))
    return {"bench": "html-depth-check", "page_kb": len(page) // 1024,
            "extract_s": round(base, 4), "depth_check_s": round(check, 4),
            "overhead": round(check / base, 3)}


def bench_tombstone() -> dict[str, object]:
    count = 5000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.db"
        with SQLiteStore(path) as store:
            for i in range(count):
                store.put_document(Document(id=f"wire:{i}", source="wire", title=f"Story {i}",
                                            body=f"Body {i} " + "text " * 400))
            store.vacuum()
            full = store.size_bytes()
            store.prune(before=time.time() + 1)
            store.vacuum()
            store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            pruned = store.size_bytes()
    return {"bench": "pruned-document-bytes", "documents": count,
            "bytes_per_document_kept": full // count,
            "bytes_per_document_pruned": pruned // count,
            "ratio": round(pruned / full, 3)}


def main() -> None:
    for bench in (bench_decode, bench_html_depth, bench_tombstone):
        print(json.dumps(bench()), flush=True)


if __name__ == "__main__":
    main()
