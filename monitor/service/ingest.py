"""Ingest: documents from a poll through analysis and matching into the outbox.

Matching runs in one thread of its own, `batch` documents per hand-over (handing each one
over on its own cost about a fifth more time), so the event loop (health page, deliveries,
other sources) keeps moving while documents are matched, even while a language's prefilter
is built first (seconds, with 100,000 rules). That thread hands the documents on to the
matching workers (`workers:`, match_workers.py) and waits for their results, in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor

from monitor import metrics
from monitor.delivery.routing import rule_targets
from monitor.errors import MonitorError, StoreUnavailable
from monitor.match_workers import MatchWorkers
from monitor.matching import RuleSet
from monitor.models import Alert, Document
from monitor.store import Store
from monitor.stories.keeper import StoryKeeper, language_of

log = logging.getLogger(__name__)

MATCH_BATCH = 32  # documents handed to the matching thread at a time


class Ingest:
    """Matches new documents with the rule set in force and records their alerts.

    Documents the state file could not take are kept (`take_kept`) for the source's next
    poll; `stopping()` true makes the rest of a poll wait for the next start.
    """

    def __init__(
        self,
        store: Store,
        rules: Callable[[], RuleSet],
        notifiers: Collection[str],
        languages: Sequence[str],
        *,
        stopping: Callable[[], bool] = lambda: False,
        batch: int = MATCH_BATCH,
        stories: StoryKeeper | None = None,
        workers: int = 1,
    ) -> None:
        self.store = store
        self._rules = rules
        self._notifiers = notifiers
        self._languages = tuple(languages)
        self._stopping = stopping
        self._batch = batch
        self._stories = stories  # None: copies are not grouped (`stories.enabled: false`)
        self._kept: dict[str, list[Document]] = {}  # the state file could not take them
        self.matcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="matcher")
        self.workers = MatchWorkers(workers, self._languages)  # used in the matching thread

    def close(self) -> None:
        """Stop the matching thread and its workers (work not begun is dropped: it is
        matched next start)."""
        self.matcher.shutdown(wait=True, cancel_futures=True)
        self.workers.close()

    def take_kept(self, source_id: str) -> list[Document]:
        """The documents of a source kept from an earlier poll (then forgotten here)."""
        return self._kept.pop(source_id, [])

    async def ingest(self, source_id: str, docs: list[Document]) -> int:
        """Match the documents not seen before (each text once) and record their alerts in
        the outbox; return the number of new alerts.

        Alerts are recorded before a document is marked as seen, so a crash in between
        re-matches it on the next start (the store ignores alerts it already has).
        """
        count = 0
        for first in range(0, len(docs), self._batch):
            if self._stopping():  # the rest is read again at the next start
                log.info("stopping: %d document(s) of %r left for the next start",
                         len(docs) - first, source_id)
                break
            try:
                fresh = self._new(docs, first)
            except (StoreUnavailable, OSError) as exc:
                self._keep(source_id, docs[first:], exc)
                break
            added, done = await self._match(source_id, docs, fresh)
            count += added
            if not done:
                break
            await asyncio.sleep(0)  # a batch of documents seen before awaits nothing else
        return count

    async def _match(
        self, source_id: str, docs: list[Document], fresh: list[tuple[int, Document]]
    ) -> tuple[int, bool]:
        """Match one batch and record it: (new alerts, whether the poll may go on)."""
        rules = self._rules()
        results = await asyncio.get_running_loop().run_in_executor(
            self.matcher, self.workers.alerts, rules, [d for _, d in fresh])
        together = self._record_together(rules, [d for _, d in fresh], results)
        if together is not None:
            return sum(self._report(doc, added) for doc, added in together), True
        count = 0
        for (at, doc), result in zip(fresh, results, strict=True):
            try:
                if isinstance(result, Exception):
                    raise result
                count += self._report(doc, self._record(rules, doc, result))
            except (StoreUnavailable, OSError) as exc:  # e.g. a full disk, a server restarting
                self._keep(source_id, docs[at:], exc)
                return count, False
            except MonitorError as exc:
                log.warning("source %r, document %s: %s", source_id, doc.id, exc,
                            extra={"source": source_id, "document": doc.id})
            except Exception:  # one odd document must not cost the rest of the batch
                log.exception("source %r, document %s: skipped after an unexpected error",
                              source_id, doc.id, extra={"source": source_id, "document": doc.id})
        return count, True

    def _new(self, docs: list[Document], first: int) -> list[tuple[int, Document]]:
        """The documents of the batch at `first` whose text was not matched before, with
        their places in `docs` (counted as documents seen)."""
        batch = docs[first:first + self._batch]
        fresh = [(first + i, d) for i, (d, status)
                 in enumerate(zip(batch, self.store.document_statuses(batch), strict=True))
                 if status in ("new", "changed")]
        for _, doc in fresh:
            metrics.record_document(doc.source)
        return fresh

    def _record_together(
        self, rules: RuleSet, docs: list[Document], results: Sequence[list[Alert] | Exception]
    ) -> list[tuple[Document, list[Alert]]] | None:
        """Record a matched batch in one transaction of the store (see Store.batch): each
        document with the alerts that were new. None when the store does not batch, or
        anything failed (then nothing of it was recorded, and the batch is recorded one
        document at a time, each failure handled on its own)."""
        matched = [r for r in results if not isinstance(r, Exception)]
        if len(matched) < len(results):
            return None
        try:
            with self.store.batch() as together:
                if not together:
                    return None
                return [(doc, self._record(rules, doc, alerts))
                        for doc, alerts in zip(docs, matched, strict=True)]
        except Exception as exc:
            log.info("a batch of %d document(s) could not be recorded at once (%s); "
                     "recording them one by one", len(docs), exc)
            return None

    def _report(self, doc: Document, recorded: list[Alert]) -> int:
        """Log and count a recorded document's new alerts; return how many."""
        for alert in recorded:
            metrics.record_match(alert.rule)
            log.info("%s: rule %s on %s: %s", "copy" if alert.attached_to else "match",
                     alert.rule, doc.id, doc.title[:120],
                     extra={"rule": alert.rule, "source": doc.source, "document": doc.id})
        return len(recorded)

    def _record(self, rules: RuleSet, doc: Document, alerts: list[Alert]) -> list[Alert]:
        """Put a matched document's alerts in the outbox, then mark it seen; return the
        alerts that were new."""
        recorded = []
        story = self._stories.assign(doc, language_of(doc, alerts)) if self._stories else None
        for alert in alerts:
            rule = rules.rules[alert.rule]
            targets = rule_targets(rule, self._notifiers)
            if self._stories is not None and story is not None:
                alert, targets = self._stories.route(alert, rule, story, targets)
            if self.store.add_alert(alert, targets):
                recorded.append(alert)
        self.store.put_document(doc)
        return recorded

    def _keep(self, source_id: str, docs: list[Document], exc: Exception) -> None:
        """The state cannot be written: keep the documents for the next poll."""
        self._kept[source_id] = docs
        log.error("source %r: the state file cannot be written (%s); %d document(s) kept "
                  "for the next poll", source_id, exc, len(docs), extra={"source": source_id})
