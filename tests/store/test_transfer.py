"""`monitor state --migrate-to`: a SQLite state copied into PostgreSQL keeps its seen
documents (also pruned ones), alerts, the outbox with every status, source state and
stories; a filled target and a running daemon are refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.models import Alert, Document, Outlet
from monitor.store import SQLiteStore
from monitor.store.postgres import PostgresStore


def doc(n: int) -> Document:
    return Document(id=f"inbox:{n}", source="inbox", title=f"T{n}", body=f"Body {n}")


def alert(d: Document, rule: str = "r1") -> Alert:
    return Alert(id=Alert.make_id(rule, d.content_hash), rule=rule, rule_title="R", document=d)


def fill(path: Path) -> dict[str, list[int]]:
    """A state with a pruned document, alerts in every outbox status, a digest, source
    state and a story; returns the delivery ids by status."""
    with SQLiteStore(path) as s:
        for n in range(5):
            s.put_document(doc(n))
            s.add_alert(alert(doc(n)), [("mail", "immediate"), ("digest", "daily")])
        s._db.execute("UPDATE documents SET data = '' WHERE id = 'inbox:0'")  # pruned text
        ids = [d.id for d in s.due_deliveries(now=1e12)]
        s.mark_delivered(ids[:2], now=10)
        s.mark_retry(ids[2:3], "refused", next_attempt=2e12)
        s.mark_failed(ids[3:4], "gave up")
        s.set_state("source:wire", {"etag": '"x"', "failures": 1})
        seen = datetime.fromtimestamp(1000, UTC)
        for n in range(2):
            s.join_story(story="S", outlet=Outlet(document=f"inbox:{n}", source="inbox",
                         host="h", title=f"T{n}", seen=seen), language="en",
                         shingles=bytes([n, 1, 2, 3]), bands=[7, 8], index_cap=10)
        return {status: sorted(d.id for d in s.deliveries(status))  # type: ignore[arg-type]
                for status in ("pending", "delivered", "failed")}


def project(tmp_path: Path) -> Path:
    (tmp_path / "rules").mkdir()
    cfg = tmp_path / "config.yaml"
    cfg.write_text("languages: [en]\nstate: state.db\nrules: rules/\n")
    return cfg


def migrate(cfg: Path, url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["state", "--config", str(cfg), "--migrate-to", url])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_everything_is_copied(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = project(tmp_path)
    before = fill(tmp_path / "state.db")
    code, out = migrate(cfg, postgres_url, capsys)
    assert code == 0, out
    assert "5 documents" in out and "10 deliveries" in out and f"state: {postgres_url}" in out
    with PostgresStore(postgres_url) as pg:
        assert all(pg.document_status(doc(n)) == "unchanged" for n in range(5))
        kept = pg.get_document("inbox:1")
        assert pg.get_document("inbox:0") is None and kept is not None and kept.body == "Body 1"
        assert {status: sorted(d.id for d in pg.deliveries(status))  # type: ignore[arg-type]
                for status in ("pending", "delivered", "failed")} == before
        [retried] = [d for d in pg.deliveries("pending") if d.last_error]
        assert retried.attempts == 1 and retried.next_attempt == 2e12
        assert pg.digest_deliveries("digest", "daily")[0].alert.rule == "r1"
        assert not pg.add_alert(alert(doc(3)), [("mail", "immediate")])  # raised once only
        assert pg.get_state("source:wire") == {"etag": '"x"', "failures": 1}
        assert [o.document for o in pg.story_outlets("S")] == ["inbox:0", "inbox:1"]
        assert {c.document for c in pg.story_candidates([7], since=0, language="en",
                                                        limit=5)} == {"inbox:1", "inbox:0"}
        # new rows get new ids after the copied ones
        assert pg.add_alert(alert(doc(9)), [("mail", "immediate")])
        copied = [i for ids in before.values() for i in ids]
        assert max(d.id for d in pg.due_deliveries(now=1e12, limit=100)) > max(copied)
        pg.join_story(story="S", outlet=Outlet(document="inbox:9", source="inbox", host="h",
                      title="T9", seen=datetime.fromtimestamp(1001, UTC)), language="en",
                      shingles=b"abcd", bands=[7], index_cap=10)
        assert len(pg.story_outlets("S")) == 3


def test_a_filled_database_and_a_running_daemon_are_refused(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = project(tmp_path)
    fill(tmp_path / "state.db")
    assert migrate(cfg, postgres_url, capsys)[0] == 0
    code, out = migrate(cfg, postgres_url, capsys)  # a second time: not merged
    assert code == 1 and "already holds a monitor state" in out and "empty database" in out
    with SQLiteStore(tmp_path / "state.db"):  # a daemon holds the state
        code, out = migrate(cfg, postgres_url.rsplit("/", 1)[0] + "/other", capsys)
    assert code == 3 and "stop the daemon" in out
    code, out = migrate(cfg, re.sub("monitor@", "monitor:pw@", postgres_url), capsys)
    assert code == 2 and "PGPASSWORD" in out


def test_a_postgresql_state_copied_back_into_a_new_sqlite_file(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = project(tmp_path)
    before = fill(tmp_path / "state.db")
    assert migrate(cfg, postgres_url, capsys)[0] == 0
    cfg.write_text(f"languages: [en]\nstate: {postgres_url}\nrules: rules/\n")
    with PostgresStore(postgres_url) as pg:  # recorded in PostgreSQL after the move
        assert pg.add_alert(alert(doc(7)), [("mail", "immediate")])
    back = tmp_path / "back" / "state.db"
    back.parent.mkdir()

    code, out = migrate(cfg, str(back), capsys)
    assert code == 0, out
    assert "5 documents" in out and "11 deliveries" in out and f"state: {back}" in out
    with SQLiteStore(back) as s:
        assert all(s.document_status(doc(n)) == "unchanged" for n in range(5))
        assert s.get_document("inbox:0") is None and s.get_document("inbox:1") is not None
        after = {status: sorted(d.id for d in s.deliveries(status))  # type: ignore[arg-type]
                 for status in ("pending", "delivered", "failed")}
        assert after["delivered"] == before["delivered"]
        assert after["failed"] == before["failed"]
        assert set(before["pending"]) < set(after["pending"])  # and doc 7's delivery
        assert not s.add_alert(alert(doc(7)), [("mail", "immediate")])  # raised once only
        assert s.get_state("source:wire") == {"etag": '"x"', "failures": 1}
        assert [o.document for o in s.story_outlets("S")] == ["inbox:0", "inbox:1"]
        assert s.add_alert(alert(doc(9)), [("mail", "immediate")])
        assert max(d.id for d in s.due_deliveries(now=1e12, limit=100)) > max(
            i for ids in after.values() for i in ids)

    code, out = migrate(cfg, str(back), capsys)  # a second time: not merged
    assert code == 1 and "already holds a monitor state" in out and "new file" in out
    code, out = migrate(cfg, postgres_url, capsys)
    assert code == 1 and "already in PostgreSQL" in out
    code, out = migrate(cfg, str(tmp_path / "nowhere" / "state.db"), capsys)
    assert code == 1 and "is not a folder" in out
