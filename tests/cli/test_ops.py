"""`monitor status`, `matches`, `state` and `backfill` on a populated state file."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.cli.display import size
from monitor.health import STATUS_KEY, snapshot
from monitor.models import Alert, Document, Hit
from monitor.store import SQLiteStore

NOW = time.time()


@pytest.fixture(autouse=True)
def _fresh_now() -> None:
    """`NOW` is each test's start: the daemon's snapshot must look recent when read, however
    long after import the test runs."""
    global NOW
    NOW = time.time()
RU_TITLE = "Азербайджан начинает диалог с Китаем в оборонной промышленности"


def doc(n: int, title: str, body: str = "", source: str = "seeds") -> Document:
    return Document(
        id=f"{source}:{n}.txt", source=source, title=title, body=body, path=f"seeds/{n}.txt"
    )


def alert(d: Document, rule: str, *, age: float = 0.0, words: tuple[str, ...] = ()) -> Alert:
    hits = tuple(Hit(term=w, field="title", text=w, start=0, end=len(w)) for w in words)
    return Alert(
        id=Alert.make_id(rule, d.content_hash),
        rule=rule,
        rule_title=rule.title(),
        document=d,
        hits=hits,
        created=datetime.fromtimestamp(NOW - age, UTC),
    )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def state(project: Path) -> Path:
    """The shipped project with a state: 3 documents, 3 alerts (one 3 days old), deliveries
    delivered, pending and failed, and the snapshot of a running daemon."""
    path = project / "out" / "state.db"
    with SQLiteStore(path) as store:
        d1 = doc(1, RU_TITLE)
        d2 = doc(2, "Beijing arms sales grow")
        d3 = doc(3, "Old news about China defence industry")
        for d in (d1, d2, d3):
            store.put_document(d)
        words = ("Китаем", "оборонной промышленности")
        store.add_alert(
            alert(d1, "defence-china", age=60, words=words),
            [("analysts", "immediate"), ("atom", "immediate")],
        )
        store.add_alert(
            alert(d2, "arms", age=30, words=("arms sales", "Beijing")), [("analysts", "immediate")]
        )
        store.add_alert(
            alert(d3, "defence-china", age=3 * 86400, words=("China",)), [("analysts", "immediate")]
        )
        pending = store.due_deliveries(time.time() + 1)
        by_alert = {(p.alert.rule, p.notifier, p.alert.document.id): p.id for p in pending}
        store.mark_delivered([by_alert[("defence-china", "analysts", d1.id)]], NOW)
        store.mark_failed([by_alert[("arms", "analysts", d2.id)]], "notifier 'analysts': 550")
        store.set_state(
            STATUS_KEY,
            snapshot(
                started=NOW - 3600,
                running=True,
                last_pass=NOW - 2,
                rules=1,
                rules_loaded_at=NOW - 3600,
                rules_error=None,
                now=NOW - 5,
                sources={
                    "seeds": {
                        "healthy": False,
                        "last_poll": NOW - 3,
                        "documents": 3,
                        "last_error": "source 'seeds': permission denied",
                    }
                },
            ),
        )
    return project


def cfg(project: Path) -> str:
    return str(project / "config.yaml")


def test_status_json_summarises_the_state(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "status", "--config", cfg(state), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["daemon"]["state"] == "running"
    assert data["rules"]["count"] == 1 and data["rules"]["source"] == "the running daemon"
    assert data["deliveries"] == {"pending": 2, "delivered": 1, "failed": 1}
    assert data["last_24h"] == {
        "arms": {"alerts": 1, "pending": 0, "delivered": 0, "failed": 1},
        "defence-china": {"alerts": 1, "pending": 1, "delivered": 1, "failed": 0},
    }
    [seeds] = data["sources"]
    assert seeds["id"] == "seeds" and seeds["documents_stored"] == 3
    assert seeds["healthy"] is False
    assert data["state"]["size_bytes"] > 0
    assert data["http"] == {"enabled": False, "bind": "127.0.0.1:8080"}
    assert data["recent_failures"][0]["error"] == "notifier 'analysts': 550"


def test_status_screen(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "status", "--config", cfg(state))
    assert code == 0
    assert "daemon:      running (pid" in out
    assert "deliveries:  2 pending, 1 delivered, 1 failed" in out
    assert "permission denied" in out  # the failing source says why
    row = next(line for line in out.splitlines() if line.strip().startswith("defence-china"))
    assert row.split() == ["defence-china", "1", "1", "1", "0"]
    assert "notifier 'analysts': 550" in out


def test_status_notices_a_daemon_that_stopped_answering(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SQLiteStore(state / "out" / "state.db", lock=False) as store:
        snap = store.get_state(STATUS_KEY)
        store.set_state(STATUS_KEY, {**snap, "updated": NOW - 600})
    code, out, _ = run(capsys, "status", "--config", cfg(state), "--json")
    assert code == 0 and json.loads(out)["daemon"]["state"] == "not responding"


def test_status_without_a_state_says_so(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "status", "--config", cfg(project))
    assert code == 1 and "does not exist yet" in err
    assert not (project / "out" / "state.db").exists()


def test_matches_lists_recent_alerts_with_their_words(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "matches", "--config", cfg(state))
    assert code == 0
    assert RU_TITLE in out and "matched: Китаем, оборонной промышленности" in out
    assert "Beijing arms sales grow" in out
    assert "Old news" not in out  # 3 days old, outside the default 24 h
    assert out.index("Beijing arms") < out.index(RU_TITLE)  # newest first
    assert "2 matches for all rules" in out


def test_matches_filters_by_rule_and_period_as_json(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "matches",
        "--config",
        cfg(state),
        "--rule",
        "defence-china",
        "--since",
        "7d",
        "--json",
    )
    assert code == 0
    rows = json.loads(out)
    assert [r["title"] for r in rows] == [RU_TITLE, "Old news about China defence industry"]
    assert rows[0]["source"] == "seeds" and rows[0]["rule"] == "defence-china"
    assert [m["text"] for m in rows[0]["matched"]] == ["Китаем", "оборонной промышленности"]


def test_matches_rejects_a_bad_period(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["matches", "--config", cfg(state), "--since", "yesterday"])
    assert exc.value.code == 2
    assert "not a duration" in capsys.readouterr().err


def test_state_shows_size_and_vacuums(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "state", "--config", cfg(state))
    assert code == 0 and "3 documents" in out and "1 failed" in out
    code, out, _ = run(capsys, "state", "--config", cfg(state), "--vacuum")
    assert code == 0 and out.startswith("vacuumed ")
    # the size after is the file's once closed (the rebuilt pages were counted in the
    # write-ahead log, so a vacuum seemed to grow the state: 124.0 KB -> 216.6 KB)
    files = [p for p in (state / "out").iterdir() if p.name.startswith("state.db")]
    on_disk = sum(p.stat().st_size for p in files if not p.name.endswith(".lock"))
    assert out.rstrip().endswith(f"-> {size(on_disk)}"), (out, [p.name for p in files])


def test_vacuum_refuses_while_the_daemon_holds_the_state(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SQLiteStore(state / "out" / "state.db"):  # what the running daemon holds
        code, _, err = run(capsys, "state", "--config", cfg(state), "--vacuum")
        assert code == 3 and "in use by monitor" in err
        code, out, _ = run(capsys, "status", "--config", cfg(state))  # reading still works
        assert "daemon:      running" in out
        assert code == 0


def test_old_alerts_are_kept_apart_in_time(state: Path) -> None:
    with SQLiteStore(state / "out" / "state.db", lock=False) as store:
        day = store.rule_counts_since(NOW - 86400)
        week = store.rule_counts_since((datetime.now(UTC) - timedelta(days=7)).timestamp())
    assert day["defence-china"]["alerts"] == 1 and week["defence-china"]["alerts"] == 2


def test_status_before_the_daemon_ever_ran(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SQLiteStore(project / "out" / "state.db"):
        pass  # an empty state, as `monitor matches` on a fresh install would see
    code, out, _ = run(capsys, "status", "--config", cfg(project))
    assert code == 0
    assert out.startswith("daemon:      never run")
    assert "`monitor check` validates the rule files" in out
    assert "no alerts" in out


def test_status_shows_invalid_rules_and_that_the_old_ones_stay(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SQLiteStore(state / "out" / "state.db", lock=False) as store:
        snap = store.get_state(STATUS_KEY)
        error = "rules/defence.yaml:12:5: unknown topic 'defense' (rule defence-china)\nmore"
        rules = {**snap["rules"], "error": error}
        store.set_state(STATUS_KEY, {**snap, "rules": rules, "updated": time.time()})
    code, out, _ = run(capsys, "status", "--config", cfg(state))
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("rules:"))
    assert "ERROR" in line and "1 rule still in force" in line
    assert "rules/defence.yaml:12:5: unknown topic 'defense'" in line and "more" not in line


def test_migrating_a_sqlite_state_to_a_path_says_which_way_copies_go(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "state", "--config", cfg(state), "--migrate-to", "copy.db")
    assert code == 2 and out == ""
    assert "'copy.db' is not a PostgreSQL URL" in err
    assert "the state is a SQLite file" in err and "a file path is for copying a PostgreSQL" in err
    assert not (state / "copy.db").exists()
