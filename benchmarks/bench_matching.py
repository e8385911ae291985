"""Matching throughput as the rule set grows: 100, 1,000, 10,000 and 100,000 rules.

The rules are generated to look like analysts' rules, which are selective: an AND of two or
three requirements, each an OR of one to three terms or an @reference to a topic (3-6 terms
per language) or an entity (1-3 names); sometimes `a NEAR/5 b` instead, a `NOT term`, a
`title:` field, a `lang:` filter or a `languages:` key. Terms are words (60%), capitalised
names (20%), phrases of two adjacent words (10%) and prefixes (10%), drawn Zipf-like from the
corpus vocabulary of the rule's language (English or Russian), leaving out the stop-ish
words (in more than 5% of the articles) that nobody monitors. With these, a rule matches
about 0.05% of the documents (matches_per_doc / rules; see `rule_match_pct`). The rules are
written as YAML and loaded with `load_rules`, exactly as the daemon does. The documents are
real news (../shared/corpora/news, ~3 KB each, joined from articles of one language) or,
when that folder is absent, generated text. Before timing, as many other documents are
analysed and matched, as a running daemon would have: its word caches are warm, new words
still occur.

Per size, one JSON line: rules, compile_s (reading, validating and compiling the YAML, and
building the prefilter for the corpus languages), docs_per_s (analysis included),
analysis_ms and match_ms per document (p50, p99), candidates_per_doc, matches_per_doc,
peak_rss_mb; naive_docs_per_s: the same analysis followed by evaluating every rule on every
document (no prefilter), measured in the same run on the first documents (bounded in time;
it meets them a second time, so new words cost it nothing), and `agree`: both found the
same matches there; vs_100_rules: this size's throughput over
that of the 100-rule set on the same documents, the two alternating in chunks of 50 in the
same process (so machine load affects both alike). tokenize_docs_per_s: how fast the same
process only normalises and tokenises the same documents (the floor of any analysis, and a
gauge of the machine's speed at this kind of work: shared machines differ by 2x from one
day to the next), and vs_tokenizing: docs_per_s over it, the figure to compare runs on
different machines or days by.

Each size runs in its own process so that peak RSS and compile time are its own. After the
sizes (or alone with --keying), benchmarks/keying.py prints what keying the documents' new
words costs, now and with the one-key rule it replaced, and the analyser's start-up and
memory.

    .venv/bin/python benchmarks/bench_matching.py [--sizes 100,1000,10000,100000] [--docs 1000]
        [--stop-share 0.05]
    .venv/bin/python benchmarks/bench_matching.py --workers auto  # + 1 worker vs auto, memory
    .venv/bin/python benchmarks/bench_matching.py --keying      # keying and analyser cost only
    .venv/bin/python benchmarks/bench_matching.py --detection   # language detection only
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from benchmarks.frequent import frequent_rules  # noqa: E402
from benchmarks.keying import analyser_cost, keying  # noqa: E402
from benchmarks.workers import workers_line  # noqa: E402
from monitor.matching import RuleSet, load_rules  # noqa: E402
from monitor.matching.explain import snippets  # noqa: E402
from monitor.models import Document, Match  # noqa: E402
from monitor.text.analysis import analyze  # noqa: E402
from monitor.text.keys import word_key  # noqa: E402
from monitor.text.languages import DETECTION_CHARS, detect_language  # noqa: E402
from monitor.text.normalize import normalize_text  # noqa: E402
from monitor.text.tokens import SPLIT  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "news"
CORPORA = {"en": ("bbc", "reuters"), "ru": ("factru", "nerel")}
LANGUAGES = ["en", "ru", "uk", "de", "fr", "es", "zh"]
DOC_CHARS = 3000
NAIVE_SECONDS = 15.0
OFFSET = 1000  # flattens the head of the Zipf draw of rule words
REFERENCE = 100  # rules in the set every size is compared with, in the same process
CHUNK = 50  # documents per turn when alternating between the two rule sets
WORD = re.compile(r"[^\W\d_]{3,}")
SCRIPTS = {"en": re.compile(r"[a-zA-Z]{3,}"), "ru": re.compile(r"[а-яА-ЯёЁ]{3,}")}


def read_articles() -> dict[str, list[tuple[str, str]]]:
    """(title, body) per language from the shared corpus; empty when it is absent."""
    out: dict[str, list[tuple[str, str]]] = {}
    for lang, names in CORPORA.items():
        for name in names:
            for path in sorted((CORPUS / name).glob("*.txt")):
                title, _, body = path.read_text(encoding="utf-8").partition("\n")
                out.setdefault(lang, []).append((title.strip(), body.strip()))
    return out


def generated_articles(n: int) -> dict[str, list[tuple[str, str]]]:
    """Zipf-distributed pseudo-words when the corpus is absent (keeps the script runnable)."""
    rng = random.Random(3)
    out: dict[str, list[tuple[str, str]]] = {}
    for lang, letters in (("en", "etaoinshrdlucmfw"), ("ru", "оеаинтсрвлкмдпу")):
        vocab = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9)))
                 for _ in range(20000)]
        weights = [1 / (r + 1) for r in range(len(vocab))]
        for _ in range(n):
            words = rng.choices(vocab, weights, k=450)
            out.setdefault(lang, []).append((" ".join(words[:8]).capitalize(), " ".join(words[8:])))
    return out


def documents(articles: dict[str, list[tuple[str, str]]], n: int) -> list[Document]:
    """About n documents of ~3 KB: consecutive articles of one language joined."""
    docs: list[Document] = []
    share = {"en": 0.6, "ru": 0.4}
    for lang, items in articles.items():
        want = int(n * share.get(lang, 0.5))
        i = 0
        while len([d for d in docs if d.id.startswith(lang)]) < want and i < len(items):
            title, body = items[i]
            i += 1
            while len(body) < DOC_CHARS and i < len(items):
                body += "\n\n" + items[i][0] + "\n" + items[i][1]
                i += 1
            docs.append(Document(id=f"{lang}:{len(docs)}", source="news", title=title,
                                 body=body[: DOC_CHARS + 500]))
            if i >= len(items):
                i = 0  # reuse articles in another grouping when the corpus is small
                items = items[1:] + items[:1]
    random.Random(5).shuffle(docs)
    return docs[:n]


class Vocabulary:
    """What analysts write rules with, per language, ranked by frequency for Zipf-like draws.

    `words`: lower-case words seen at least twice, without the stop-ish ones: those in more
    than `stop_share` of the articles (function words and news boilerplate such as "said" or
    "year", which nobody monitors), counted by matching key (lemma) so that every form of
    a common word is left out;
    `names`: words written capitalised nearly everywhere (people, places, organisations),
    the stuff of entities; `pairs`: adjacent content words seen together at least twice,
    for phrases.
    """

    def __init__(
        self,
        articles: dict[str, list[tuple[str, str]]],
        rng: random.Random,
        stop_share: float = 0.05,
    ) -> None:
        self.rng = rng
        self.words: dict[str, list[str]] = {}
        self.names: dict[str, list[str]] = {}
        self.pairs: dict[str, list[str]] = {}
        for lang, items in articles.items():
            counts: Counter[str] = Counter()
            spread: Counter[str] = Counter()  # articles a word's matching key occurs in
            capital: Counter[str] = Counter()
            pairs: Counter[str] = Counter()
            script = SCRIPTS.get(lang, WORD)
            for title, body in items:
                raw = script.findall(f"{title} {body}")
                tokens = [w.lower() for w in raw]
                counts.update(tokens)
                spread.update({word_key(w, lang) for w in tokens})
                capital.update(w.lower() for w in raw if w[0].isupper())
                pairs.update(f"{a} {b}" for a, b in itertools.pairwise(tokens))
            limit = len(items) * stop_share
            stop = {w for w in counts if spread[word_key(w, lang)] > limit}
            ranked = [w for w, c in counts.most_common() if c > 1 and w not in stop]
            self.words[lang] = ranked
            names = [w.capitalize() for w in ranked
                     if counts[w] > 2 and capital[w] >= 0.9 * counts[w]]
            self.names[lang] = names or self.words[lang]  # generated text has no names
            self.pairs[lang] = [p for p, c in pairs.most_common(50000)
                                if c > 1 and not stop.intersection(p.split())][:10000]

    def draw(self, items: list[str]) -> str:
        """Zipf-Mandelbrot-like: rank r with probability ~ 1 / (r + OFFSET). Analysts pick
        words for meaning, not for frequency: the head is flatter than the text's own."""
        top = (len(items) + OFFSET) / OFFSET
        r = int(OFFSET * top ** self.rng.random()) - OFFSET
        return items[min(max(r, 0), len(items) - 1)]

    def term(self, lang: str, prefixes: bool = True) -> str:
        """A word (60%), a name (20%), a phrase (10%) or a prefix (10%)."""
        kind = self.rng.random()
        if kind < 0.2 and self.names[lang]:
            return self.draw(self.names[lang])
        if kind < 0.3 and self.pairs[lang]:
            return f'"{self.draw(self.pairs[lang])}"'
        word = self.draw(self.words[lang])
        if kind < 0.4 and prefixes and len(word) > 6:
            return word[: len(word) - 2] + "*"
        return word


