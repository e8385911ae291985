"""Matching in worker processes (`workers:`), for the daemon, `monitor test` and `backfill`.

The rule set is compiled once, here, and the workers are forked from this process after it
(workers.py), so they share its pages instead of each compiling their own: with N workers
the rules cost one compile. This process also works out each document's language and builds
that language's prefilter before handing the document over, so the workers never build one
of their own; when a document brings a language not seen before, its prefilter is built here
and the workers are forked again. A new rule set (a reload) gets new workers the same way.

What a worker does is what the single process does: `make_alerts` (or the rule set's `match`
for `monitor test`) on the document, with its language given; results come back in the
documents' order. With one worker (`workers: 1`) nothing is started and the documents are
matched in this process, as they always were; so is a single document (one file given to
`monitor test`, a poll that brought one article): starting workers would cost it more than
it gains.
"""

from __future__ import annotations

import gc
import marshal
import math
import pickle
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from monitor import metrics
from monitor.errors import MonitorError
from monitor.matching import RuleSet
from monitor.matching.rows import PlainHit, Tail, matches_of
from monitor.matching.ruleset import quiet_gc
from monitor.models import Alert, Document, Match
from monitor.pipeline import make_alerts
from monitor.text.analysis import analyze, document_language
from monitor.text.normalize import normalize_text
from monitor.workers import WorkerPool

MAX_CHUNK = 16  # documents handed to a worker at a time
WINDOW = 64  # documents of a stream matched together (monitor test, backfill)

R = TypeVar("R")
K = TypeVar("K")
Job = tuple[Document, str]  # a document and its language
Found = tuple[str, list[Match]]  # a document's language and its matches (monitor test)
# A document's matches as a worker sends them back: its language and `RuleSet.rows` (each
# distinct hit once as a plain tuple (term, field, start, end: its text is cut from the
# document here), each distinct tail (the numbers of its hits, the score's figures, counts)
# once, and per match the numbers of its rule and tail). Plain tuples, ints, floats and
# strings pickle and unpickle several times faster than Hit and Match objects, and a hit or
# tail that explains many matches travels once (at 10,000 frequent rules a document has ~440
# matches and ~220 distinct tails: as objects, unpickling them cost the main process half
# the matching's CPU).
Packed = tuple[str, list[PlainHit], list[Tail], bytes]  # the array as bytes: marshal (PICKLED)

_RULES: RuleSet | None = None  # in a worker: the rule set it was forked with
Timed = tuple[R | Exception, float, float]  # a result, its analysis and matching seconds


class Sealed(bytes, Generic[R]):
    """A worker's `Timed` result for one document, written as soon as it is made (`_timed`).

    Each document's results are thousands of small objects (at 10,000 frequent rules).
    Made while the cyclic collector is held off, they would all still be alive when it is
    let back on at the end of the chunk, and its first pass would walk every one of them
    (4.8 ms a document, 11% of a worker's CPU, measured); written one document at a time
    they are let go at once, and the pass finds a few bytes objects.

    A type only: the values are plain bytes. An object of a subclass of bytes is sent
    through copyreg (at 10,000 frequent rules 16 us a document in the worker and 9 here;
    bytes 2 and 0.5).
    """


# A document's matches (`Packed`: plain tuples, lists, strings and numbers) are written by
# marshal, other results by pickle: at 10,000 frequent rules marshal writes a document's in
# 80 us where pickle took 190 (pickle notes every tuple it writes in its memo, marshal only
# objects referenced more than once), and what this process does with them, read back to
# every score read, -16% (in-process A/B). Marshal's format is this interpreter's: the
# workers are forked from this process. Told apart by the first byte: pickle's (protocol 2
# on) is its PROTO opcode, marshal's a type code (an ASCII letter, 0x80 added when the
# object is referenced again), never 0x80 alone.
PICKLED = pickle.PROTO[0]


