"""The StoryStore protocol: what the store keeps about stories (part of `Store`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from monitor.models import Alert, Outlet

if TYPE_CHECKING:  # grouping is the daemon's: not for every user of the store
    from monitor.stories.grouping import Candidate


@dataclass(frozen=True, slots=True, kw_only=True)
class StorySummary:
    """One story as `monitor stories` lists it."""

    id: str
    title: str  # the headline of its first document
    size: int  # documents in it
    outlets: tuple[str, ...]  # outlet names (web host, else source id), first seen first
    first_seen: float  # unix time
    last_seen: float
    rules: tuple[str, ...] = ()  # rules that alerted on it


class StoryStore(Protocol):
    """Story membership, signatures and the LSH band index, kept with the rest of the state.

    Every call is atomic; joining a story twice with the same document changes nothing,
    so a document handled again after a crash lands in the same story.
    """

    def story_of(self, document: str) -> str | None:
        """The story a document joined, or None."""
        ...

    def story_candidates(
        self, bands: Sequence[int], *, since: float, language: str | None, limit: int
    ) -> list[Candidate]:
        """Documents seen at or after `since` sharing a band key, in the same language (or
        of unknown language), newest first, at most `limit`."""
        ...

    def join_story(
        self, *, story: str, outlet: Outlet, language: str | None,
        shingles: bytes, bands: Sequence[int], index_cap: int,
    ) -> None:
        """Record that a document belongs to a story, with its signature; its band keys are
        indexed only while the story has fewer than `index_cap` documents (bounded work)."""
        ...

    def story_outlets(self, story: str, limit: int = 200) -> list[Outlet]:
        """The story's documents, first seen first, at most `limit`."""
        ...

    def story_alert(self, rule: str, story: str) -> str | None:
        """The id of the alert a rule raised (not attached) for a story, or None."""
        ...

    def get_alert(self, alert_id: str) -> Alert | None:
        """A recorded alert by id, or None."""
        ...

    def stories_since(self, since: float, rule: str | None = None,
                      limit: int = 1000) -> list[StorySummary]:
        """Stories last seen at or after `since` (only those a rule alerted on, when given),
        most recent first."""
        ...

    def story_counts(self) -> dict[str, int]:
        """{"stories": stories kept, "documents": their documents, "attached": alerts
        attached to a story instead of being sent}."""
        ...
