"""Operator commands: `monitor status`, `monitor state`, and (from cli/history.py)
`monitor matches` and `monitor backfill`.

Read-only commands open the state without its lock, so they work while the daemon runs.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING, Any

from monitor.cli import history
from monitor.cli.common import Exit, add_command, config_or_none, error, open_state, with_state
from monitor.cli.display import ago, counted, size, table, when
from monitor.errors import LockedError
from monitor.health import STATUS_KEY, quiet, status_sources

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.store import Store

DAY = 86400.0


def register(sub: Any) -> None:
    p = add_command(
        sub, "status", with_state(_status),
        "one screen on the service: daemon, sources, rules, deliveries, last 24 h per rule, "
        "state size",
    )
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    history.register(sub)
    p = add_command(
        sub, "state", _state,
        "show the state (size and row counts); --vacuum compacts it; --migrate-to copies a "
        "SQLite state into PostgreSQL, or a PostgreSQL state into a new SQLite file",
    )
    p.add_argument(
        "--vacuum",
        action="store_true",
        help="rebuild the file to give free space back (the daemon must be stopped)",
    )
    p.add_argument(
        "--migrate-to", metavar="URL|PATH",
        help="copy the SQLite state into the empty PostgreSQL database postgresql://user@"
        "host:port/dbname (password from PGPASSWORD or ~/.pgpass; the daemon must be "
        "stopped), or a PostgreSQL state into the new SQLite file PATH (a snapshot: stop "
        "the nodes before switching)",
    )


# ---------------------------------------------------------------- status


def _status(args: argparse.Namespace, config: Config, store: Store) -> int:
    data = collect_status(config, store, time.time())
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        print(render_status(data, time.time()))
    return Exit.OK


def collect_status(config: Config, store: Store, now: float) -> dict[str, Any]:
    """Everything `monitor status` shows, as JSON-able data."""
    snap = store.get_state(STATUS_KEY)
    daemon = _daemon_state(snap, now)
    stored = store.source_counts()
    reported = status_sources(store, snap)  # (several nodes: each source's freshest line)
    sources = []
    for cfg in config.sources:
        # as the daemon last reported it (the daemon line says whether that is now)
        live = reported.get(cfg.id, {})
        counts = stored.get(cfg.id, {})
        sources.append(
            {
                "id": cfg.id,
                "type": cfg.type,
                "enabled": cfg.enabled,
                "documents_stored": int(counts.get("documents", 0)),
                "newest_document": counts.get("newest"),
                **live,
            }
        )
    failed = [
        {
            "notifier": d.notifier,
            "rule": d.alert.rule,
            "attempts": d.attempts,
            "error": d.last_error,
            "title": d.alert.document.title,
        }
        for d in store.deliveries("failed", limit=5)
    ]
    return {
        "nodes": _nodes(config),
        "config": str(config.path),
        "state": {"path": _where(config), "size_bytes": store.size_bytes()},
        "http": {"enabled": config.http.enabled, "bind": config.http.bind},
        "daemon": daemon,
        "sources": sources,
        "rules": _rules_state(snap, daemon["state"] == "running"),
        "deliveries": store.delivery_counts(),
        "stories": store.story_counts(),
        "recent_failures": failed,
        "last_24h": store.rule_counts_since(now - DAY),
    }


def _nodes(config: Config) -> dict[str, Any] | None:
    """The nodes sharing a PostgreSQL state (None for a SQLite file: one daemon)."""
    from monitor.cluster import open_coordinator, shared_url
    from monitor.cluster.report import nodes_report
    from monitor.errors import ClusterError

    if shared_url(config) is None:
        return None
    try:
        coordinator = open_coordinator(config, node="monitor-status")
        try:
            return nodes_report(coordinator)
        finally:
            coordinator.close()
    except ClusterError as exc:
        return {"error": str(exc)}


def _daemon_state(snap: dict[str, Any], now: float) -> dict[str, Any]:
    if not snap:
        state = "never run"
    elif not snap.get("running"):
        state = "stopped"
    elif quiet(snap, now):
        state = "not responding"  # killed, or its event loop is stuck
    else:
        state = "running"
    keys = ("pid", "started", "last_pass", "updated")
    return {"state": state, **{k: snap.get(k) for k in keys}}


def _rules_state(snap: dict[str, Any], running: bool) -> dict[str, Any]:
    # Loading the rules here would take seconds (dictionaries, compilation); `monitor
    # check` does that. Show what the daemon reported, and say when that was.
    rules = snap.get("rules") or {"count": None, "loaded_at": None, "error": None}
    if running:
        source = "the running daemon"
    else:
        source = "when the daemon last ran" if snap else "unknown: the daemon has not run"
    return {**rules, "source": source}


def render_status(data: dict[str, Any], now: float) -> str:
    """The status as a screen of text."""
    d = data["daemon"]
    daemon = d["state"]
    if d["pid"] and daemon != "never run":
        daemon += f" (pid {d['pid']}, started {when(d['started'])})"
    out = [f"daemon:      {daemon}; last pass {ago(d['last_pass'], now)}"]
    if data.get("nodes") is not None:
        out += _render_nodes(data["nodes"], now)
    out.append(_render_rules(data["rules"]))
    dl = data["deliveries"]
    out.append(
        f"deliveries:  {dl['pending']} pending, {dl['delivered']} delivered, {dl['failed']} failed"
    )
    st = data["stories"]
    out.append(f"stories:     {st['stories']} ({counted(st['documents'], 'document')}), "
               f"{counted(st['attached'], 'copy', 'copies')} attached to an alert sent before")
    out.append(f"state:       {data['state']['path']} ({size(data['state']['size_bytes'])})")
    if data["http"]["enabled"]:
        out.append(f"http:        http://{data['http']['bind']}/ (/healthz, /metrics, /feeds/)")
    out += ["", "sources:", _render_sources(data["sources"], now)]
    rows = [
        (rule, c["alerts"], c["pending"], c["delivered"], c["failed"])
        for rule, c in data["last_24h"].items()
    ]
    out += ["", "last 24 h per rule:"]
    out.append(
        table(("RULE", "ALERTS", "PENDING", "DELIVERED", "FAILED"), rows) if rows else "  no alerts"
    )
    if data["recent_failures"]:
        out += [
            "",
            "recent failed deliveries (`monitor alerts --failed` lists them all, --retry resends):",
        ]
        for f in data["recent_failures"]:
            out.append(
                f"  {f['notifier']} / rule {f['rule']} after {f['attempts']} attempts: {f['error']}"
            )
    return "\n".join(out)


def _render_nodes(nodes: dict[str, Any], now: float) -> list[str]:
    if "error" in nodes:
        return [f"nodes:       cannot be listed: {nodes['error']}"]
    states = [n["state"] for n in nodes["nodes"]]
    counts = ", ".join(f"{states.count(s)} {s}" for s in sorted(set(states))) or "none yet"
    q = nodes["queue"]
    out = [f"nodes:       {counts}; queue: {q['queued']} to match, {q['claimed']} being matched"]
    rows = [(n["node"], n["host"], n["pid"], n["state"], ago(n["seen"], now), n["rules_hash"],
             _leases(n["leases"])) for n in nodes["nodes"]]
    if rows:
        out.append(table(("NODE", "HOST", "PID", "STATE", "SEEN", "RULES", "LEASES"), rows))
    if nodes["rules_mismatch"]:
        out.append(f"  WARNING: {nodes['rules_mismatch']}")
    return out


def _leases(names: list[str]) -> str:
    """A node's leases in a column: each by name, but source polls counted past a few (a
    node claims up to twice `feeds.max_concurrent` turns at once; --json lists them all)."""
    polls = [n for n in names if n.startswith("source:")]
    shown = [n for n in names if not n.startswith("source:")]
    shown += polls if len(polls) <= 3 else [f"{len(polls)} source polls"]
    return ", ".join(shown) or "-"


def _render_rules(rules: dict[str, Any]) -> str:
    if rules["error"]:
        first = str(rules["error"]).splitlines()[0]
        n = rules["count"]
        kept = f"{counted(n, 'rule')} still in force; " if n else ""
        return f"rules:       ERROR ({rules['source']}): {kept}{first}"
    if rules["count"] is None:
        return f"rules:       {rules['source']} (`monitor check` validates the rule files)"
    return (
        f"rules:       {counted(rules['count'], 'rule')}, "
        f"loaded {when(rules['loaded_at'])} "
        f"({rules['source']})"
    )


def _render_sources(sources: list[dict[str, Any]], now: float) -> str:
    rows = []
    for s in sources:
        if not s["enabled"]:
            health = "paused"
        elif "healthy" not in s:
            health = "-"
        else:
            health = "ok" if s["healthy"] else "ERROR"
        problem = (s.get("problem") or s.get("last_error")) if health == "ERROR" else ""
        rows.append(
            (
                s["id"],
                s["type"],
                health,
                ago(s.get("last_poll"), now),
                s["documents_stored"],
                ago(s["newest_document"], now),
                problem or "",
            )
        )
    if not rows:
        return "  none configured"
    return table(("SOURCE", "TYPE", "HEALTH", "LAST POLL", "STORED", "NEWEST", "PROBLEM"), rows)


# ---------------------------------------------------------------- state


def _where(config: Config) -> str:
    """The state's place for messages: the SQLite file or the PostgreSQL URL."""
    return config.state_url or str(config.state)


def _state(args: argparse.Namespace) -> int:
    config = config_or_none(args)
    if config is None:
        return Exit.INVALID
    if args.migrate_to:
        from monitor.cli.migrate import migrate_to

        return migrate_to(config, args.migrate_to)
    try:
        with open_state(config, lock=args.vacuum) as store:
            if store is None:
                return Exit.ERROR
            before = store.size_bytes()
            if args.vacuum:
                store.vacuum()
                after = store.size_bytes()
            else:
                counts = store.delivery_counts()
                documents = sum(int(c["documents"]) for c in store.source_counts().values())
                print(
                    f"{_where(config)}: {size(before)}; {counted(documents, 'document')}; "
                    "deliveries: " + ", ".join(f"{n} {k}" for k, n in counts.items())
                )
                return Exit.OK
    except LockedError as exc:
        error(f"{exc}\n(vacuum needs the daemon stopped; reading works while it runs)")
        return Exit.LOCKED
    if config.state_url is None:  # closed: the rebuilt pages moved from the WAL into the file
        from monitor.store.sqlite import files_size

        after = files_size(config.state)
    print(f"vacuumed {_where(config)}: {size(before)} -> {size(after)}")
    return Exit.OK