class MatchWorkers:
    """Documents matched by `workers` processes sharing the compiled rule set (1: here)."""

    def __init__(self, workers: int, languages: Sequence[str]) -> None:
        self.workers = workers
        self._languages = tuple(languages)
        self._pool: WorkerPool | None = None
        self._rules: RuleSet | None = None  # the set the workers were forked with
        self._prepared: tuple[str, ...] = ()

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def pids(self) -> list[int]:
        """The running workers' process ids."""
        return self._pool.pids() if self._pool else []

    @property
    def restarts(self) -> int:
        """How often workers that died were replaced (for the current rule set)."""
        return self._pool.restarts if self._pool else 0

    def alerts(self, rules: RuleSet, docs: Sequence[Document]) -> list[list[Alert] | Exception]:
        """Each document's alerts (`make_alerts`), or the error matching it raised."""
        if self.workers <= 1 or len(docs) == 1:
            return [_try(make_alerts, rules, doc, self._languages) for doc in docs]
        return self._run(rules, docs, _alerts_chunk)

    def matches(self, rules: RuleSet, docs: Sequence[Document]) -> list[Found | Exception]:
        """Each document's language and matches (scores worked out), or the error."""
        if self.workers <= 1 or len(docs) == 1:
            return [_try(_found, rules, doc, self._languages) for doc in docs]
        results = self._run(rules, docs, _matches_chunk)
        with quiet_gc():  # thousands of objects without a cycle: no collector passes over them
            ids = rules.ids
            return [r if isinstance(r, Exception) else unpack(r, ids, doc)
                    for r, doc in zip(results, docs, strict=True)]

    def stream(
        self, match: Callable[[RuleSet, Sequence[Document]], list[R]], rules: RuleSet,
        docs: Iterable[tuple[K, Document]],
    ) -> Iterator[tuple[K, Document, R]]:
        """Each (tag, document) with what `match` (`self.alerts` or `self.matches`) gives
        for it, WINDOW documents at a time, in order.

        With workers, the next window is handed to them before this one's results are read
        back and given to the caller: the workers match while this process detects the
        next documents' languages, reads results back and the caller uses them (one window
        at a time left the workers idle meanwhile, and one of them at each window's end:
        1.5 of 2 cores used). A window that brings a language not seen before waits for
        the one before it, since its prefilter means forking the workers again.
        """
        pending: tuple[list[tuple[K, Document]], _Batch] | None = None
        chunk: Callable[[list[Job]], list[Any]] | None = (
            _matches_chunk if match == self.matches else
            _alerts_chunk if match == self.alerts else None)
        for window in _windows(docs):
            if chunk is None or self.workers <= 1 or (pending is None and len(window) == 1):
                yield from _handed(window, match, rules)  # one document alone: here
                continue
            jobs = self._jobs([doc for _, doc in window])
            if pending is not None and not rules.prepared_for(jobs.languages):
                yield from self._handed_back(*pending, rules)
                pending = None
            batch = self._start(rules, jobs, chunk)
            if pending is not None:
                yield from self._handed_back(*pending, rules)
            pending = window, batch
        if pending is not None:
            yield from self._handed_back(*pending, rules)

    def _handed_back(self, window: list[tuple[K, Document]], batch: _Batch,
                     rules: RuleSet) -> Iterator[tuple[K, Document, R]]:
        """A started window's documents with their results (see `_handed`), each read
        back when its turn comes and let go at once: read back all at once, a window's
        results were let go at its end, long out of the processor's caches (at 10,000
        frequent rules reading back, making the matches and reading every score -5%)."""
        with quiet_gc():
            results = self._finish(batch)
            ids = rules.ids if batch.chunk is _matches_chunk else None
            for k, (tag, doc) in enumerate(window):
                result = _observed(results[k])
                results[k] = None
                if ids is not None and not isinstance(result, Exception):
                    result = unpack(cast("Packed", result), ids, doc)
                yield tag, doc, cast("R", result)
            results.clear()

    def _run(self, rules: RuleSet, docs: Sequence[Document],
             fn: Callable[[list[Job]], list[Sealed[R]]]) -> list[R | Exception]:
        results = self._finish(self._start(rules, self._jobs(docs), fn))
        # read back, each document's results are thousands of small objects: a collector
        # pass in the middle would walk everything this process holds (at 100,000 frequent
        # rules it took 60% of this process's time to read the results back)
        with quiet_gc():
            return [_observed(result) for result in results]

    def _jobs(self, docs: Sequence[Document]) -> _Jobs:
        """The documents with their languages (a document whose language cannot be told
        gets the error)."""
        jobs = _Jobs(out=[None] * len(docs))
        for i, doc in enumerate(docs):
            try:
                jobs.jobs.append((doc, document_language(doc, self._languages)))
                jobs.at.append(i)
            except Exception as exc:
                jobs.out[i] = exc
        return jobs

    def _start(self, rules: RuleSet, jobs: _Jobs, fn: Callable[[list[Job]], list[Any]]
               ) -> _Batch:
        """The documents handed to the workers (their languages' prefilters built first)."""
        if not jobs.jobs:
            return _Batch(jobs, fn, None, [], [])
        new = sorted(jobs.languages - set(rules.prepared))
        if new:
            rules.prepare(new)
        size = min(MAX_CHUNK, math.ceil(len(jobs.jobs) / (2 * self.workers)))
        chunks = [jobs.jobs[k:k + size] for k in range(0, len(jobs.jobs), size)]
        pool = self._workers(rules)
        return _Batch(jobs, fn, pool, chunks, pool.start(fn, chunks))

    def _finish(self, batch: _Batch) -> list[Any]:
        """A started batch's results (or errors), in the documents' order, as the workers
        sent them (`_observed` reads one back)."""
        out = batch.jobs.out
        if batch.pool is not None:
            results = batch.pool.gather(batch.chunk, batch.chunks, batch.futures)
            for i, result in zip(batch.jobs.at, results, strict=True):
                out[i] = result
        done = [r for r in out if r is not None]
        out.clear()  # the caller lets the results go: none must stay behind in the batch
        return done

    def _workers(self, rules: RuleSet) -> WorkerPool:
        """The workers forked with `rules` and its prefilters as they are now."""
        if self._pool is None or self._rules is not rules or self._prepared != rules.prepared:
            self.close()
            self._rules, self._prepared = rules, rules.prepared
            self._pool = WorkerPool(self.workers, name="matching", start="fork",
                                    initializer=_install, initargs=(rules,))
        return self._pool