def topics(vocab: Vocabulary, n: int) -> dict[str, Any]:
    """Subjects: 3-6 words or phrases per language."""
    out: dict[str, Any] = {}
    for i in range(n):
        out[f"topic-{i}"] = {"terms": {
            lang: [vocab.term(lang, prefixes=False).strip('"')
                   for _ in range(vocab.rng.randint(3, 6))]
            for lang in vocab.words
        }}
    return out


def entities(vocab: Vocabulary, n: int) -> dict[str, Any]:
    """Named things: 1-3 names per language."""
    out: dict[str, Any] = {}
    for i in range(n):
        out[f"entity-{i}"] = {"kind": "other", "terms": {
            lang: [vocab.draw(vocab.names[lang]) for _ in range(vocab.rng.randint(1, 3))]
            for lang in vocab.words
        }}
    return out


def requirement(vocab: Vocabulary, lang: str, refs: tuple[int, int]) -> str:
    """One thing a document must have: an OR of 1-3 terms, or an @reference (20%)."""
    rng = vocab.rng
    if rng.random() < 0.2:
        kind = "topic" if rng.random() < 0.4 else "entity"
        return f"@{kind}-{rng.randrange(refs[0] if kind == 'topic' else refs[1])}"
    terms = list(dict.fromkeys(vocab.term(lang) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))))
    if len(terms) == 1:
        return ("title:" if rng.random() < 0.05 else "") + terms[0]
    return "(" + " OR ".join(terms) + ")"


