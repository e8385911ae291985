"""Full text throughput: a summary-only feed whose pages come from a local server, fetched and
extracted by the feed source, next to the extractor alone on the same pages in the same run.

    .venv/bin/python benchmarks/bench_extract.py [--aeb PATH] [--pages 200]

Pages: with --aeb, the 181 real pages of a checkout of
github.com/scrapinghub/article-extraction-benchmark (also judged against its ground truth:
body-phrase recall and boilerplate phrases, through the whole path, default settings);
otherwise news articles from ../shared/corpora/news wrapped in a realistic page (navigation,
"most read", related links, footer). A server process on 127.0.0.1 serves them.

Prints JSON lines: "extractor_alone" and "fetch_and_extract" (pages/s), then "summary" with
their ratio (target >= 0.9), the peak RSS, and the share of the poll spent extracting.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from monitor.config import FeedSourceConfig, PagesConfig  # noqa: E402
from monitor.sources.extract import decode_page, extract_page  # noqa: E402
from monitor.sources.feed import FeedSource  # noqa: E402
from monitor.sources.fulltext import FullTextSource, PageReader  # noqa: E402
from monitor.sources.http import FeedHttp, Fetched  # noqa: E402
from monitor.sources.polite import PoliteFetcher  # noqa: E402
from monitor.store.sqlite import SQLiteStore  # noqa: E402

NEWS = ROOT.parent / "shared" / "corpora" / "news"


def corpus_pages(limit: int) -> list[tuple[str, bytes, str]]:
    """(name, page, true body) from the news corpus, wrapped in a realistic page."""
    from tests.sources.pages import article_page

    files = sorted(p for p in NEWS.rglob("*.txt"))[:limit]
    out = []
    for i, file in enumerate(files):
        title, _, body = file.read_text(encoding="utf-8", errors="replace").partition("\n")
        paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
        out.append((f"p{i}", article_page(title.strip(), paragraphs).encode(), body))
    return out


def aeb_pages(path: Path) -> list[tuple[str, bytes, str]]:
    truth = json.loads((path / "ground-truth.json").read_text())
    return [(key, gzip.decompress((path / "html" / f"{key}.html.gz").read_bytes()),
             item.get("articleBody") or "")
            for key, item in sorted(truth.items())
            if (path / "html" / f"{key}.html.gz").exists()]


def serve(folder: str, port: Any) -> None:
    handler = partial(_Quiet, directory=folder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port.value = server.server_address[1]
    server.serve_forever()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def write_site(folder: Path, pages: list[tuple[str, bytes, str]], base: str) -> None:
    items = []
    for name, page, _ in pages:
        (folder / f"{name}.html").write_bytes(page)
        items.append(f"<item><guid>{name}</guid><link>{base}/{name}.html</link>"
                     f"<title>Story {name}</title><description>A teaser.</description></item>")
    (folder / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"{''.join(items)}</channel></rss>")


CPU: dict[str, float] = {}


def alone(pages: list[tuple[str, bytes, str]]) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    for _, page, _ in pages:
        extract_page(decode_page(page, "text/html"), None)
    CPU["alone"] = min(CPU.get("alone", 1e9), time.process_time() - cpu)
    return len(pages) / (time.perf_counter() - started)


async def pipeline(base: str, state: Path) -> tuple[float, float, list[Any]]:
    cfg = FeedSourceConfig(type="feed", id="bench", url=f"{base}/feed.xml", full_text="auto")
    pages_cfg = PagesConfig(min_delay=0.0)  # one host: measure the path, not the courtesy
    with SQLiteStore(state) as store:
        http = FeedHttp()
        reader = PageReader(PoliteFetcher(http, pages_cfg), store, languages=["en", "ru"])
        src = FullTextSource(FeedSource(cfg, store, http=http), reader, store, mode="auto",
                             short=pages_cfg.short)
        async with src:
            # the worker's start (once per daemon) is not what is measured
            await reader._extract(Fetched(status=200, headers={}, body=WARM_UP, url=base))
            workers = list(reader._executor()._processes or {})  # the extraction process
            cpu = _cpu_seconds(workers)
            ticker = asyncio.create_task(_lag())
            started, main_cpu = time.perf_counter(), time.process_time()
            docs = await src.poll()
            wall = time.perf_counter() - started
            CPU["main"] = time.process_time() - main_cpu
            ticker.cancel()
            WORKER.update(cpu=_cpu_seconds(workers) - cpu, rss_mb=_peak_rss_mb(workers))
    return wall, WORKER["cpu"], docs


WORKER: dict[str, float] = {}


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def _peak_rss_mb(pids: list[int]) -> float:
    peak = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return round(peak / 1024)


LAGS: list[float] = []
WARM_UP = b"<html><body><article><h1>Warm-up</h1><p>" + b"Some words. " * 50 + b"</p>"


async def _lag() -> None:
    """How late a 10 ms timer fires while the poll runs: what other sources and deliveries
    would wait (extraction runs in a thread; the GIL is shared)."""
    while True:
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        LAGS.append(time.perf_counter() - started - 0.01)


def judge(pages: list[tuple[str, bytes, str]], docs: list[Any]) -> dict[str, Any]:
    from compare_extractors import judge as judge_texts

    from monitor.sources.html import html_to_text  # noqa: F401  (used by judge)

    by_name = {d.id.split(":", 1)[1]: d.body for d in docs}
    rows = [(n, "", page.decode("utf-8", "replace"), body) for n, page, body in pages]
    texts = [by_name.get(n, "") for n, _, _ in pages]
    return judge_texts(rows, texts)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--aeb", type=Path, help="a checkout of article-extraction-benchmark")
    ap.add_argument("--pages", type=int, default=200, help="corpus pages (without --aeb)")
    args = ap.parse_args()
    if args.aeb and (args.aeb / "ground-truth.json").exists():
        pages, kind = aeb_pages(args.aeb), "aeb"
    elif NEWS.exists():
        pages, kind = corpus_pages(args.pages), "corpus"
    else:
        print(json.dumps({"skipped": "no pages: pass --aeb PATH or provide ../shared"}))
        return 0
    extract_page(pages[0][1])  # imports and warm-up outside the timings
    with tempfile.TemporaryDirectory() as tmp:
        port = multiprocessing.Value("i", 0)
        server = multiprocessing.Process(target=serve, args=(tmp, port), daemon=True)
        server.start()
        while not port.value:
            time.sleep(0.01)
        base = f"http://127.0.0.1:{port.value}"
        write_site(Path(tmp), pages, base)
        before = alone(pages)
        wall, extracting, docs = asyncio.run(pipeline(base, Path(tmp) / "state.db"))
        after = alone(pages)  # before and after: the faster one is the baseline
        server.terminate()
    rate_alone = max(before, after)
    print(json.dumps({"pass": "extractor_alone", "pages": len(pages), "kind": kind,
                      "pages_per_s": round(rate_alone, 2),
                      "runs": [round(before, 2), round(after, 2)]}), flush=True)
    rate = len(pages) / wall
    print(json.dumps({"pass": "fetch_and_extract", "pages": len(pages), "kind": kind,
                      "pages_per_s": round(rate, 2), "seconds": round(wall, 2),
                      "from_page": sum(d.body_from == "page" for d in docs)}), flush=True)
    summary = {"pass": "summary", "ratio_to_extractor_alone": round(rate / rate_alone, 3),
               "extracting_share_of_poll": round(extracting / wall, 3),  # worker CPU / wall
               "cpu_s": {"extractor_alone": round(CPU["alone"], 2),
                         "worker": round(extracting, 2), "poller": round(CPU["main"], 2)},
               "event_loop_lag_ms": {"median": round(sorted(LAGS)[len(LAGS) // 2] * 1000, 1),
                                     "max": round(max(LAGS) * 1000, 1)},
               "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
               "peak_rss_worker_mb": WORKER["rss_mb"]}
    if kind == "aeb":
        summary |= judge(pages, docs)
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
