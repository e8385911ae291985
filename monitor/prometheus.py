"""The process's Prometheus registry and its metrics (monitor.metrics imports this module on
the first use of a metric, unless nothing in the process can read them)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from monitor.metrics import Metrics

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST

# per-document work is in milliseconds; polls and deliveries in seconds
_FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_SLOW = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)

METRICS = Metrics(
    documents=Counter(
        "monitor_documents_ingested",
        "New or changed documents analysed, per source.",
        ["source"], registry=REGISTRY),
    polls=Counter(
        "monitor_polls",
        "Polls of a source, per source and result (ok or error).",
        ["source", "result"], registry=REGISTRY),
    poll_seconds=Histogram(
        "monitor_poll_duration_seconds",
        "Time to poll a source and ingest what it returned.",
        ["source"], buckets=_SLOW, registry=REGISTRY),
    analysis_seconds=Histogram(
        "monitor_analysis_seconds",
        "Time to analyse one document (language, tokens, lemmas).",
        buckets=_FAST, registry=REGISTRY),
    matching_seconds=Histogram(
        "monitor_matching_seconds",
        "Time to match one analysed document against every rule.",
        buckets=_FAST, registry=REGISTRY),
    matches=Counter(
        "monitor_matches",
        "New alerts recorded, per rule.",
        ["rule"], registry=REGISTRY),
    deliveries=Counter(
        "monitor_deliveries",
        "Alerts delivered, per notifier (a digest counts each alert).",
        ["notifier"], registry=REGISTRY),
    delivery_failures=Counter(
        "monitor_delivery_failures",
        "Failed delivery attempts, per notifier.",
        ["notifier"], registry=REGISTRY),
    rule_reloads=Counter(
        "monitor_rule_reloads",
        "Reloads of the rule files, per result (ok or error).",
        ["result"], registry=REGISTRY),
    rules=Gauge("monitor_rules", "Rules in force.", registry=REGISTRY),
    last_pass=Gauge(
        "monitor_last_pass_timestamp_seconds",
        "Unix time the scheduler last completed a pass.",
        registry=REGISTRY),
)


def exposition() -> bytes:
    """The registry in the Prometheus text format (serve with CONTENT_TYPE)."""
    return generate_latest(REGISTRY)
