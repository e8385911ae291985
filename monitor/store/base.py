"""The Store protocol: everything the daemon remembers between runs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from monitor.models import Alert, Document
from monitor.stories.base import StoryStore

DocumentStatus = Literal["new", "changed", "unchanged", "duplicate"]
DeliveryStatus = Literal["pending", "delivered", "failed"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivery:
    """One row of the outbox: an alert for one notifier (immediately, or in a digest)."""

    id: int
    alert: Alert
    notifier: str
    digest: str  # "immediate", "hourly", "daily" or a cron expression
    status: DeliveryStatus
    attempts: int
    next_attempt: float  # unix time
    last_error: str | None
    created: float
    delivered_at: float | None


class Store(StoryStore, Protocol):
    """Persistent state. One process writes (the daemon holds a lock); others may read.
    Stories (`StoryStore`) are part of it."""

    def put_document(self, doc: Document) -> DocumentStatus:
        """Remember a document and say whether its text is new.

        "new": an id never seen; "changed": a known id with new text (an update);
        "unchanged": a known id with the same text; "duplicate": a new id whose text is
        already stored under another id. Only "new" and "changed" are matched.
        """
        ...

    def document_status(self, doc: Document) -> DocumentStatus:
        """What `put_document` would answer, without recording anything."""
        ...

    def document_statuses(self, docs: Sequence[Document]) -> list[DocumentStatus]:
        """`document_status` of each document, in order (one query with PostgreSQL)."""
        ...

    def batch(self) -> AbstractContextManager[bool]:
        """Within it, this thread's calls share one transaction, committed at the end and
        rolled back whole when an exception leaves it; a failed call raises at once and
        is not retried. Enters True when the store does so (PostgreSQL: one round trip per
        statement instead of a connection check, BEGIN and COMMIT per call), False when
        each call stays a transaction of its own (SQLite, local and quick)."""
        ...

    def get_document(self, doc_id: str) -> Document | None:
        """A stored document by id, or None."""
        ...

    def documents_since(self, since: float) -> list[Document]:
        """Documents first seen or changed at or after `since` (unix time), oldest first."""
        ...

    def add_alert(self, alert: Alert, deliveries: Sequence[tuple[str, str]]) -> bool:
        """Record an alert with its outbox rows, one per (notifier, digest), atomically.

        Returns False (and records nothing) when this rule already alerted on this
        document id or on this text: the same alert is never raised twice.
        """
        ...

    def due_deliveries(
        self, now: float, limit: int = 100, notifier: str | None = None
    ) -> list[Delivery]:
        """Pending immediate deliveries whose next attempt is due, oldest first (only
        `notifier`'s when given)."""
        ...

    def digest_deliveries(self, notifier: str, digest: str) -> list[Delivery]:
        """Pending deliveries waiting for the given notifier's digest, newest first."""
        ...

    def mark_delivered(self, ids: Sequence[int], now: float) -> None:
        """Record that these deliveries succeeded; they are never sent again."""
        ...

    def mark_retry(self, ids: Sequence[int], error: str, next_attempt: float) -> None:
        """Record a failed attempt; the rows stay pending until `next_attempt`."""
        ...

    def mark_failed(self, ids: Sequence[int], error: str) -> None:
        """Give up on these deliveries (listed by `monitor alerts --failed`)."""
        ...

    def deliveries(self, status: DeliveryStatus, limit: int = 1000) -> list[Delivery]:
        """Deliveries in a given status, newest first."""
        ...

    def retry_failed(self, now: float) -> int:
        """Make every failed delivery pending again; return how many."""
        ...

    def pending_digests(self) -> list[tuple[str, str]]:
        """Every (notifier, digest) pair with pending digest deliveries (not immediate)."""
        ...

    def count_delivered(self, notifier: str, rule: str, since: float) -> int:
        """How many immediate deliveries of a rule's alerts this notifier made at or after
        `since` (the outbox's `max_per_hour` throttle)."""
        ...

    def move_to_digest(self, ids: Sequence[int], digest: str) -> None:
        """Send these pending deliveries with the given digest instead (throttle overflow)."""
        ...

    def alerts_since(self, since: float, rule: str | None = None) -> list[Alert]:
        """Alerts created at or after `since`, newest first, optionally for one rule."""
        ...

    def rule_counts_since(self, since: float) -> dict[str, dict[str, int]]:
        """Per rule with alerts since `since`: {"alerts", "pending", "delivered", "failed"}
        (the last three count that rule's deliveries by status; for `monitor status`)."""
        ...

    def source_counts(self) -> dict[str, dict[str, float]]:
        """Per source: {"documents": stored count, "newest": unix time of the newest}."""
        ...

    def get_state(self, key: str) -> dict[str, Any]:
        """A source's (or component's) saved state, {} when none."""
        ...

    def get_states(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The saved states of `keys` in one read: key -> state, the keys with none (or an
        empty one) left out."""
        ...

    def set_state(self, key: str, state: dict[str, Any]) -> None:
        """Replace a source's (or component's) saved state."""
        ...

    def set_states(self, states: Mapping[str, dict[str, Any]]) -> None:
        """`set_state` for many keys in one write (one transaction); a state given for
        several keys (the same object) is encoded once."""
        ...

    def prune(self, before: float) -> int:
        """Forget alerts older than `before` that are no longer pending, and the text of
        documents not updated since; a document's id and text hash stay, so a source that
        still lists it raises no alert again. Return how many rows were pruned."""
        ...

    def delivery_counts(self) -> dict[str, int]:
        """How many deliveries are pending, delivered and failed."""
        ...

    def size_bytes(self) -> int:
        """The state's size on disk."""
        ...

    def vacuum(self) -> None:
        """Return the space of deleted rows to the filesystem."""
        ...

    def close(self) -> None:
        """Release the file and the lock."""
        ...


def encoded_states(states: Mapping[str, dict[str, Any]],
                   now: float) -> list[tuple[str, str, float]]:
    """(key, JSON, now) rows of `set_states`; a state given for several keys is encoded once
    (the status snapshot, thousands of sources, is saved under two keys)."""
    done: dict[int, str] = {}
    rows = []
    for key, state in states.items():
        data = done.get(id(state))
        if data is None:
            data = done[id(state)] = json.dumps(state, default=str)
        rows.append((key, data, now))
    return rows
