"""The data of each dashboard page, as plain JSON-able values: the HTML pages render them and
the `/api/...` endpoints return them as they are (docs/operations.md lists the fields).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from monitor import health
from monitor.config import Config, parse_duration
from monitor.dashboard.charts import bar_chart, day_labels, day_starts, per_day
from monitor.dashboard.state import MatchFilter, StateReader, open_reader
from monitor.dashboard.tester import MAX_DAYS, TesterError, TestRun, run_test
from monitor.delivery.render import alert_context, format_date
from monitor.errors import MonitorError
from monitor.matching import RuleSet
from monitor.models import Alert
from monitor.sources import feeds_health

PAGE_SIZE = 50
DAY = 86400.0


class BadRequest(MonitorError):
    """A query parameter the page cannot use (answered 400, naming the parameter)."""


@dataclass(frozen=True, kw_only=True)
class Desk:
    """What the dashboard reads: the config (its state file) and the rule set in force."""

    config: Config
    rules: Callable[[], RuleSet]
    clock: Callable[[], float] = time.time

    def reader(self) -> Any:
        return open_reader(self.config)

    @property
    def zone(self) -> str:
        return self.config.delivery.timezone


def match_json(alert: Alert, *, alerted: bool | None = None) -> dict[str, Any]:
    """One match as the pages and the API show it."""
    out = alert_context(alert)
    del out["paragraphs"]
    out |= {"score": round(alert.score, 3), "document": alert.document.id,
            "title": alert.document.title, "fetched": format_date(alert.document.fetched)}
    if alerted is not None:
        out["alerted"] = alerted
    return out


def chart_json(labels: list[str], counts: list[int], **size: int) -> dict[str, Any]:
    return asdict(bar_chart(labels, counts, **size))


# ---------------------------------------------------------------- overview


def overview(desk: Desk) -> dict[str, Any]:
    """Alerts today and in the last 7 days per rule (with a chart), sources with
    problems, the last matches."""
    now = desk.clock()
    starts = day_starts(now, 7, desk.zone)
    labels = day_labels(starts, desk.zone)
    rules = desk.rules()
    with desk.reader() as reader:
        times = reader.times(starts[0])
        last = reader.matches(MatchFilter(), limit=15)
        problems = source_problems(desk, reader)
    by_rule: dict[str, list[float]] = {r: [] for r in rules.rules}
    for rule, created in times:
        by_rule.setdefault(rule, []).append(created)
    rows = []
    for rule, created in sorted(by_rule.items()):
        counts = per_day(created, starts)
        known = rules.rules.get(rule)
        rows.append({"id": rule, "title": known.title if known else rule,
                     "active": known is not None, "today": counts[-1], "week": sum(counts),
                     "chart": chart_json(labels, counts)})
    return {"generated": now, "timezone": desk.zone, "rules": rows, "problems": problems,
            "last": [match_json(a) for a in last]}


def source_problems(desk: Desk, reader: StateReader) -> list[dict[str, str]]:
    """Sources and feeds the daemon reports unhealthy: {"source", "problem"}."""
    out = []
    status = health.status_sources(reader, reader.get_state(health.STATUS_KEY))
    for sid, info in sorted(status.items()):
        if not info.get("healthy", True):
            out.append({"source": sid, "problem": str(info.get("problem") or "unhealthy")})
    seen = {p["source"] for p in out}
    for row in feeds_health(desk.config.sources, reader):
        if row["id"] not in seen and (row.get("failures") or row.get("ok") is False):
            out.append({"source": row["id"],
                        "problem": str(row.get("last_error") or row.get("problem") or "failing")})
    return out


# ---------------------------------------------------------------- matches


def match_filter(params: Mapping[str, str], now: float) -> MatchFilter:
    """The filter a query string asks for (`rule`, `source`, `language`, `since` as an
    age like 7d, `min_score`); BadRequest naming a bad parameter."""
    since = _age(params.get("since") or "7d", "since")
    score = params.get("min_score") or None
    try:
        min_score = float(score) if score is not None else None
    except ValueError:
        raise BadRequest(f"min_score: {score!r} is not a number") from None
    if min_score is not None and not min_score >= 0:
        raise BadRequest(f"min_score: {score!r} is below 0")
    return MatchFilter(rule=params.get("rule") or None, source=params.get("source") or None,
                       language=params.get("language") or None, since=now - since,
                       min_score=min_score)


def matches(desk: Desk, params: Mapping[str, str]) -> dict[str, Any]:
    """One page of matches under the filters, newest first, with the filter choices."""
    now = desk.clock()
    f = match_filter(params, now)
    page = _int(params.get("page") or "1", "page", 1)
    with desk.reader() as reader:
        total = reader.count(f)
        found = reader.matches(f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        facets = reader.facets(now - 90 * DAY)
    filters = {k: params.get(k) or "" for k in ("rule", "source", "language", "min_score")}
    filters["since"] = params.get("since") or "7d"
    return {"filters": filters, "total": total, "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)), "matches": [match_json(a) for a in found],
            "choices": {"rules": sorted(desk.rules().rules), **facets}}


# ---------------------------------------------------------------- rules


def rules_list(desk: Desk) -> dict[str, Any]:
    """Every rule in force with its query and its matches over 30 days."""
    starts = day_starts(desk.clock(), 30, desk.zone)
    labels = day_labels(starts, desk.zone)
    with desk.reader() as reader:
        times = reader.times(starts[0])
    by_rule = Counter(rule for rule, _ in times)
    out = []
    for rule in sorted(desk.rules().rules.values(), key=lambda r: r.id):
        counts = per_day((t for r, t in times if r == rule.id), starts)
        out.append({"id": rule.id, "title": rule.title, "query": rule.query,
                    "month": by_rule[rule.id], "chart": chart_json(labels, counts)})
    return {"rules": out}


def rule_page(desk: Desk, rule_id: str) -> dict[str, Any] | None:
    """One rule: query, description and examples, matches per day over 30 days, top
    outlets, last matches; None when no such rule is in force."""
    rule = desk.rules().rules.get(rule_id)
    if rule is None:
        return None
    starts = day_starts(desk.clock(), 30, desk.zone)
    with desk.reader() as reader:
        times = [t for _, t in reader.times(starts[0], rule=rule_id)]
        outlets = Counter(_outlet(src, url) for src, url in reader.outlets(rule_id, starts[0]))
        last = reader.matches(MatchFilter(rule=rule_id), limit=20)
    counts = per_day(times, starts)
    return {
        "id": rule.id, "title": rule.title, "query": rule.query, "file": rule.file,
        "line": rule.line, "notify": rule.notify, "digest": rule.digest,
        "languages": rule.languages, "sources": rule.sources, "min_score": rule.min_score,
        **rule_notes(Path(rule.file), rule.id),
        "chart": chart_json(day_labels(starts, desk.zone), counts, width=600, height=120),
        "outlets": [{"outlet": o, "matches": n} for o, n in outlets.most_common(10)],
        "last": [match_json(a) for a in last],
    }


def rule_notes(file: Path, rule_id: str) -> dict[str, Any]:
    """A rule's description and examples, read from its file ({} when unreadable)."""
    from monitor.matching.files import read_rule_file

    try:
        for model, _ in read_rule_file(file).rules:
            if model.id == rule_id:
                ex = model.examples
                return {"description": model.description,
                        "examples": {"match": [_example(e) for e in ex.match] if ex else [],
                                     "no_match": [_example(e) for e in ex.no_match] if ex else []}}
    except (OSError, MonitorError):
        pass
    return {"description": None, "examples": {"match": [], "no_match": []}}


