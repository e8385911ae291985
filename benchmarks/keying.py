"""What keying a new word costs, and what the analyser costs in memory and start-up.

Used by bench_matching.py (the lines it prints after the sizes, and `--keying`). A running
daemon keys a word once, the first time it meets it; the new words of a document are those
its warm caches do not hold yet. For the documents bench_matching times (after the same
warm-up), this counts them and times keying them now (`doc_keys`: every reading in Russian
and Ukrainian) against the one-key rule it replaced (`compute_key`: the lemma, else the
stem), on the same words, in CPU time, best of five (after a first pass that fills the
analyser's tables, as a running daemon has).
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from monitor.models import Document
from monitor.text.keys import doc_keys
from monitor.text.lemma import compute_key

TOKEN = re.compile(r"\w+(?:[-'’]\w+)*")


def _best(fn: Callable[[str, str], Any], words: list[str], lang: str) -> float:
    """CPU seconds (the machine is shared: wall time counts other work), best of five."""
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for word in words:
            fn(word, lang)
        best = min(best, time.process_time() - start)
    return best


def keying(docs: list[Document], warm: list[Document]) -> list[dict[str, Any]]:
    """One line per language: new words a document, µs a word and ms a document."""
    seen: set[str] = {w for d in warm for w in TOKEN.findall(f"{d.title}\n{d.body}")}
    out = []
    for lang in ("en", "ru"):
        mine = [d for d in docs if d.id.startswith(lang)]
        new: list[str] = []
        for doc in mine:
            for word in dict.fromkeys(TOKEN.findall(f"{doc.title}\n{doc.body}")):
                if word not in seen:
                    seen.add(word)
                    new.append(word)
        for word in new:  # the analyser loaded and its tag table filled before timing
            doc_keys(word, lang)
        now, before = _best(doc_keys, new, lang), _best(compute_key, new, lang)
        per_doc = len(new) / len(mine)
        out.append({
            "keying": lang, "docs": len(mine), "new_words_per_doc": round(per_doc, 1),
            "us_per_word": round(1e6 * now / len(new), 2),
            "us_per_word_one_key": round(1e6 * before / len(new), 2),
            "ms_per_doc": round(1000 * now / len(mine), 3),
            "ms_per_doc_one_key": round(1000 * before / len(mine), 3),
        })
    return out


def analyser_cost() -> dict[str, Any]:
    """Start-up time and memory of the Russian and Ukrainian analysers, in a fresh process."""
    code = (
        "import os, time\n"
        "from monitor.text.morph import morph\n"
        "def rss(): return int(open('/proc/self/statm').read().split()[1]) * os.sysconf("
        "'SC_PAGE_SIZE') / 2**20\n"
        "before = rss()\n"
        "t = time.perf_counter(); morph('ru').readings('тест'); ru = time.perf_counter() - t\n"
        "mid = rss()\n"
        "t = time.perf_counter(); morph('uk').readings('тест'); uk = time.perf_counter() - t\n"
        "print(ru, uk, mid - before, rss() - mid)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    ru_s, uk_s, ru_mb, uk_mb = map(float, done.stdout.split())
    return {"analyser": "pymorphy3 (dictionary lookups)", "load_s_ru": round(ru_s, 2),
            "load_s_uk": round(uk_s, 2), "rss_mb_ru": round(ru_mb, 1),
            "rss_mb_uk": round(uk_mb, 1),
            "rss_mb_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
