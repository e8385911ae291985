"""Feed poller throughput against a local HTTP server, next to plain feedparser on the same bytes.

A server process on 127.0.0.1 serves N feeds of 50 entries (~45 KB each) with ETags.
Pass "full": every feed answers 200 and is parsed into documents. Pass "304": every feed
answers 304 to the stored ETag. Baselines in the same run: "feedparser" parses the same
bytes with `feedparser.parse(bytes)` (default settings); "httpx_304" makes the same
conditional GETs with a bare httpx client (no state, no bookkeeping).

    .venv/bin/python benchmarks/bench_feeds.py [--feeds 1000] [--entries 50]

Prints one JSON object per pass. All feeds are on one host (127.0.0.1), so the per-host
limit is raised to the overall limit: this measures the poller, not its politeness.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import feedparser
import httpx

from monitor.config import FeedSourceConfig
from monitor.sources.feed import FeedSource
from monitor.sources.http import FeedHttp
from monitor.store.sqlite import SQLiteStore

WORDS = ("defence", "cooperation", "agreement", "ministry", "talks", "partnership", "industry",
         "production", "energy", "investment", "summit", "president", "delegation",
         "strategic", "region", "market")


def make_feed(n: int, entries: int) -> bytes:
    """Feed number `n`: RSS 2.0 with HTML descriptions, ~0.9 KB per entry."""
    items = []
    for i in range(entries):
        words = " ".join(WORDS[(n + i + k) % len(WORDS)] for k in range(70))
        items.append(
            f"<item><guid isPermaLink=\"false\">feed{n}-item{i}</guid>"
            f"<title>Story {i} of feed {n}: {WORDS[i % len(WORDS)]} news</title>"
            f"<link>https://example.org/{n}/{i}.html</link>"
            f"<pubDate>Wed, 01 May 2024 {i % 24:02d}:00:00 GMT</pubDate>"
            f"<description>&lt;p&gt;{words}&lt;/p&gt;&lt;p&gt;&lt;b&gt;More&lt;/b&gt; "
            f"text.&lt;/p&gt;</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {n}</title><link>https://example.org/{n}/</link>"
        f"<description>Benchmark feed</description>{''.join(items)}</channel></rss>"
    ).encode()


def serve(port_pipe: Any, feeds: int, entries: int) -> None:
    bodies = {f"/feed/{n}": make_feed(n, entries) for n in range(feeds)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = bodies.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = f'"{self.path}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    port_pipe.send(httpd.server_address[1])
    httpd.serve_forever()


async def poll_all(sources: list[FeedSource]) -> tuple[int, float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    results = await asyncio.gather(*(s.poll() for s in sources))
    return sum(len(r) for r in results), time.perf_counter() - wall, time.process_time() - cpu


async def run(port: int, feeds: int, state_dir: Path) -> list[dict[str, Any]]:
    store = SQLiteStore(state_dir / "state.db")
    http = FeedHttp(max_concurrent=20, per_host=20)
    sources = [
        FeedSource(FeedSourceConfig(type="feed", id=f"f{n}",
                                    url=f"http://127.0.0.1:{port}/feed/{n}"), store, http=http)
        for n in range(feeds)
    ]
    out = []
    async with http:
        for name in ("full", "304"):
            entries, wall, cpu = await poll_all(sources)
            out.append({"pass": name, "feeds": feeds, "entries": entries, "wall_s": round(wall, 3),
                        "cpu_s": round(cpu, 3), "feeds_per_s": round(feeds / wall, 1)})
    store.close()
    out.append(await plain_304(port, feeds))
    return out


async def plain_304(port: int, feeds: int) -> dict[str, Any]:
    """Baseline for the 304 pass: bare httpx conditional GETs, same concurrency, no bookkeeping."""
    limit = asyncio.Semaphore(20)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=20)) as client:

        async def one(n: int) -> int:
            async with limit:
                path = f"/feed/{n}"
                answer = await client.get(f"http://127.0.0.1:{port}{path}",
                                          headers={"If-None-Match": f'"{path}"'})
                return answer.status_code

        cpu, wall = time.process_time(), time.perf_counter()
        statuses = await asyncio.gather(*(one(n) for n in range(feeds)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert set(statuses) == {304}
    return {"pass": "httpx_304", "feeds": feeds, "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3), "feeds_per_s": round(feeds / wall, 1)}


def baseline(feeds: int, entries: int) -> dict[str, Any]:
    bodies = [make_feed(n, entries) for n in range(feeds)]
    started = time.perf_counter()
    total = sum(len(feedparser.parse(b).entries) for b in bodies)
    wall = time.perf_counter() - started
    return {"pass": "feedparser", "feeds": feeds, "entries": total, "wall_s": round(wall, 3),
            "ms_per_feed": round(wall / feeds * 1000, 2),
            "bytes_per_feed": sum(map(len, bodies)) // feeds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=50)
    args = parser.parse_args()
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    server = ctx.Process(target=serve, args=(send, args.feeds, args.entries), daemon=True)
    server.start()
    try:
        port = receive.recv()
        base = baseline(args.feeds, args.entries)
        with tempfile.TemporaryDirectory() as tmp:
            passes = asyncio.run(run(port, args.feeds, Path(tmp)))
    finally:
        server.terminate()
        server.join()
    print(json.dumps(base))
    for result in passes:
        if result["pass"] == "full":
            result["vs_feedparser"] = round(result["wall_s"] / base["wall_s"], 2)
        if result["pass"] == "304":
            plain = next(r for r in passes if r["pass"] == "httpx_304")
            result["vs_httpx"] = round(result["wall_s"] / plain["wall_s"], 2)
        print(json.dumps(result))
    print(json.dumps({"cpus": os.cpu_count(), "python": sys.version.split()[0]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
