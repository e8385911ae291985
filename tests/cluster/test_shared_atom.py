"""Atom feeds with a shared state: nodes on different machines (different folders) take turns
at the notifier without losing entries, and any node serves the feeds from the state."""

from __future__ import annotations

from pathlib import Path

import feedparser

from monitor.config import AtomNotifierConfig
from monitor.delivery.atom import AtomNotifier
from monitor.delivery.atom_shared import shared_feeds
from monitor.registry import Resources
from monitor.store.postgres import PostgresStore
from monitor.web import Request
from tests.delivery.conftest import make_alert


def atom(folder: Path, store: PostgresStore) -> AtomNotifier:
    cfg = AtomNotifierConfig(type="atom", name="atom", path=folder,
                             base_url="https://news.example.org/feeds")
    return AtomNotifier.from_config(cfg, Resources(store=store, shared=True))


def get(handler: object, name: str, headers: dict[str, str] | None = None) -> object:
    return handler(Request(method="GET", path=f"/feeds/{name}", query="",  # type: ignore[operator]
                           headers=headers or {}))


async def test_nodes_on_two_machines_keep_one_feed_and_each_serves_it(
    tmp_path: Path, postgres_url: str
) -> None:
    store = PostgresStore(postgres_url)
    try:
        async with atom(tmp_path / "one", store) as one, atom(tmp_path / "two", store) as two:
            await one.send(make_alert("First, by one", n=1))
            await two.send(make_alert("Second, by two", n=2))
            await one.send(make_alert("Third, by one", n=3))
        # a third node that never wrote a feed serves them from the state
        (tmp_path / "three").mkdir()
        handler = shared_feeds(store, tmp_path / "three")
        answer = get(handler, "all.atom")
        assert answer.status == 200  # type: ignore[attr-defined]
        titles = [e.title for e in feedparser.parse(answer.body).entries]  # type: ignore[attr-defined]
        assert titles == ["Third, by one", "Second, by two", "First, by one"]
        etag = answer.headers["ETag"]  # type: ignore[attr-defined]
        assert get(handler, "all.atom", {"If-None-Match": etag}).status == 304  # type: ignore[attr-defined]
        assert get(handler, "nothing.atom").status == 404  # type: ignore[attr-defined]
    finally:
        store.close()
    one_file = feedparser.parse((tmp_path / "one" / "defence-china.atom").read_bytes())
    assert len(one_file.entries) == 3  # its own folder is complete too