def rule(vocab: Vocabulary, i: int, refs: tuple[int, int]) -> dict[str, Any]:
    """Shapes analysts write: an AND of two or three requirements (`a b` or `a AND b`), each
    an OR of 1-3 terms or an @reference; sometimes `a NEAR/5 b` instead (10%), a
    `NOT term` (15%), a `lang:` filter in the query (5%) or a `languages:` key (20%)."""
    rng = vocab.rng
    lang = rng.choice(list(vocab.words))
    if rng.random() < 0.1:
        query = f"{vocab.term(lang)} NEAR/5 {vocab.term(lang)}"
    else:
        reqs = list(dict.fromkeys(
            requirement(vocab, lang, refs) for _ in range(rng.choice((2, 2, 3)))
        ))
        query = (" AND " if rng.random() < 0.7 else " ").join(reqs)
    if rng.random() < 0.15:
        query += f" NOT {vocab.term(lang)}"
    if rng.random() < 0.05:
        query += f" AND lang:{lang}"
    out: dict[str, Any] = {"id": f"rule-{i}", "query": query}
    if rng.random() < 0.2:
        out["languages"] = [lang]
    return out


def write_frequent_rules(path: Path, size: int, articles: dict[str, list[tuple[str, str]]]) -> None:
    """The frequent workload's rules (benchmarks/frequent.py), each for its language."""
    rules = [{"id": r["id"], "query": r["query"], "languages": [r["language"]]}
             for r in frequent_rules(articles, size)]
    with path.open("w", encoding="utf-8") as f:
        yaml.dump({"rules": rules}, f, allow_unicode=True, sort_keys=False,
                  Dumper=yaml.CSafeDumper)


