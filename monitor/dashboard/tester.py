"""The rule tester: a rule, or a query typed in, over the documents stored in the last days.

It runs the same scan as `monitor backfill --dry-run` (monitor.pipeline.scan_rule) and
records nothing. A typed query is compiled together with the rule files, so it may use
their topics and entities (`@china`); it is checked like a rule in a file. One test runs at
a time and looks at the newest MAX_DOCUMENTS documents at most, so the daemon's own
matching is never starved.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import yaml

from monitor.config import Config
from monitor.dashboard.state import open_reader
from monitor.errors import MonitorError, RuleError
from monitor.matching import RuleSet, load_rules
from monitor.matching.files import rule_files
from monitor.models import Alert
from monitor.pipeline import scan_rule
from monitor.yamlfile import did_you_mean

MAX_DOCUMENTS = 2000
MAX_DAYS = 30
QUERY_RULE = "typed-query"  # the id a typed query is compiled under
_LOCK = threading.Lock()
_CACHE: OrderedDict[tuple[object, ...], RuleSet] = OrderedDict()


class TesterError(MonitorError):
    """The test cannot run: an unknown rule, a query that does not parse, a busy tester."""


@dataclass(frozen=True, kw_only=True)
class TestRun:
    """What a test found: the alerts, which of them were alerted before, and what it read."""

    rule: str
    alerts: tuple[Alert, ...]
    alerted: frozenset[str]  # document ids the rule has already alerted on
    scanned: int
    stored: int  # documents stored in the period (more than `scanned` when capped)


def run_test(config: Config, rules: RuleSet, *, rule: str | None, query: str | None,
             days: float) -> TestRun:
    """Run `rule` (an id in `rules`) or `query` over the last `days` of stored documents."""
    import time

    if query:
        rules, rule = typed_query_rules(config, query), QUERY_RULE
    elif not rule or rule not in rules.rules:
        hint = did_you_mean(rule or "", rules.rules) if rule else ""
        raise TesterError(f"no rule {rule!r}{hint}" if rule else "choose a rule or type a query")
    if not _LOCK.acquire(timeout=30):
        raise TesterError("another test is running; try again in a moment")
    try:
        with open_reader(config) as reader:
            docs, stored = reader.documents_since(time.time() - days * 86400, MAX_DOCUMENTS)
            found = scan_rule(rules, rule, docs, config.languages)
            alerted = reader.alerted(rule, [a.document.id for a in found])
    finally:
        _LOCK.release()
    found.sort(key=lambda a: a.document.published or a.document.fetched, reverse=True)
    return TestRun(rule=rule, alerts=tuple(found), alerted=frozenset(alerted),
                   scanned=len(docs), stored=stored)


def typed_query_rules(config: Config, query: str) -> RuleSet:
    """The rule files' rule set with the typed query added as rule QUERY_RULE."""
    files = rule_files(config.rules)
    key = (query, tuple((str(p), p.stat().st_mtime_ns) for p in files))
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    with tempfile.TemporaryDirectory(prefix="monitor-tester-") as tmp:
        folder = Path(tmp)
        for i, path in enumerate(files):
            (folder / f"{i:05d}.yaml").write_bytes(path.read_bytes())
        doc = {"rules": [{"id": QUERY_RULE, "title": "typed query", "query": query}]}
        (folder / "zz-typed-query.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True))
        try:
            rules = load_rules(folder, languages=config.languages, check_examples=False,
                               sources=[s.id for s in config.sources])
        except RuleError as exc:
            raise TesterError(_query_problems(exc)) from exc
    with _LOCK:
        _CACHE[key] = rules
        while len(_CACHE) > 4:
            _CACHE.popitem(last=False)
    return rules


def _query_problems(exc: RuleError) -> str:
    """The problems of the typed query alone (the rule files load in the daemon, so any
    problem is the query's), without the temporary file's name."""
    mine = [e for e in exc.errors if QUERY_RULE in e.message] or exc.errors
    return "; ".join(e.message.replace(f" (rule {QUERY_RULE})", "") for e in mine)
