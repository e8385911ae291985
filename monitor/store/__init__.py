"""State: seen documents, source state (feed validators, health), alerts and the outbox."""

from __future__ import annotations

from monitor.store.base import Delivery, DocumentStatus, Store
from monitor.store.sqlite import SQLiteStore

__all__ = ["Delivery", "DocumentStatus", "SQLiteStore", "Store"]
