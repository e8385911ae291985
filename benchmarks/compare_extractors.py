"""Extractors side by side on pages with ground truth: body-phrase recall, the share of pages
whose boilerplate phrases get through, and pages per second.

    python benchmarks/compare_extractors.py PATH   # PATH: a checkout of
        github.com/scrapinghub/article-extraction-benchmark (html/*.html.gz, ground-truth.json)

Prints one JSON line per extractor. Skips (exit 0, a note) when PATH is absent. The pages
are not shipped with monitor: they are other publishers' articles.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from phrases import body_phrases, boilerplate_phrases, contains, joined

from monitor.sources.extract import extract_page
from monitor.sources.html import extract_article, html_to_text


def _readability(html: str, url: str) -> str:
    from readability import Document  # a rival measured here, not a dependency

    return html_to_text(Document(html).summary())


EXTRACTORS: dict[str, Callable[[str, str], str]] = {
    "trafilatura": lambda html, url: extract_page(html, url).text,
    "readability-lxml": _readability,
    "html-reader": lambda html, url: extract_article(html)[1],
    "whole-page": lambda html, url: html_to_text(html),
}


def load(path: Path) -> list[tuple[str, str, str, str]]:
    """(id, url, html, true body) of every page."""
    truth = json.loads((path / "ground-truth.json").read_text())
    pages = []
    for key, item in sorted(truth.items()):
        file = path / "html" / f"{key}.html.gz"
        if file.exists():
            html = gzip.decompress(file.read_bytes()).decode("utf-8", "replace")
            pages.append((key, item.get("url") or "", html, item.get("articleBody") or ""))
    return pages


def judge(pages: list[tuple[str, str, str, str]], texts: list[str]) -> dict[str, float]:
    """Body-phrase recall and the share of pages with a boilerplate phrase in `texts`."""
    found = total = leaky = judged = bp_total = bp_found = 0
    for (key, _, html, body), text in zip(pages, texts, strict=True):
        hay = joined(text)
        title = extract_article(html)[0]
        for phrase in body_phrases(body, key):
            total += 1
            found += contains(hay, phrase)
        bp = boilerplate_phrases(html_to_text(html), body, title, key)
        if bp:
            judged += 1
            hits = sum(contains(hay, p) for p in bp)
            leaky += hits > 0
            bp_total += len(bp)
            bp_found += hits
    return {"body_recall": round(found / max(total, 1), 4),
            "boilerplate_phrases": round(bp_found / max(bp_total, 1), 4),
            "boilerplate_pages": round(leaky / max(judged, 1), 4),
            "body_phrases_judged": total, "pages_judged": judged}


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "article-extraction-benchmark")
    if not (path / "ground-truth.json").exists():
        print(json.dumps({"skipped": f"no ground-truth.json under {path}"}))
        return 0
    pages = load(path)
    extract_page(pages[0][2], pages[0][1])  # imports and warm-up outside the timing
    for name, extract in EXTRACTORS.items():
        try:
            extract(pages[0][2], pages[0][1])
        except ImportError as exc:  # a rival not installed (pip install readability-lxml)
            print(json.dumps({"extractor": name, "skipped": str(exc)}))
            continue
        started = time.perf_counter()
        texts = [extract(html, url) for _, url, html, _ in pages]
        elapsed = time.perf_counter() - started
        print(json.dumps({"extractor": name, "pages": len(pages), **judge(pages, texts),
                          "pages_per_s": round(len(pages) / elapsed, 1)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