def _handed(window: list[tuple[K, Document]],
            match: Callable[[RuleSet, Sequence[Document]], list[R]], rules: RuleSet,
            ) -> Iterator[tuple[K, Document, R]]:
    """A window's documents with their results, the cyclic collector held off until the
    caller has had them all and let them go. Each result is thousands of small objects
    (at 100,000 frequent rules ~40,000 a document); let back on while they were alive,
    the collector would walk every one of them once (at 10,000 rules 0.65 ms a document,
    as much as making them), while after the window it finds the few still held."""
    with quiet_gc():
        results = match(rules, [doc for _, doc in window])
        for k, (tag, doc) in enumerate(window):
            yield tag, doc, results[k]
        results.clear()


def _windows(docs: Iterable[K]) -> Iterator[list[K]]:
    """The items WINDOW at a time (the last window may have fewer)."""
    window: list[K] = []
    for item in docs:
        window.append(item)
        if len(window) == WINDOW:
            yield window
            window = []
    if window:
        yield window


@dataclass(slots=True)
class _Jobs:
    """A window's documents to match: their jobs, where each is in the window, and the
    window's results so far (the errors of documents whose language could not be told)."""

    out: list[Any]
    jobs: list[Job] = field(default_factory=list)
    at: list[int] = field(default_factory=list)

    @property
    def languages(self) -> set[str]:
        return {lang for _, lang in self.jobs}


@dataclass(frozen=True, slots=True)
class _Batch:
    """A window handed to the workers: what `_finish` needs to read its results back."""

    jobs: _Jobs
    chunk: Callable[[list[Job]], list[Any]]
    pool: WorkerPool | None
    chunks: list[list[Job]]
    futures: list[Future[list[Any]]]


def _try(fn: Callable[[RuleSet, Document, tuple[str, ...]], R], rules: RuleSet,
         doc: Document, languages: tuple[str, ...]) -> R | Exception:
    try:
        return fn(rules, doc, languages)
    except Exception as exc:
        return exc


