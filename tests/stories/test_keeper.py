"""StoryKeeper over a real state (SQLite file and PostgreSQL database): assignment, window,
language, restarts."""

from __future__ import annotations

from collections.abc import Callable

from monitor.config import StoriesConfig
from monitor.models import Document
from monitor.store import SQLiteStore, Store
from monitor.stories.keeper import INDEX_CAP, StoryKeeper
from tests.stories.articles import FOOTER, OTHER_EN, SAME_SUBJECT_EN, WIRE_EN, copies

T0 = 1_800_000_000.0
Opener = Callable[[], Store]


def _indexed(store: Store) -> int:
    """Documents in the band index."""
    sql = "SELECT count(DISTINCT doc) AS n FROM story_bands"
    if isinstance(store, SQLiteStore):
        return int(store._db.execute(sql).fetchone()[0])
    return int(store._one(sql)["n"])  # type: ignore[attr-defined]


def doc(doc_id: str, title: str, body: str, source: str = "wire") -> Document:
    return Document(id=doc_id, source=source, title=title, body=body,
                    url=f"https://{source}.example/{doc_id}")


def test_copies_join_the_story_whatever_arrives_first(new_store: Opener) -> None:
    store = new_store()
    keeper = StoryKeeper(store, StoriesConfig())
    kinds = copies(WIRE_EN)
    first = keeper.assign(doc("c-truncated", *kinds["truncated"], "short"), "en", T0)
    story = {keeper.assign(doc(f"c-{kind}", title, body, f"outlet-{kind}"), "en", T0 + n)
             for n, (kind, (title, body)) in enumerate(kinds.items())}
    original = keeper.assign(doc("orig", "Defence deal", WIRE_EN), "en", T0 + 60)
    other = keeper.assign(doc("other", "Drones", SAME_SUBJECT_EN), "en", T0 + 70)
    assert story == {first} and original == first
    assert other != first
    outlets = store.story_outlets(first)
    assert len(outlets) == len(kinds) + 1  # c-truncated was assigned twice, kept once
    assert outlets[0].host == "short.example" and outlets[0].document == "c-truncated"
    assert store.story_counts()["stories"] == 2


def test_a_boilerplate_page_glues_nothing(new_store: Opener) -> None:
    store = new_store()
    keeper = StoryKeeper(store, StoriesConfig())
    a = keeper.assign(doc("a", "Bridge", OTHER_EN + "\n\n" + FOOTER), "en", T0)
    page = keeper.assign(doc("page", "Newsletter", FOOTER), "en", T0 + 1)
    b = keeper.assign(doc("b", "Deal", WIRE_EN + "\n\n" + FOOTER), "en", T0 + 2)
    assert len({a, page, b}) == 3


def test_window_and_language_keep_copies_apart(new_store: Opener) -> None:
    store = new_store()
    keeper = StoryKeeper(store, StoriesConfig(window=3600))
    first = keeper.assign(doc("a", "Deal", WIRE_EN), "en", T0)
    assert keeper.assign(doc("b", "Deal", WIRE_EN + " Update."), "en", T0 + 3000) == first
    assert keeper.assign(doc("c", "Deal", WIRE_EN + " Later."), "en", T0 + 9000) != first
    assert keeper.assign(doc("d", "Deal", WIRE_EN + " Tagged."), "de", T0 + 10) != first
    # a document whose language is unknown may join any story
    assert keeper.assign(doc("e", "Deal", WIRE_EN + " Unknown."), None, T0 + 10) == first


def test_stories_survive_a_restart(new_store: Opener) -> None:
    store = new_store()
    keeper = StoryKeeper(store, StoriesConfig())
    first = keeper.assign(doc("a", "Deal", WIRE_EN), "en", T0)
    store.close()
    store = new_store()
    keeper = StoryKeeper(store, StoriesConfig())
    # handled again (a crash before it was marked seen): the same story, once
    assert keeper.assign(doc("a", "Deal", WIRE_EN), "en", T0 + 5) == first
    assert keeper.assign(doc("b", *copies(WIRE_EN)["dateline"]), "en", T0 + 9) == first
    assert [o.document for o in store.story_outlets(first)] == ["a", "b"]


def test_a_story_with_many_copies_costs_bounded_work(new_store: Opener) -> None:
    store = new_store()
    keeper = StoryKeeper(store, StoriesConfig())
    stories = {keeper.assign(doc(f"d{n}", "Deal", f"Copy {n}. " + WIRE_EN, f"s{n}"),
                             "en", T0 + n) for n in range(120)}
    assert len(stories) == 1
    assert _indexed(store) == INDEX_CAP
    [summary] = store.stories_since(T0)
    assert summary.size == 120 and len(summary.outlets) == 120
