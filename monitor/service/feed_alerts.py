"""Source health alerts: a feed failing for longer than `feeds.alert_after` is reported once
through the notifiers, and once more when it recovers. The events are worked out by pure
functions; `report_feeds` records them in the store."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from monitor.delivery.routing import everyone
from monitor.models import Alert, Document
from monitor.sources.base import Source
from monitor.sources.feed_state import FeedState, feed_health, state_key
from monitor.store import Store

log = logging.getLogger(__name__)

HEALTH_RULE = "feed-health"
HEALTH_TITLE = "Feed health"
HEALTH_STATE = "health-alerts"  # the state key of the outages reported


@dataclass(frozen=True, kw_only=True, slots=True)
class HealthEvent:
    """A feed crossed the line: `failing` (reported) or `recovered`."""

    feed: str
    kind: str  # "failing" | "recovered"
    since: float  # when it started failing
    alert: Alert


def feed_healths(health: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every feed's health in a source's health(): the source itself, or each OPML feed."""
    if health.get("type") == "feed":
        yield health
    for feed in health.get("feeds") or ():
        yield from feed_healths(feed)


def health_events(
    health: Mapping[str, Any], reported: Mapping[str, float], now: float, alert_after: float
) -> list[HealthEvent]:
    """What to report for one feed's health, given the failures already reported
    (`reported`: feed id -> failing_since of the reported outage)."""
    feed = str(health["id"])
    since = health.get("failing_since")
    if since is not None and feed not in reported and now - float(since) >= alert_after:
        return [_event(health, "failing", float(since), now)]
    if since is None and feed in reported:
        return [_event(health, "recovered", reported[feed], now)]
    return []


def _event(health: Mapping[str, Any], kind: str, since: float, now: float) -> HealthEvent:
    feed = str(health["id"])
    started = datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%d %H:%M UTC")
    hours = (now - since) / 3600
    if kind == "failing":
        title = f"Feed {feed} has been failing for {hours:.0f} h"
        body = (
            f"The feed {feed} ({health.get('url') or 'no URL'}) has failed every poll since "
            f"{started}: {health.get('failures') or 0} consecutive failures. "
            f"Last error: {health.get('last_error') or health.get('disabled') or 'unknown'}. "
            "`monitor feeds` shows its state; it keeps being retried."
        )
    else:
        title = f"Feed {feed} has recovered"
        body = f"The feed {feed} works again after failing since {started} ({hours:.0f} h)."
    doc = Document(
        id=f"health:{feed}:{since:.0f}:{kind}",
        source=feed,
        title=title,
        body=body,
        url=health.get("url"),
        published=datetime.fromtimestamp(now, UTC),
    )
    alert = Alert(
        id=Alert.make_id(HEALTH_RULE, doc.content_hash),
        rule=HEALTH_RULE,
        rule_title=HEALTH_TITLE,
        document=doc,
        kind="health",
    )
    return HealthEvent(feed=feed, kind=kind, since=since, alert=alert)


def healths_of(sources: Iterable[Source], store: Store, *, shared: bool) -> list[Mapping[str, Any]]:
    """Every feed's health as this process sees it, or, with several nodes (`shared`), as
    the last poll by any node left it: each node knows only its own polls, and a feed that
    another node has since found working would be reported failing again (and the reverse).
    The sites behind a source's pages, whose failures each node keeps for itself, stay
    as this node sees them."""
    healths = [feed for source in sources for feed in feed_healths(source.health())]
    if not shared:
        return healths
    keys = [state_key(str(feed["id"])) for feed in healths]
    saved = store.get_states(keys)
    return [_saved(feed, saved[key]) if key in saved else feed
            for feed, key in zip(healths, keys, strict=True)]


def _saved(feed: Mapping[str, Any], state: Mapping[str, Any]) -> Mapping[str, Any]:
    return feed_health(str(feed["id"]), cast(FeedState, dict(state)), title=feed.get("title"),
                       url=feed.get("url"))


def report_feeds(
    store: Store, healths: Iterable[Mapping[str, Any]], notifiers: Collection[str], *,
    alert_after: float, now: float,
) -> list[HealthEvent]:
    """Record an alert to every notifier for each feed failing longer than `alert_after`
    (once) and for each recovery; the outages reported are kept in the state."""
    reported: dict[str, float] = store.get_state(HEALTH_STATE)
    events: list[HealthEvent] = []
    for feed in healths:
        events += health_events(feed, reported, now, alert_after)
    for event in events:
        store.add_alert(event.alert, everyone(notifiers))
        if event.kind == "failing":
            reported[event.feed] = event.since
            log.warning("%s", event.alert.document.title, extra={"source": event.feed})
        else:
            reported.pop(event.feed, None)
            log.info("%s", event.alert.document.title, extra={"source": event.feed})
    if events:
        store.set_state(HEALTH_STATE, reported)
    return events
