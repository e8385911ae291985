"""What a new user tripped over: backfill agreeing with what was alerted, article times,
a bounded --since and --json; notify-test leaving the real feeds alone and printing JSON;
`alerts --retry` saying when the deliveries will go out."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from monitor.cli import main
from monitor.store import SQLiteStore
from tests.cli.test_backfill import MATCHING, RULE, alerts, backfill

PUBLISHED = datetime(2026, 11, 3, 7, 45, tzinfo=UTC)
COPY = MATCHING.model_copy(update={"id": "seeds:kz-copy.txt", "path": "seeds/kz-copy.txt"})


def _run(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main([*args, "--config", str(project / "config.yaml")])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def alerted_copy(project: Path) -> Path:
    """An article alerted by the daemon, and a copy of its text stored under another name."""
    assert main(["run", "--once", "--config", str(project / "config.yaml")]) == 0
    with SQLiteStore(project / "out" / "state.db") as store:
        store.put_document(MATCHING.model_copy(update={"published": PUBLISHED}).validated())
        store.put_document(COPY)
    return project


def test_backfill_counts_a_copy_of_an_alerted_text_as_alerted(
    alerted_copy: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    with SQLiteStore(alerted_copy / "out" / "state.db") as store:
        from monitor.config import load_config
        from monitor.pipeline import load_rule_set, make_alerts

        config = load_config(alerted_copy / "config.yaml")
        [alert] = make_alerts(load_rule_set(config), MATCHING, config.languages)
        store.add_alert(alert, [])  # the daemon alerted on the text first seen
    code, out = backfill(alerted_copy, capsys, "--since", "7d", "--dry-run")
    assert code == 0, out
    assert "seeds/kz.txt  (already alerted)" in out
    assert "seeds/kz-copy.txt  (already alerted)" in out  # the same text: the same alert
    assert "0 not alerted before" in out
    code, out = backfill(alerted_copy, capsys, "--since", "7d")
    assert "0 not alerted before; 0 recorded, 0 deliveries sent now" in out, out


def test_backfill_shows_article_times_and_prints_json(
    alerted_copy: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = backfill(alerted_copy, capsys, "--since", "7d", "--dry-run")
    assert code == 0, out
    [line] = [ln for ln in out.splitlines() if ln.startswith("2026-11-03 07:45 UTC")]
    assert MATCHING.title[:40] in line  # the article's time, not the backfill's
    code = main(["backfill", RULE, "--config", str(alerted_copy / "config.yaml"), "--since",
                 "7d", "--dry-run", "--json"])
    # stdout alone is the JSON (a tool reads it from a pipe); anything logged goes to stderr
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["dry_run"] is True and data["rule"] == RULE
    times = {m["document"]: m["article_time"] for m in data["matches"]}
    assert times[MATCHING.id] == "2026-11-03T07:45:00+00:00"
    assert data["not_alerted_before"] == len([m for m in data["matches"]
                                              if not m["alerted_before"]])
    assert data["recorded"] == 0 == data["delivered"]


def test_backfill_since_beyond_retention_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = backfill(project, capsys, "--since", "200d", "--dry-run")
    assert code == 2
    assert "`retention` (90 days)" in out and "at most --since 90d" in out


def test_notify_test_keeps_test_alerts_out_of_the_real_feeds(
    project: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "--once", "--config", str(project / "config.yaml")]) == 0
    feeds = project / "out" / "feeds"
    before = (feeds / "all.atom").read_bytes()
    code, out = _run(project, capsys, "notify-test", "atom")
    assert code == 0, out
    assert "monitor.test.atom" in out and "stay out of the rule feeds" in out
    assert (feeds / "all.atom").read_bytes() == before
    assert not (feeds / "notify-test.atom").exists()
    [test] = feedparser.parse((feeds / "monitor.test.atom").read_bytes()).entries
    assert test.title == "monitor test alert: delivery works"
    (project / "seeds" / "more.txt").write_text(
        "Китай и Казахстан обсудили военно-техническое сотрудничество\n\nДелегация Пекина "
        "провела в Астане переговоры о военно-техническом сотрудничестве.\n", encoding="utf-8")
    os.utime(project / "seeds" / "more.txt", (time.time() - 60, time.time() - 60))  # settled
    assert main(["run", "--once", "--config", str(project / "config.yaml")]) == 0
    titles = [e.title for e in feedparser.parse((feeds / "all.atom").read_bytes()).entries]
    assert len(titles) == 2 and "monitor test alert: delivery works" not in titles


def test_notify_test_prints_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(project, capsys, "notify-test", "atom", "--json")
    assert code == 0 and json.loads(out)["delivered"] is True
    (project / "out" / "mail").mkdir(parents=True)
    (project / "out" / "mail" / "new").write_text("not a folder")
    code = main(["notify-test", "analysts", "--json", "--config", str(project / "config.yaml")])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["delivered"] is False and data["error"]


def test_alerts_retry_says_when_they_go_out(
    project: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "--once", "--config", str(project / "config.yaml")]) == 0
    with SQLiteStore(project / "out" / "state.db", lock=False) as store:
        [row] = [d for d in store.deliveries("delivered") if d.notifier == "analysts"]
        store.mark_retry([row.id], "x", time.time())  # not pending: unchanged
    code, out = _run(project, capsys, "alerts", "--retry")
    assert code == 0
    assert "the daemon is not running" in out and "running daemon" not in out
    held = SQLiteStore(project / "out" / "state.db")  # holds the lock as the daemon does
    try:
        code, out = _run(project, capsys, "alerts", "--retry")
        assert "the running daemon sends them" in out
        code, out = _run(project, capsys, "alerts", "--retry", "--json")
        assert json.loads(out) == {"pending_again": 0, "daemon_running": True}
    finally:
        held.close()
    assert alerts(project)