def _found(rules: RuleSet, doc: Document, languages: Sequence[str]) -> Found:
    analysis = analyze(doc, languages)
    return analysis.language, rules.match(analysis, doc)


def _rows(rules: RuleSet, doc: Document, languages: Sequence[str]) -> Packed:
    """A document's language and matches as plain values (see `Packed`), made straight
    from the matcher's raw hits: no Hit or Match objects in the worker."""
    analysis = analyze(doc, languages)
    table, tails, order = rules.rows(analysis, doc)
    return analysis.language, table, tails, order.tobytes()


def _observed(result: Sealed[R] | Exception) -> R | Exception:
    """A worker's result, its durations observed in this process's metrics."""
    if isinstance(result, Exception):  # the worker died on it
        return result
    read = pickle.loads if result[0] == PICKLED else marshal.loads
    value, analysis, matching = cast("Timed[R]", read(result))
    observed = metrics.current()
    for histogram, seconds in ((observed.analysis_seconds, analysis),
                               (observed.matching_seconds, matching)):
        if seconds >= 0:
            histogram.observe(seconds)
    return value


def unpack(packed: Packed, ids: Sequence[str], doc: Document) -> Found:
    """The language and matches of a `Packed` (equal to those `RuleSet.match` gives);
    `ids`: the rule set's (`RuleSet.ids`); `doc`: the document matched."""
    language, table, tails, order = packed
    texts = (normalize_text(doc.title), normalize_text(doc.body)) if table else ("", "")
    return language, matches_of((table, tails, array("I", order)), ids, texts)


# ---------------------------------------------------------------- in the workers


class _Kept:
    """In a worker, in place of a histogram: the last duration `metrics.timed` observed,
    sent back with the result and observed in the parent's metrics (a worker's own would
    never be seen)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = -1.0

    def labels(self, **_: str) -> _Kept:
        return self

    def observe(self, amount: float) -> None:
        self.value = amount


_ANALYSIS, _MATCHING = _Kept(), _Kept()


def _install(rules: RuleSet) -> None:
    global _RULES
    _RULES = rules
    metrics.use(metrics.Metrics.off(analysis_seconds=_ANALYSIS, matching_seconds=_MATCHING))
    # what the worker was forked with (the rule set, the modules) lives as long as it does:
    # out of the cyclic collector's sight, its passes walk only what matching adds (at
    # 1,000 frequent rules, a set too small to be frozen where it was built, they cost 8%
    # of a worker's time, now 1%), and they write none of the pages shared with the parent
    gc.freeze()


def _timed(result: R | Exception, plain: bool = False) -> Sealed[R]:
    """`result` with its durations, sealed; `plain`: a result that is plain values only
    (`Packed`), written by marshal (see PICKLED)."""
    timed: tuple[Any, float, float] = (_portable(result), _ANALYSIS.value, _MATCHING.value)
    _ANALYSIS.value = _MATCHING.value = -1.0
    if plain and not isinstance(result, Exception):
        try:
            return cast("Sealed[R]", marshal.dumps(timed))
        except ValueError:  # a value marshal cannot write (a subclass of str, say): pickled
            pass
    return cast("Sealed[R]", pickle.dumps(timed, protocol=pickle.HIGHEST_PROTOCOL))


def _alerts_chunk(jobs: list[Job]) -> list[Sealed[list[Alert]]]:
    assert _RULES is not None
    with quiet_gc():
        return [_timed(_try(make_alerts, _RULES, doc, (lang,))) for doc, lang in jobs]


def _matches_chunk(jobs: list[Job]) -> list[Sealed[Packed]]:
    assert _RULES is not None
    out: list[Sealed[Packed]] = []
    with quiet_gc():
        for doc, lang in jobs:
            out.append(_timed(_try(_rows, _RULES, doc, (lang,)), plain=True))
    return out


def _portable(result: R | Exception) -> R | Exception:
    """An error as it can travel back (one that cannot be pickled, as its text)."""
    if not isinstance(result, Exception):
        return result
    try:
        pickle.loads(pickle.dumps(result))
    except Exception:
        kind = MonitorError if isinstance(result, MonitorError) else RuntimeError
        return kind(f"{type(result).__name__}: {result}")
    return result
