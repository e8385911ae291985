"""Stories: how well copies of a news story are grouped, and what it costs.

The labelled set (story_set.py) is built from ../shared/corpora/news: `--stories` real
articles (half ru, half en), 9 copies of each made by the transformations outlets apply
(alone and 3 combined), and for each article its most similar other real article by
TF-IDF (a hard negative: same subject, another story). Documents arrive shuffled.

Configurations, all in one run on the same set:

* "stories": what the daemon does (StoryKeeper over a SQLiteStore).
* "minhash_lsh_anchor": datasketch MinHash LSH, 128 permutations, threshold 0.5, on word
  5-shingles of headline and text; a document joins the story of its most similar match.
* "simhash_anchor": 64-bit SimHash of the same shingles, joined at Hamming distance <= 3.
* "cost": signing and looking up one document with `--stored` signatures in the store
  (synthetic ones: real shingles, distinct band keys), the state file's size and the
  process's memory.

    .venv/bin/python benchmarks/bench_stories.py [--stories 200] [--stored 10000,1000000]

Prints one JSON object per configuration. Precision and recall are pairwise (every pair
of documents: same story or not); "alerts" is the number of stories found, i.e. the
alerts a rule matching every copy would send.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from datasketch import MinHash, MinHashLSH
from story_set import Doc, build

from monitor.config import StoriesConfig
from monitor.models import Document
from monitor.store.sqlite import SQLiteStore
from monitor.stories.grouping import best_story
from monitor.stories.keeper import MAX_CANDIDATES, StoryKeeper
from monitor.stories.signature import sign, words

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "news"


def document(doc: Doc) -> Document:
    return Document(id=doc.id, source=doc.source, title=doc.title, body=doc.body,
                    url=f"https://{doc.source}.example/{abs(hash(doc.id))}")


def scores(docs: list[Doc], found: dict[str, str]) -> dict[str, object]:
    """Pairwise precision and recall, recall per transformation, hard negatives merged."""
    tp = fp = fn = 0
    for a, b in itertools.combinations(docs, 2):
        same, joined = a.story == b.story, found[a.id] == found[b.id]
        tp += same and joined
        fp += joined and not same
        fn += same and not joined
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d in docs:
        if "#" in d.id:
            for kind in d.kind.split("+"):
                kinds[kind][0] += found[d.id] == found[d.story]
                kinds[kind][1] += 1
    negatives = [d for d in docs if d.kind == "negative"]
    merged = sum(1 for d in docs if d.kind == "base" for n in negatives
                 if n.id != d.id and found[n.id] == found[d.id])
    stories = len({d.story for d in docs})
    alerts = len(set(found.values()))
    return {"docs": len(docs), "stories": stories, "alerts": alerts,
            "alerts_over_stories": round(alerts / stories - 1, 4),
            "precision": round(tp / max(tp + fp, 1), 4), "recall": round(tp / max(tp + fn, 1), 4),
            "false_pairs": fp, "hard_negatives_merged": merged,
            "recall_by_kind": {k: round(v[0] / v[1], 4) for k, v in sorted(kinds.items())}}


def run_stories(docs: list[Doc], folder: Path) -> dict[str, object]:
    with SQLiteStore(folder / "quality.db") as store:
        keeper = StoryKeeper(store, StoriesConfig())
        started = time.perf_counter()
        found = {d.id: keeper.assign(document(d), d.language, now=1e9 + i)
                 for i, d in enumerate(docs)}
        per_doc = (time.perf_counter() - started) / len(docs)
        store.vacuum()
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = store.size_bytes()
    return {"config": "stories", **scores(docs, found), "ms_per_doc": round(per_doc * 1e3, 3),
            "state_bytes_per_doc": round(size / len(docs))}


def shingle_bytes(doc: Doc) -> list[bytes]:
    tokens = words(doc.title + "\n" + doc.body)
    return list({" ".join(tokens[i : i + 5]).encode() for i in range(max(len(tokens) - 4, 1))})


def run_minhash_anchor(docs: list[Doc]) -> dict[str, object]:
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    found: dict[str, str] = {}
    hashes: dict[str, MinHash] = {}
    for d in docs:
        mh = MinHash(num_perm=128)
        mh.update_batch(shingle_bytes(d))
        matches = lsh.query(mh)
        best = max(matches, key=lambda m: mh.jaccard(hashes[m]), default=None)
        found[d.id] = found[best] if best else d.id
        lsh.insert(d.id, mh)
        hashes[d.id] = mh
    return {"config": "minhash_lsh_anchor", **scores(docs, found)}


def simhash(features: list[bytes]) -> int:
    votes = [0] * 64
    for f in features:
        h = int.from_bytes(hashlib.blake2b(f, digest_size=8).digest(), "big")
        for bit in range(64):
            votes[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if votes[bit] > 0)


def run_simhash_anchor(docs: list[Doc]) -> dict[str, object]:
    found: dict[str, str] = {}
    seen: list[tuple[int, str]] = []
    for d in docs:
        h = simhash(shingle_bytes(d))
        near = next((doc_id for other, doc_id in seen if (h ^ other).bit_count() <= 3), None)
        found[d.id] = found[near] if near else d.id
        seen.append((h, d.id))
    return {"config": "simhash_anchor", **scores(docs, found)}


def fill(store: SQLiteStore, count: int, docs: list[Doc]) -> None:
    """`count` stored signatures: the real shingles of the set's documents, in turn, under
    new ids and stories, with random band keys (each its own story, as most are)."""
    rng = random.Random(7)
    blobs = [sign(d.title, d.body).to_bytes() for d in docs]
    db = sqlite3.connect(store.path)
    for start in range(0, count, 50_000):
        rows = [(f"stored/{n}", f"s{n}", "wire", f"outlet{n % 500}.example", None, "",
                 None, 1e9 - 1000, blobs[n % len(blobs)])
                for n in range(start, min(count, start + 50_000))]
        with db:
            first = db.execute("SELECT coalesce(max(n), 0) FROM story_docs").fetchone()[0] + 1
            db.executemany("INSERT INTO story_docs (document_id, story, source, host, url, title,"
                           " language, seen, shingles) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            db.executemany("INSERT OR IGNORE INTO story_bands (band, doc) VALUES (?, ?)",
                           [(rng.getrandbits(63), first + i) for i in range(len(rows))
                            for _ in range(16)])
    db.close()


def timed(func: Callable[[], object], repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        func()
    return (time.perf_counter() - started) / repeat


def run_cost(docs: list[Doc], stored: int, folder: Path) -> dict[str, object]:
    path = folder / f"cost-{stored}.db"
    SQLiteStore(path).close()
    started = time.perf_counter()
    with SQLiteStore(path) as store:
        fill(store, stored, docs)
        built = time.perf_counter() - started
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    probes = docs[:500]
    with SQLiteStore(path) as store:
        sign_s = [timed(lambda d=d: sign(d.title, d.body), 1) for d in probes]
        anchor_s = [timed(lambda d=d: MinHash(num_perm=128).update_batch(shingle_bytes(d)), 1)
                    for d in probes]
        sigs = [sign(d.title, d.body) for d in probes]

        def lookup(s=None) -> None:
            for s in sigs:
                best_story(s.shingles, store.story_candidates(
                    s.bands, since=0.0, language=None, limit=MAX_CANDIDATES), 0.5)

        lookup_s = timed(lookup, 1) / len(sigs)
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = store.size_bytes()
    sign_ms, lookup_ms = statistics.mean(sign_s) * 1e3, lookup_s * 1e3
    return {"config": "cost", "stored": stored, "sign_ms": round(sign_ms, 3),
            "lookup_ms": round(lookup_ms, 3),
            "sign_and_lookup_ms": round(sign_ms + lookup_ms, 3),
            "baseline_minhash128_sign_ms": round(statistics.mean(anchor_s) * 1e3, 3),
            "state_file_mb": round(size / 2**20, 1), "state_bytes_per_doc": round(size / stored),
            "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "rss_before_lookups_mb": round(rss_before / 1024, 1), "fill_s": round(built, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=200)
    parser.add_argument("--stored", default="10000,1000000")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"{args.corpus} is not available")
    docs = build(args.corpus, args.stories)
    with tempfile.TemporaryDirectory() as tmp:
        for row in (run_stories(docs, Path(tmp)), run_minhash_anchor(docs),
                    run_simhash_anchor(docs)):
            print(json.dumps(row, ensure_ascii=False), flush=True)
        for stored in (int(n) for n in args.stored.split(",") if n):
            print(json.dumps(run_cost(docs, stored, Path(tmp))), flush=True)


if __name__ == "__main__":
    main()
