"""/metrics content: what the daemon records shows up, and prometheus-client parses it."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor import metrics
from monitor.errors import DeliveryError
from monitor.models import Alert, Document


def _samples() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.exposition()[0].decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _value(name: str, **labels: str) -> float:
    return _samples().get((name, tuple(sorted(labels.items()))), 0.0)


def test_recorded_values_appear_in_the_parsed_exposition() -> None:
    before = _value("monitor_documents_ingested_total", source="m-src")
    metrics.record_document("m-src")
    metrics.record_document("m-src")
    metrics.record_match("m-rule")
    metrics.record_poll("m-src", 0.2, ok=True)
    metrics.record_poll("m-src", 3.0, ok=False)
    metrics.record_reload(ok=False)
    metrics.record_reload(ok=True, rules=7)
    metrics.record_pass(1_700_000_000.0)
    with metrics.timed(metrics.current().analysis_seconds):
        pass

    assert _value("monitor_documents_ingested_total", source="m-src") == before + 2
    assert _value("monitor_matches_total", rule="m-rule") >= 1
    assert _value("monitor_polls_total", source="m-src", result="error") >= 1
    assert _value("monitor_poll_duration_seconds_count", source="m-src") >= 2
    assert _value("monitor_rule_reloads_total", result="error") >= 1
    assert _value("monitor_rules") == 7
    assert _value("monitor_last_pass_timestamp_seconds") == 1_700_000_000.0
    assert _value("monitor_analysis_seconds_count") >= 1
    assert metrics.exposition()[1].startswith("text/plain")


class Flaky:
    """A notifier that fails when told to."""

    name = "m-hook"

    def __init__(self) -> None:
        self.fail = False
        self.sent: list[str] = []

    async def send(self, alert: Alert) -> None:
        if self.fail:
            raise DeliveryError(self.name, "503 from the server")
        self.sent.append(alert.id)

    async def send_digest(self, alerts: Sequence[Alert], title: str) -> None:
        self.sent.extend(a.id for a in alerts)


def _alert(n: int) -> Alert:
    doc = Document(id=f"d{n}", source="s", title=f"title {n}")
    return Alert(id=f"a{n}", rule="r", rule_title="R", document=doc)


async def test_metered_notifier_counts_deliveries_and_failures() -> None:
    inner = Flaky()
    notifier = metrics.MeteredNotifier(inner)
    assert _value("monitor_delivery_failures_total", notifier="m-hook") == 0  # series exist
    await notifier.send(_alert(1))
    await notifier.send_digest([_alert(2), _alert(3)], "daily")
    inner.fail = True
    with pytest.raises(DeliveryError):
        await notifier.send(_alert(4))
    assert inner.sent == ["a1", "a2", "a3"]
    assert _value("monitor_deliveries_total", notifier="m-hook") == 3
    assert _value("monitor_delivery_failures_total", notifier="m-hook") == 1
    assert notifier.fail is True  # other attributes reach the wrapped notifier
