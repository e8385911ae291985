"""The Store contract, run on both stores (SQLite file, PostgreSQL database): documents,
alert uniqueness (also between processes racing), the outbox's states, source state,
pruning and stories."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from monitor.models import Alert, Document, Outlet
from monitor.store import Store

Opener = Callable[[], Store]


def doc(id: str = "seeds:a.txt", title: str = "Headline", body: str = "Body",
        source: str = "seeds") -> Document:
    return Document(id=id, source=source, title=title, body=body)


def alert(d: Document, rule: str = "r1", created: float | None = None, **extra: object) -> Alert:
    when = datetime.fromtimestamp(created, UTC) if created is not None else datetime.now(UTC)
    return Alert(id=Alert.make_id(rule, d.content_hash), rule=rule, rule_title="R", document=d,
                 created=when, **extra)  # type: ignore[arg-type]


@pytest.fixture
def store(new_store: Opener) -> Store:
    return new_store()


def test_document_versions_and_duplicates(store: Store) -> None:
    assert store.document_status(doc()) == "new"
    assert store.put_document(doc()) == "new"
    assert store.put_document(doc()) == "unchanged"
    assert store.put_document(doc(body="Changed")) == "changed"
    assert store.put_document(doc(id="seeds:copy.txt", body="Changed")) == "duplicate"
    assert store.document_status(doc(id="seeds:b.txt", body="Other")) == "new"
    assert store.document_status(doc(body="Changed")) == "unchanged"
    stored = store.get_document("seeds:a.txt")
    assert stored is not None and stored.body == "Changed"
    assert store.get_document("missing") is None
    assert [d.id for d in store.documents_since(0)] == ["seeds:a.txt", "seeds:copy.txt"]
    assert store.source_counts()["seeds"]["documents"] == 2


def test_statuses_of_many_documents_answer_as_one_at_a_time(store: Store) -> None:
    store.put_document(doc())
    store.put_document(doc(id="seeds:b.txt", body="Other"))
    asked = [doc(id="seeds:b.txt", body="Other"), doc(body="Changed"), doc(id="seeds:n.txt"),
             doc(id="seeds:m.txt", body="Brand new"), doc()]
    expected = ["unchanged", "changed", "duplicate", "new", "unchanged"]
    assert store.document_statuses(asked) == expected
    assert [store.document_status(d) for d in asked] == expected
    assert store.document_statuses([]) == []


def test_a_batch_is_recorded_whole_or_not_at_all(new_store: Opener) -> None:
    store, reader = new_store(), new_store()
    first, second = doc(id="seeds:1.txt", body="One"), doc(id="seeds:2.txt", body="Two")
    with store.batch() as together:
        assert store.add_alert(alert(first), [("mail", "immediate")])
        store.put_document(first)
        if together:  # one transaction: another connection sees nothing of it yet
            assert reader.document_status(first) == "new"
    assert reader.document_status(first) == "unchanged"
    assert len(reader.due_deliveries(now=1e12)) == 1
    with pytest.raises(RuntimeError), store.batch() as together:
        store.put_document(second)
        raise RuntimeError("a failure in the middle of the batch")
    assert reader.document_status(second) == ("new" if together else "unchanged")


def test_same_alert_is_never_recorded_twice(store: Store) -> None:
    d = doc()
    assert store.add_alert(alert(d), [("mail", "immediate"), ("atom", "immediate")])
    assert not store.add_alert(alert(d), [("mail", "immediate")])
    # the same rule on a new version of the same document does not alert again
    assert not store.add_alert(alert(doc(body="v2")), [("mail", "immediate")])
    # another rule does
    assert store.add_alert(alert(d, rule="r2"), [("mail", "immediate")])
    assert len(store.due_deliveries(now=1e12)) == 3
    assert [d.notifier for d in store.due_deliveries(now=1e12, notifier="atom")] == ["atom"]
    got = store.get_alert(alert(d).id)
    assert got is not None and got.document == d
    assert store.get_alert("nope") is None


def _race(opener: Opener, start: multiprocessing.synchronize.Barrier,
          out: multiprocessing.queues.Queue[int]) -> None:
    store = opener()
    start.wait()
    added = sum(store.add_alert(alert(doc(id=f"d{n}", body=f"text {n}")), [("mail", "immediate")])
                for n in range(40))
    store.close()
    out.put(added)


def test_processes_racing_record_each_alert_once(new_store: Opener) -> None:
    new_store()  # the schema, before the race
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Barrier(3), ctx.Queue()
    workers = [ctx.Process(target=_race, args=(new_store, start, out)) for _ in range(3)]
    for w in workers:
        w.start()
    added = [out.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert sum(added) == 40
    assert len(new_store().due_deliveries(now=1e12, limit=1000)) == 40


def test_outbox_lifecycle(store: Store) -> None:
    store.add_alert(alert(doc()), [("mail", "immediate"), ("digest", "daily")])
    [due] = store.due_deliveries(now=1e12)
    assert due.notifier == "mail" and due.alert.document.title == "Headline"
    assert due.status == "pending" and due.attempts == 0 and due.delivered_at is None
    store.mark_retry([due.id], "connection refused", next_attempt=2e12)
    assert store.due_deliveries(now=1e12) == []
    [again] = store.due_deliveries(now=3e12)
    assert again.attempts == 1 and again.last_error == "connection refused"
    store.mark_failed([again.id], "gave up")
    [failed] = store.deliveries("failed")
    assert failed.id == again.id and failed.last_error == "gave up" and failed.attempts == 2
    assert store.retry_failed(now=0) == 1
    store.mark_delivered([again.id], now=5)
    [done] = store.deliveries("delivered")
    assert done.delivered_at == 5 and done.last_error is None
    store.mark_failed([again.id], "late")  # a delivered row stays delivered
    assert store.due_deliveries(now=1e12) == []
    assert [d.notifier for d in store.digest_deliveries("digest", "daily")] == ["digest"]
    assert store.pending_digests() == [("digest", "daily")]
    assert store.count_delivered("mail", "r1", since=0) == 1
    assert store.count_delivered("mail", "r1", since=6) == 0


def test_throttle_overflow_moves_to_a_digest(store: Store) -> None:
    for n in range(3):
        store.add_alert(alert(doc(id=f"d{n}", body=f"b{n}")), [("mail", "immediate")])
    ids = [d.id for d in store.due_deliveries(now=1e12)]
    store.move_to_digest(ids[1:], "hourly")
    assert [d.id for d in store.due_deliveries(now=1e12)] == ids[:1]
    assert {d.id for d in store.digest_deliveries("mail", "hourly")} == set(ids[1:])
    assert store.pending_digests() == [("mail", "hourly")]


def test_alert_queries(store: Store) -> None:
    store.add_alert(alert(doc(id="a", body="a"), created=100), [("mail", "immediate")])
    store.add_alert(alert(doc(id="b", body="b"), rule="r2", created=200), [("mail", "immediate")])
    store.add_alert(alert(doc(id="c", body="c"), rule="r2", created=300), [])
    [first] = store.due_deliveries(now=1e12, limit=1)
    store.mark_delivered([first.id], now=1)
    assert [a.document.id for a in store.alerts_since(150)] == ["c", "b"]
    assert [a.document.id for a in store.alerts_since(0, rule="r1")] == ["a"]
    assert store.rule_counts_since(0) == {
        "r1": {"alerts": 1, "pending": 0, "delivered": 1, "failed": 0},
        "r2": {"alerts": 2, "pending": 1, "delivered": 0, "failed": 0},
    }


def test_state_survives_reopen(new_store: Opener) -> None:
    s = new_store()
    s.set_state("source:feed", {"etag": '"abc"', "failures": 2})
    s.set_state("source:feed", {"etag": '"def"', "failures": 0})
    s.put_document(doc())
    s.close()
    s = new_store()
    assert s.get_state("source:feed") == {"etag": '"def"', "failures": 0}
    assert s.get_state("missing") == {}
    s.set_state("source:other", {"etag": None})
    assert s.get_states(["source:feed", "missing", "source:other"]) == {
        "source:feed": {"etag": '"def"', "failures": 0}, "source:other": {"etag": None}}
    assert s.get_states([]) == {}
    assert s.document_status(doc()) == "unchanged"


def test_set_states_writes_many_in_one_call(store: Store) -> None:
    store.set_state("source:a", {"etag": '"old"'})
    shared = {"sources": {"a": {"ok": True}}}
    store.set_states({"source:a": {"etag": '"new"'}, "status": shared, "status:n1": shared})
    assert store.get_states(["source:a", "status", "status:n1"]) == {
        "source:a": {"etag": '"new"'}, "status": shared, "status:n1": shared}
    store.set_states({})
    assert store.get_state("source:a") == {"etag": '"new"'}


def test_prune_keeps_ids_and_pending_alerts(store: Store) -> None:
    old, kept = doc(id="old", body="old"), doc(id="kept", body="kept")
    store.put_document(old)
    store.put_document(kept)
    store.add_alert(alert(old, created=100), [("mail", "immediate")])
    store.add_alert(alert(kept, created=100), [("mail", "immediate")])
    [first, _] = store.due_deliveries(now=1e12)
    store.mark_delivered([first.id], now=1)
    store.set_state("page:https://x/", {"text": "t"})
    assert store.prune(before=2e12) >= 4
    assert store.get_document("old") is None  # its text is gone
    assert store.document_status(old) == "unchanged"  # its id and hash stay: no new alert
    assert [a.document.id for a in store.alerts_since(0)] == ["kept"]  # still pending
    assert store.get_state("page:https://x/") == {}


def test_stories(store: Store) -> None:
    seen = datetime.fromtimestamp(1000, UTC)
    outlets = [Outlet(document=f"d{n}", source=f"s{n}", host=f"h{n}.example", url=None,
                      title=f"T{n}", seen=datetime.fromtimestamp(1000 + n, UTC))
               for n in range(3)]
    for n, outlet in enumerate(outlets):
        store.join_story(story="S", outlet=outlet, language="en", shingles=bytes([n]) * 8,
                         bands=[n, 10 + n], index_cap=2)
    store.join_story(story="S", outlet=outlets[0], language="en", shingles=b"x" * 8,
                     bands=[99], index_cap=2)  # joining twice changes nothing
    other = Outlet(document="o", source="s", host="h", title="Other", seen=seen)
    store.join_story(story="O", outlet=other, language="de", shingles=b"\0" * 8, bands=[1],
                     index_cap=2)
    assert store.story_of("d1") == "S" and store.story_of("nope") is None
    assert [o.document for o in store.story_outlets("S")] == ["d0", "d1", "d2"]
    found = store.story_candidates([0, 1, 2, 99], since=0, language="en", limit=10)
    assert [c.document for c in found] == ["d1", "d0"]  # d2 past the index cap; "o" is German
    assert [c.document for c in store.story_candidates([1], since=0, language=None, limit=10)] \
        == ["d1", "o"]
    assert store.story_candidates([0], since=1001, language="en", limit=10) == []
    a = alert(doc(id="d0"), story="S")
    store.add_alert(a, [])
    store.add_alert(alert(doc(id="d1", body="x"), story="S", attached_to=a.id), [])
    assert store.story_alert("r1", "S") == a.id and store.story_alert("r2", "S") is None
    [summary, _] = store.stories_since(0)
    assert (summary.id, summary.size, summary.title, summary.rules) == ("S", 3, "T0", ("r1",))
    assert [s.id for s in store.stories_since(0, rule="r1")] == ["S"]
    assert store.story_counts() == {"stories": 2, "documents": 4, "attached": 1}
    assert store.prune(before=1001.5) >= 2  # story documents seen before then are forgotten
    assert [o.document for o in store.story_outlets("S")] == ["d2"]
