"""/healthz and /metrics over real HTTP."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor import metrics
from monitor.config import HttpConfig
from monitor.health import healthz
from monitor.web import WebServer, add_health_routes


class FakeDaemon:
    """Just the two attributes /healthz looks at."""

    def __init__(self) -> None:
        self.scheduler_running = True
        self.last_pass = time.time()

    def health(self) -> tuple[int, dict[str, Any]]:
        return healthz(running=self.scheduler_running, last_pass=self.last_pass)


@pytest.fixture
async def served() -> AsyncIterator[tuple[WebServer, FakeDaemon]]:
    daemon = FakeDaemon()
    async with WebServer(HttpConfig(enabled=True, bind="127.0.0.1:0")) as server:
        add_health_routes(server, daemon.health)
        yield server, daemon


def get(server: WebServer, path: str) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection(*server.address, timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type") or "", resp.read().decode()
    finally:
        conn.close()


async def test_healthz_follows_the_scheduler_and_the_last_pass(
    served: tuple[WebServer, FakeDaemon],
) -> None:
    server, daemon = served
    status, ctype, body = get(server, "/healthz")
    assert status == 200 and ctype == "application/json" and json.loads(body)["status"] == "ok"

    daemon.last_pass -= 600  # the loop stalled
    status, _, body = get(server, "/healthz")
    assert status == 503 and "600 s ago" in json.loads(body)["reason"]

    daemon.last_pass, daemon.scheduler_running = time.time(), False
    status, _, body = get(server, "/healthz")
    assert status == 503 and json.loads(body)["reason"] == "the scheduler is not running"


async def test_metrics_parse_with_prometheus_clients_parser(
    served: tuple[WebServer, FakeDaemon],
) -> None:
    server, _ = served
    metrics.record_document("web-src")
    metrics.record_match("web-rule")
    status, ctype, body = get(server, "/metrics")
    assert status == 200 and ctype.startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(body)}
    assert {
        "monitor_documents_ingested",
        "monitor_matches",
        "monitor_poll_duration_seconds",
        "monitor_analysis_seconds",
        "monitor_matching_seconds",
        "monitor_deliveries",
        "monitor_delivery_failures",
        "monitor_rule_reloads",
    } <= set(families)
    samples = {
        (s.name, tuple(s.labels.items())): s.value
        for s in families["monitor_documents_ingested"].samples
    }
    assert samples[("monitor_documents_ingested_total", (("source", "web-src"),))] >= 1