def write_rules(path: Path, size: int, vocab: Vocabulary) -> None:
    refs = (max(10, size // 100), max(10, size // 20))  # topics, entities
    data = {"topics": topics(vocab, refs[0]), "entities": entities(vocab, refs[1]),
            "rules": [rule(vocab, i, refs) for i in range(size)]}
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f, allow_unicode=True, sort_keys=False, Dumper=yaml.CSafeDumper)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 3)


def tokenizing_rate(docs: list[Document]) -> float:
    """Documents per second normalised and tokenised only (best of three passes)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for doc in docs:
            SPLIT.split(normalize_text(doc.title))
            SPLIT.split(normalize_text(doc.body))
        best = min(best, time.perf_counter() - start)
    return len(docs) / best


def match_documents(rules: RuleSet, docs: list[Document]) -> list[list[Match]]:
    """Analyse and match each document with a compiled rule set: what is timed."""
    return [rules.match(analyze(doc, LANGUAGES), doc) for doc in docs]


def timed_pass(rules: RuleSet, docs: list[Document]) -> float:
    """Seconds to analyse and match these documents."""
    start = time.perf_counter()
    match_documents(rules, docs)
    return time.perf_counter() - start


def explaining(rules: RuleSet, docs: list[Document]) -> tuple[float, int, int]:
    """CPU seconds to explain every match of the documents as an alert does (score, snippets,
    hits as JSON), and the matches and hits there are."""
    found = [(doc, rules.match(analyze(doc, LANGUAGES), doc)) for doc in docs]
    start = time.process_time()
    for doc, matches in found:
        for m in matches:
            json.dumps([m.score_parts, [snip.segments for snip in snippets(doc, m.hits)],
                        [(h.term, h.field, h.text, h.start, h.end) for h in m.hits]])
    spent = time.process_time() - start
    return (spent, sum(len(ms) for _, ms in found),
            sum(len(m.hits) for _, ms in found for m in ms))


def generate(path: Path, size: int, articles: dict[str, list[tuple[str, str]]],
             stop_share: float, workload: str) -> None:
    """Write `size` rules of the workload."""
    if workload == "frequent":
        write_frequent_rules(path, size, articles)
    else:
        write_rules(path, size, Vocabulary(articles, random.Random(size), stop_share))


def small_reference(
    tmp: Path, articles: dict[str, list[tuple[str, str]]], stop_share: float, workload: str
) -> RuleSet:
    """The 100-rule set (the same rules as the 100-rule run), for the in-process ratio."""
    path = tmp / "reference.yaml"
    generate(path, REFERENCE, articles, stop_share, workload)
    reference = load_rules(path, languages=LANGUAGES)
    reference.prepare(sorted(articles))
    return reference


def naive(rules: RuleSet, docs: list[Document], ours: dict[str, list[str]]) -> tuple[float, bool]:
    start = time.perf_counter()
    agree = True
    n = 0
    for doc in docs:
        analysis = analyze(doc, LANGUAGES)
        found = [m.rule for m in rules.match_all(analysis, doc)]
        agree = agree and found == ours[doc.id]
        n += 1
        if time.perf_counter() - start > NAIVE_SECONDS:
            break
    return n / (time.perf_counter() - start), agree


@dataclass
class Timings:
    """Per-document figures of one rule set, and the wall time of both sets."""

    analysis_ms: list[float] = field(default_factory=list)
    match_ms: list[float] = field(default_factory=list)
    found: dict[str, list[str]] = field(default_factory=dict)
    hits: int = 0
    match_cpu: float = 0.0
    wall: float = 0.0
    ref_wall: float = 0.0


def measure(rules: RuleSet, reference: RuleSet | None, docs: list[Document]) -> Timings:
    """Analyse and match every document; the reference set takes turns on the same chunks."""
    out = Timings()
    for turn, chunk in enumerate(range(0, len(docs), CHUNK)):
        part = docs[chunk : chunk + CHUNK]
        if reference is not None and turn % 2:  # who goes first (meets new words) alternates
            out.ref_wall += timed_pass(reference, part)
        start = time.perf_counter()
        for doc in part:
            t0 = time.perf_counter()
            analysis = analyze(doc, LANGUAGES)
            t1 = time.perf_counter()
            c1 = time.process_time()
            matches = rules.match(analysis, doc)
            out.match_cpu += time.process_time() - c1
            t2 = time.perf_counter()
            out.hits += sum(len(m.hits) for m in matches)
            out.analysis_ms.append((t1 - t0) * 1000)
            out.match_ms.append((t2 - t1) * 1000)
            out.found[doc.id] = [m.rule for m in matches]
        out.wall += time.perf_counter() - start
        if reference is not None and not turn % 2:
            out.ref_wall += timed_pass(reference, part)
    return out


GENERATORS = {
    "selective": "selective: AND of 2-3 requirements (OR of 1-3 terms or @reference)",
    "frequent": "frequent: OR of 3 words, AND, AND NOT, NEAR/5, phrases, prefixes of "
                "frequent words (benchmarks/frequent.py)",
}


def run_size(size: int, n_docs: int, stop_share: float, workload: str,
             workers: str | None = None) -> dict[str, Any]:
    articles = read_articles() if CORPUS.is_dir() else {}
    corpus = "shared/corpora/news" if articles else "generated"
    articles = articles or generated_articles(600)
    pool = documents(articles, 2 * n_docs)
    docs, warm = pool[:n_docs], pool[n_docs:]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rules.yaml"
        generate(path, size, articles, stop_share, workload)
        start = time.perf_counter()
        rules = load_rules(path, languages=LANGUAGES)
        rules.prepare(sorted(articles))
        compile_s = time.perf_counter() - start
        reference = (small_reference(Path(tmp), articles, stop_share, workload)
                     if size != REFERENCE else None)
    for doc in warm:  # a daemon that has been running knows most words already
        rules.match(analyze(doc, LANGUAGES), doc)
        if reference is not None:
            reference.match(analyze(doc, LANGUAGES), doc)
    t = measure(rules, reference, docs)
    candidates = [len(rules.candidates(analyze(doc, LANGUAGES))) for doc in docs]
    naive_rate, agree = naive(rules, docs, t.found)
    tokenizing = tokenizing_rate(docs)
    explain_cpu, explained, explained_hits = explaining(rules, docs[:200])
    matches = sum(len(v) for v in t.found.values())
    parallel = workers_line(rules, docs, LANGUAGES, int(workers) if workers.isdigit() else "auto"
                            ) if workers else {}
    return {
        "workload": workload, "rules": size, "docs": len(docs), "corpus": corpus,
        "stop_share": stop_share if workload == "selective" else None,
        "generator": GENERATORS[workload],
        "avg_doc_chars": round(statistics.mean(len(d.title) + len(d.body) for d in docs)),
        "compile_s": round(compile_s, 2),
        "docs_per_s": round(len(docs) / t.wall, 1),
        "analysis_ms_p50": pct(t.analysis_ms, 0.5),
        "analysis_ms_p99": pct(t.analysis_ms, 0.99),
        "match_ms_p50": pct(t.match_ms, 0.5),
        "match_ms_p99": pct(t.match_ms, 0.99),
        "candidates_per_doc": round(statistics.mean(candidates), 1),
        "matches_per_doc": round(statistics.mean(len(v) for v in t.found.values()), 2),
        "rule_match_pct": round(
            100 * statistics.mean(len(v) for v in t.found.values()) / size, 3
        ),
        "hits_per_doc": round(t.hits / len(docs), 1),
        "match_us_per_match": round(1e6 * t.match_cpu / max(matches, 1), 1),
        "explain_us_per_match": round(1e6 * explain_cpu / max(explained, 1), 1),
        "explain_hits_per_match": round(explained_hits / max(explained, 1), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "naive_docs_per_s": round(naive_rate, 1),
        "agree": agree,
        "vs_100_rules": round(t.ref_wall / t.wall, 2) if reference is not None else 1.0,
        "tokenize_docs_per_s": round(tokenizing),
        "vs_tokenizing": round(len(docs) / t.wall / tokenizing, 4),
    } | parallel


def detection() -> dict[str, Any]:
    """Language detection as analysis does it (a first glance, read further when unsure)
    against lingua always reading 1,000 characters, on every article of the corpus."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    texts = [f"{t}\n{b[:DETECTION_CHARS]}" for items in read_articles().values()
             for t, b in items]
    langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in LANGUAGES]
    full = LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()
    detect_language(texts[0], LANGUAGES)  # both detectors built before timing
    start = time.perf_counter()
    ours = [detect_language(t, LANGUAGES) for t in texts]
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    found = [full.detect_language_of(t[:DETECTION_CHARS]) for t in texts]
    full_s = time.perf_counter() - start
    theirs = [r.iso_code_639_1.name.lower() if r else LANGUAGES[0] for r in found]
    return {
        "detection": "glance vs 1,000 characters", "texts": len(texts),
        "same": sum(a == b for a, b in zip(ours, theirs, strict=True)),
        "ms_per_text": round(1000 * ours_s / len(texts), 3),
        "ms_per_text_1000_chars": round(1000 * full_s / len(texts), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument(
        "--stop-share", type=float, default=0.05,
        help="rule words are drawn from the corpus vocabulary without the words found in more "
        "than this share of its articles (less makes rules rarer to match)",
    )
    parser.add_argument("--workloads", default="selective,frequent",
                        help="selective (analysts' rules), frequent (rules that match often)")
    parser.add_argument("--workers", metavar="N|auto",
                        help="also docs/s with 1 worker and with N (benchmarks/workers.py)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child: one size
    parser.add_argument("--workload", default="selective", help=argparse.SUPPRESS)
    parser.add_argument(
        "--detection", action="store_true",
        help="only compare language detection with reading 1,000 characters, on the corpus",
    )
    parser.add_argument("--keying", action="store_true",
                        help="only measure keying new words and the analyser's cost")
    args = parser.parse_args()
    if args.keying:
        return print_keying(args.docs)
    if args.detection:
        print(json.dumps(detection()), flush=True)
        return 0
    if args.one:
        print(json.dumps(run_size(args.one, args.docs, args.stop_share, args.workload,
                                  args.workers)), flush=True)
        return 0
    runs = [(w, int(s)) for w in args.workloads.split(",") for s in args.sizes.split(",")]
    for workload, size in runs:
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--docs", str(args.docs),
             "--stop-share", str(args.stop_share), "--workload", workload,
             *(["--workers", args.workers] if args.workers else [])],
            capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        print(done.stdout.strip().splitlines()[-1], flush=True)
    return print_keying(args.docs)


def print_keying(n_docs: int) -> int:
    """The keying lines, on the documents (and after the warm-up) the sizes use."""
    articles = read_articles() if CORPUS.is_dir() else generated_articles(600)
    pool = documents(articles, 2 * n_docs)
    for line in keying(pool[:n_docs], pool[n_docs:]):
        print(json.dumps(line), flush=True)
    print(json.dumps(analyser_cost()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