def _example(example: Any) -> str:
    return example if isinstance(example, str) else str(example.title)


def _outlet(source: str, url: str | None) -> str:
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else source


# ---------------------------------------------------------------- sources


def sources(desk: Desk) -> dict[str, Any]:
    """Every source with its stored documents and health, and the feeds' table (what
    `monitor feeds` shows)."""
    from monitor.cli.feeds import feed_state

    now = desk.clock()
    with desk.reader() as reader:
        counts = reader.source_counts()
        status = health.status_sources(reader, reader.get_state(health.STATUS_KEY))
        feeds = feeds_health(desk.config.sources, reader)
    rows = []
    for cfg in desk.config.sources:
        info = status.get(cfg.id) or {}
        rows.append({"id": cfg.id, "type": cfg.type, "enabled": cfg.enabled,
                     "documents": int(counts.get(cfg.id, {}).get("documents", 0)),
                     "newest": counts.get(cfg.id, {}).get("newest"),
                     "healthy": bool(info.get("healthy", True)), "problem": info.get("problem")})
    for row in feeds:
        row["state"] = feed_state(row, now)
    return {"generated": now, "sources": rows, "feeds": feeds}


def feeds_index(desk: Desk) -> dict[str, Any]:
    """The Atom feeds served under /feeds/, with their last change."""
    from monitor.web import FEED_NAME, feeds_folder

    folder = feeds_folder(desk.config)
    if folder is None:
        return {"feeds": [], "reason": "No Atom notifier is configured (add `type: atom`)."}
    try:
        files = sorted(p for p in folder.iterdir()
                       if FEED_NAME.match(p.name) and p.is_file() and not p.is_symlink())
    except OSError:
        files = []
    return {"feeds": [{"name": p.name, "url": f"/feeds/{p.name}",
                       "updated": p.stat().st_mtime} for p in files],
            "reason": "No feed has been written yet."}


# ---------------------------------------------------------------- rule tester


def tester(desk: Desk, params: Mapping[str, str]) -> dict[str, Any]:
    """The rule tester's form and, when a rule or query is given, what it would match."""
    rule, query = params.get("rule") or "", (params.get("query") or "").strip()
    days = _age(params.get("since") or "7d", "since") / DAY
    if days > MAX_DAYS:
        raise BadRequest(f"since: the tester looks back at most {MAX_DAYS} days")
    out: dict[str, Any] = {"rule": rule, "query": query, "since": params.get("since") or "7d",
                           "rules": sorted(desk.rules().rules), "ran": False,
                           "error": None}
    if not rule and not query:
        return out
    try:
        run: TestRun = run_test(desk.config, desk.rules(), rule=rule or None,
                                query=query or None, days=days)
    except TesterError as exc:
        return out | {"error": str(exc)}
    out |= {"ran": True, "scanned": run.scanned, "stored": run.stored,
            "matches": [match_json(a, alerted=a.document.id in run.alerted if not query else None)
                        for a in run.alerts]}
    return out


def _age(text: str, name: str) -> float:
    try:
        value = parse_duration(text)
    except ValueError as exc:
        raise BadRequest(f"{name}: {exc}") from None
    if value <= 0:
        raise BadRequest(f"{name}: {text!r} is not a positive age like 24h or 7d")
    return value


def _int(text: str, name: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{name}: {text!r} is not a whole number") from None
    if value < least:
        raise BadRequest(f"{name}: {text!r} is below {least}")
    return value
