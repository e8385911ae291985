"""What a feed remembers between polls (`FeedState`, saved in the store under
`source:<id>`) and the health it reports (`FeedHealth`, what `monitor feeds` and
`monitor status` show and the feed-health alerts read): typed, not string-keyed guesses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypedDict, cast


class FeedState(TypedDict, total=False):
    """A feed's saved state. Times are unix times; absent keys were never set."""

    config_url: str  # the URL in config.yaml this state belongs to (an edit starts afresh)
    url: str  # where the feed is fetched: config_url, or where it moved permanently
    status: int | None  # the last HTTP status, None when no answer came
    last_attempt: float
    last_success: float
    last_error: str | None
    failures: int  # consecutive failed polls
    failing_since: float | None
    next_poll: float | None
    backoff: float  # seconds until the next attempt after the last failure
    retry_at: float | None  # no attempt before this time (backoff or Retry-After)
    disabled: str  # why it is no longer polled (410 Gone)
    problem: str | None  # what was ill-formed in the last feed read
    entries_last: int
    entries_total: int
    etag: str | None
    last_modified: str | None
    moved: str | None  # a permanent move to another origin, not taken (the feed has headers)


class FeedHealth(TypedDict, total=False):
    """A feed's health as reported: every FeedState key but config_url (None when unset),
    plus its id and kind, `ok`, and where it was listed from."""

    id: str
    type: Literal["feed"]
    title: str  # the title an OPML file gives it
    ok: bool  # not disabled and not failing
    enabled: bool  # as config.yaml says (`monitor feeds`)
    opml: str  # the id of the OPML source that lists it
    url: str | None
    status: int | None
    last_attempt: float | None
    last_success: float | None
    last_error: str | None
    failures: int
    failing_since: float | None
    next_poll: float | None
    backoff: float | None
    retry_at: float | None
    disabled: str | None
    problem: str | None
    entries_last: int | None
    entries_total: int
    etag: str | None
    last_modified: str | None
    moved: str | None


def state_key(source_id: str) -> str:
    """The store key of a feed's saved state."""
    return f"source:{source_id}"


def fresh_state(url: str) -> FeedState:
    """The state of a feed never polled at `url`."""
    return FeedState(config_url=url, url=url, failures=0, entries_total=0)


def saved_state(saved: Mapping[str, Any], url: str) -> FeedState:
    """The state read from the store, or a fresh one when it was saved for another URL."""
    if saved.get("config_url") != url:  # new feed, or its URL was edited
        return fresh_state(url)
    return cast(FeedState, dict(saved))


def feed_health(source_id: str, state: FeedState, *, title: str | None = None,
                url: str | None = None) -> FeedHealth:
    """A feed's health from its saved state (what `monitor feeds` prints)."""
    out = FeedHealth(
        id=source_id, type="feed", url=state.get("url") or url, status=state.get("status"),
        last_attempt=state.get("last_attempt"), last_success=state.get("last_success"),
        last_error=state.get("last_error"), failures=state.get("failures") or 0,
        failing_since=state.get("failing_since"), next_poll=state.get("next_poll"),
        backoff=state.get("backoff"), retry_at=state.get("retry_at"),
        disabled=state.get("disabled"), problem=state.get("problem"),
        entries_last=state.get("entries_last"), entries_total=state.get("entries_total") or 0,
        etag=state.get("etag"), last_modified=state.get("last_modified"),
        moved=state.get("moved"),
    )
    if title:
        out["title"] = title
    out["ok"] = not out["disabled"] and not out["failures"]
    return out
