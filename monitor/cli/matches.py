"""`monitor matches`: what fired, and why.

Each match shows its score and language, and the words that made it fire grouped by the
rule's term (`Россия (3: России, Россия, Россию)`), not once per spelling. An unknown
`--rule` is an error with the close ids; a list cut by `--limit` says how many exist.
Reading the rule ids takes only YAML: this command loads no matching engine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.cli.common import Exit, error
from monitor.cli.display import counted, safe, shorten, when

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.models import Alert, Hit
    from monitor.store import Store

FEW_RULES = 12  # an unknown --rule lists the valid ids when there are at most this many


def alert_json(alert: Alert) -> dict[str, Any]:
    """What `matches --json` prints for one alert."""
    from monitor.delivery.render import matched_on

    doc = alert.document
    return {
        "id": alert.id,
        "rule": alert.rule,
        "rule_title": alert.rule_title,
        "created": alert.created.isoformat(timespec="seconds"),
        "source": doc.source,
        "document": doc.id,
        "title": doc.title,
        "url": doc.url,
        "path": doc.path,
        "language": alert.language,
        "score": alert.score,
        "score_parts": dict(alert.score_parts),
        "story": alert.story,
        "delivery": "attached" if alert.attached_to else "alerted",
        "attached_to": alert.attached_to,
        "matched": [{"term": h.term, "field": h.field, "text": h.text} for h in alert.hits],
        "words": word_groups(alert.hits),
        "author": doc.author,
        "body_from": doc.body_from,
        "note": matched_on(doc),
    }


def word_groups(hits: Iterable[Hit]) -> list[dict[str, Any]]:
    """The hits grouped by the rule's term, in the order they fired: {"term", "count",
    "forms"}, the forms being the spellings found in the document, each once (case aside)."""
    groups: dict[str, dict[str, Any]] = {}
    for hit in hits:
        group = groups.setdefault(hit.term, {"term": hit.term, "count": 0, "forms": {}})
        group["count"] += 1
        group["forms"].setdefault(hit.text.casefold(), hit.text)
    return [g | {"forms": list(g["forms"].values())} for g in groups.values()]


def matched_words(hits: Iterable[Hit]) -> str:
    """`санкции (2), Россия (3: России, Россия, Россию), Пекин`: each term once, with how
    often it fired when more than once, and the forms found when any differs from it."""
    parts = []
    for g in word_groups(hits):
        term, count, forms = g["term"], g["count"], g["forms"]
        same = [f.casefold() for f in forms] == [term.casefold()]
        if same:
            parts.append(term if count == 1 else f"{term} ({count})")
        else:
            shown = ", ".join(forms)
            parts.append(f"{term} ({shown})" if count == 1 else f"{term} ({count}: {shown})")
    return ", ".join(parts)


def render_alert(alert: Alert, at: float | None = None) -> str:
    """One match for the terminal: time, rule, source, headline; score and language; the
    matched words; where the document is."""
    from monitor.delivery.render import matched_on

    doc = alert.document
    at = alert.created.timestamp() if at is None else at
    head = f"{when(at)}  {alert.rule}  {doc.source}  {shorten(doc.title, 100)}"
    words = matched_words(alert.hits) or "(no words: matched on metadata)"
    lines = [
        head,
        f"    score {alert.score:.2f}, language {alert.language or 'unknown'}",
        f"    matched: {words}",
    ]
    if note := matched_on(doc):
        lines.append(f"    ({note})")
    if alert.attached_to:
        lines.append(f"    a copy: attached to story {alert.story} (alert {alert.attached_to})")
    if doc.url or doc.path:
        lines.append(f"    {doc.url or doc.path}")
    return "\n".join(map(safe, lines))


def rule_ids(path: Path) -> set[str] | None:
    """The ids of the rules in the rule files under `path` (YAML only, no rule engine), or
    None when a file cannot be read (then no id is known to be wrong)."""
    import yaml

    files = [path] if path.is_file() else sorted(
        p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    ids: set[str] = set()
    for file in files:
        try:
            data = yaml.load(file.read_text(encoding="utf-8"), Loader=loader)
        except (OSError, UnicodeError, yaml.YAMLError):
            return None
        rules = data.get("rules") if isinstance(data, dict) else None
        for rule in rules if isinstance(rules, list) else []:
            if isinstance(rule, dict) and isinstance(rule.get("id"), str):
                ids.add(rule["id"])
    return ids


def unknown_rule(rule: str, config: Config, store: Store) -> str | None:
    """Why `--rule` names no rule (neither in the rule files nor in the stored matches),
    with the close ids, or None when it names one."""
    from monitor.wording import did_you_mean

    in_files = rule_ids(config.rules)
    if in_files is None or rule in in_files:
        return None
    known = in_files | {a.rule for a in store.alerts_since(0.0) if a.kind == "match"}
    if rule in known:
        return None
    listed = f"; rules: {', '.join(sorted(known))}" if 0 < len(known) <= FEW_RULES else ""
    return f"--rule: no rule {rule!r} in {config.rules}{did_you_mean(rule, known)}{listed}"


def run(args: argparse.Namespace, config: Config, store: Store) -> int:
    alerts = [a for a in store.alerts_since(time.time() - args.since, rule=args.rule)
              if a.kind == "match"]
    if args.rule and not alerts and (problem := unknown_rule(args.rule, config, store)):
        error(problem)
        return Exit.INVALID
    shown = alerts[: args.limit]
    if args.json:
        print(json.dumps([alert_json(a) for a in shown], indent=2, ensure_ascii=False))
    else:
        for alert in shown:
            print(render_alert(alert))
        scope = f"rule {args.rule!r}" if args.rule else "all rules"
        found = counted(len(shown), "match", "matches")
        print(f"{found} for {scope} since {when(time.time() - args.since)}")
    if len(shown) < len(alerts):
        print(more_note(shown, alerts, args.limit), file=sys.stderr if args.json else sys.stdout)
    return Exit.OK


def more_note(shown: Sequence[Alert], alerts: Sequence[Alert], limit: int) -> str:
    return (f"showing the newest {len(shown)} of {len(alerts)} matches; "
            f"use --limit {len(alerts)} to see them all (now --limit {limit})")
