"""StoryKeeper: puts each new document in a story, and tells which alerts are copies.

A document joins the story of the most similar earlier document (see `grouping`) seen
within `stories.window` in the same language, else starts a story of its own. The time is
when the document was seen, not its stated publication date: outlets' clocks and time
zones disagree, the order of arrival does not.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from monitor.config import Config, StoriesConfig
from monitor.models import Alert, Document, Outlet
from monitor.stories.base import StoryStore
from monitor.stories.grouping import best_story
from monitor.stories.signature import sign

if TYPE_CHECKING:
    from monitor.matching.ruleset import Rule

MAX_CANDIDATES = 64  # stored documents compared with a new one, at most
INDEX_CAP = 32  # documents of a story whose band keys are indexed (a story with thousands
# of copies is still found through its first ones, at bounded cost)

Targets = list[tuple[str, str]]  # (notifier, digest)


def story_id(doc: Document) -> str:
    """The id of a story started by `doc` (stable: the same after a restart)."""
    return hashlib.sha256(f"{doc.id}\0{doc.content_hash}".encode()).hexdigest()[:16]


def outlet_of(doc: Document, seen: float) -> Outlet:
    """The outlet a document comes from, as a story lists it."""
    try:
        host = (urlsplit(doc.url).hostname or "") if doc.url else ""
    except ValueError:
        host = ""
    return Outlet(document=doc.id, source=doc.source, host=host.removeprefix("www."),
                  url=doc.url, title=doc.title[:300], seen=datetime.fromtimestamp(seen, UTC))


def story_keeper(config: Config, store: StoryStore) -> StoryKeeper | None:
    """The daemon's StoryKeeper, or None when `stories.enabled` is false."""
    if not config.stories.enabled:
        return None
    feeds = frozenset(n.name for n in config.notifiers if n.type == "atom")
    return StoryKeeper(store, config.stories, feeds=feeds)


class StoryKeeper:
    """Story assignment over a StoryStore. `feeds` names the Atom notifiers: a copy
    attached to a story goes to them only (they update the story's entry)."""

    def __init__(
        self, store: StoryStore, config: StoriesConfig, *, feeds: Collection[str] = ()
    ) -> None:
        self.store = store
        self.config = config
        self.feeds = frozenset(feeds)

    def assign(self, doc: Document, language: str | None, now: float | None = None) -> str:
        """The story of a new document, recorded in the store (the same one when the
        document was assigned before, e.g. before a crash)."""
        known = self.store.story_of(doc.id)
        if known is not None:
            return known
        now = time.time() if now is None else now
        sig = sign(doc.title, doc.body)
        story = None
        if sig.usable:
            candidates = self.store.story_candidates(
                sig.bands, since=now - self.config.window, language=language,
                limit=MAX_CANDIDATES,
            )
            story = best_story(sig.shingles, candidates, self.config.threshold)
        story = story or story_id(doc)
        self.store.join_story(story=story, outlet=outlet_of(doc, now), language=language,
                              shingles=sig.to_bytes(), bands=sig.bands, index_cap=INDEX_CAP)
        return story

    def route(
        self, alert: Alert, rule: Rule, story: str, targets: Targets
    ) -> tuple[Alert, Targets]:
        """The alert marked with its story, and the notifiers it goes to: when the rule
        already alerted on this story (and has `stories` on), it is attached to that alert
        and goes only to the Atom notifiers, which update the entry in place; but the
        first copy that brings the story to the rule's `spreading` outlets alerts again."""
        alert = alert.model_copy(update={"story": story})
        if not rule.stories:
            return alert, targets
        lead = self.store.story_alert(alert.rule, story)
        if lead is None or lead == alert.id:
            return alert, targets
        spread = self._spreading(alert, story, rule.spreading)
        if spread is not None:
            return spread, targets
        attached = alert.model_copy(update={"attached_to": lead})
        return attached, [t for t in targets if t[0] in self.feeds]

    def _spreading(self, alert: Alert, story: str, at: int | None) -> Alert | None:
        """The rule's "story is spreading" alert, when due now and not raised before."""
        if at is None:
            return None
        outlets = len({o.name for o in self.store.story_outlets(story)})
        spread_id = Alert.make_id(alert.rule, f"spreading\0{story}")
        if outlets < at or self.store.get_alert(spread_id) is not None:
            return None
        return alert.model_copy(update={"id": spread_id, "spreading": outlets})


def language_of(doc: Document, alerts: Sequence[Alert]) -> str | None:
    """A document's language: as detected for its alerts, else the source's hint."""
    for alert in alerts:
        if alert.language:
            return alert.language
    return doc.language
