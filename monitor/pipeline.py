"""The pure core of the daemon: rule files -> a rule set, a document -> its alerts.

`monitor check`, `monitor history` and the benchmarks use the very same functions as the
daemon, so what they report is what it does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from monitor import metrics
from monitor.config import Config
from monitor.errors import MonitorError, RuleError
from monitor.matching import RuleSet
from monitor.matching.cached import load_cached
from monitor.matching.explain import field_texts, snippets
from monitor.models import Alert, Document
from monitor.text.analysis import analyze


def load_rule_set(
    config: Config,
    prepare: Sequence[str] = (),
    warnings: list[RuleError] | None = None,
    *,
    path: Path | None = None,
) -> RuleSet:
    """The rules as the daemon and `monitor check` load them (same code, same checks),
    with the prefilter of the languages in `prepare` built (else on first use); `warnings`
    collects what `monitor check` warns about; from `path` instead of `config.rules` when
    given (the last good copy kept in the state). The compiled set is kept in the cache
    folder and read back while nothing it depends on changes (monitor.matching.cached)."""
    rules = load_cached(
        [config.rules if path is None else path],
        folder=config.cache_dir,
        languages=config.languages,
        notifiers=[n.name for n in config.notifiers],
        sources=[s.id for s in config.sources],
        warnings=warnings,
    )
    if prepare:
        rules.prepare(prepare)
    return rules


def make_alerts(rules: RuleSet, doc: Document, languages: Sequence[str]) -> list[Alert]:
    """Analyse a document and turn every rule that matches into an Alert (pure)."""
    observed = metrics.current()
    with metrics.timed(observed.analysis_seconds):
        analysis = analyze(doc, languages)
    with metrics.timed(observed.matching_seconds):
        matches = rules.match(analysis, doc)
    alerts = []
    texts = field_texts(doc) if matches else ("", "")
    for match in matches:
        rule = rules.rules[match.rule]
        alerts.append(
            Alert(
                id=Alert.make_id(rule.id, doc.content_hash),
                rule=rule.id,
                rule_title=rule.title,
                document=doc,
                language=analysis.language,
                score=match.score,
                score_parts=match.score_parts,
                hits=match.hits,
                counts=match.counts,
                snippets=snippets(doc, match.hits, texts=texts),
            )
        )
    return alerts


def scan_rule(
    rules: RuleSet, rule: str, docs: Iterable[Document], languages: Sequence[str],
    skipped: Callable[[Document, MonitorError], None] | None = None,
) -> list[Alert]:
    """The alerts `rule` raises on `docs`, recording nothing: what `backfill` lists and the
    dashboard's rule tester shows. A document that cannot be analysed is passed to
    `skipped` and left out."""
    out: list[Alert] = []
    for doc in docs:
        try:
            out += [a for a in make_alerts(rules, doc, languages) if a.rule == rule]
        except MonitorError as exc:
            if skipped is not None:
                skipped(doc, exc)
    return out
