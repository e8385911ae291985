"""The Source protocol: something that yields documents when polled."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol, runtime_checkable

from monitor.models import Document


@runtime_checkable
class StateStore(Protocol):
    """The part of the Store a source may use to remember things (e.g. feed validators)."""

    def get_state(self, key: str) -> dict[str, Any]:
        """The saved state for `key`, {} when none."""
        ...

    def set_state(self, key: str, state: dict[str, Any]) -> None:
        """Replace the saved state for `key`."""
        ...


class MemoryState:
    """A StateStore that remembers for its own lifetime only and writes nothing (`monitor
    test` of a URL, tests)."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}

    def get_state(self, key: str) -> dict[str, Any]:
        return dict(self.data.get(key, {}))

    def set_state(self, key: str, state: dict[str, Any]) -> None:
        self.data[key] = dict(state)


class Source(Protocol):
    """A place documents come from: a folder, a feed.

    A source is an async context manager (it may hold an HTTP client or a file watcher).
    `poll()` never raises for bad input: a file or entry that cannot be read is logged
    and skipped; a source that cannot be reached at all raises SourceError, which the
    daemon logs before trying again on the next interval.
    """

    id: str
    interval: float  # seconds between polls

    async def __aenter__(self) -> Source:
        """Acquire resources (HTTP client, watcher)."""
        ...

    async def __aexit__(self, *exc: object) -> None:
        """Release them."""
        ...

    async def poll(self) -> list[Document]:
        """Documents that may be new or changed since the last poll.

        Returning a document twice is harmless (the store knows what it has seen), but a
        source should avoid re-reading what has not changed.
        """
        ...

    def changes(self) -> AsyncIterator[None] | None:
        """An iterator that yields when the source should be polled early (file events),
        or None when the source is only polled on its interval."""
        ...

    def settling(self) -> float | None:
        """Seconds until something the last poll saw but left (a file still being
        written) can be read, or None when nothing waits. `run --once` waits for it."""
        ...

    def health(self) -> Mapping[str, Any]:
        """What `monitor status` / `monitor feeds` show about this source (JSON-able):
        at least its `id` and `type`; a feed's is a `FeedHealth` (sources/feed_state.py)."""
        ...
