"""The last good rule set kept in a real state file, and put in force at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.errors import RuleError
from monitor.health import healthz
from monitor.service import rule_memory
from monitor.service.live_rules import LiveRules
from monitor.store import SQLiteStore
from tests.reliability.helpers import RULES, write_project

MAILDIR = "  - {name: mail, type: email, transport: maildir, maildir: mail/, to: [a@example.org]}\n"
NESTED = RULES.replace("id: watch", "id: nested").replace("title: Watch", "title: Nested")


def test_a_nested_rule_folder_is_kept_and_put_back_whole(tmp_path: Path) -> None:
    cfg = load_config(write_project(tmp_path, notifiers=MAILDIR))
    (tmp_path / "rules" / "more").mkdir()
    (tmp_path / "rules" / "more" / "nested.yml").write_text(NESTED)
    with SQLiteStore(tmp_path / "state.db") as store:
        assert sorted(LiveRules(cfg, print, store).current.rules) == ["nested", "watch"]
        (tmp_path / "rules" / "more" / "nested.yml").write_text("rules: [oops")
        (tmp_path / "rules" / "new.yaml").write_text(RULES.replace("id: watch", "id: added"))
        live = LiveRules(cfg, print, store)
        assert sorted(live.current.rules) == ["nested", "watch"]  # the kept set, all of it
        assert live.fallback is not None and "more/nested.yml:2" in str(live.error)
        alert = live.start_alert()
        assert alert is not None and alert.kind == "health"
        assert "nested.yml:2" in alert.document.body


def test_a_single_rule_file_is_kept_too(tmp_path: Path) -> None:
    path = write_project(tmp_path, notifiers=MAILDIR)
    path.write_text(path.read_text().replace("rules: rules/", "rules: rules/watch.yaml"))
    cfg = load_config(path)
    with SQLiteStore(tmp_path / "state.db") as store:
        LiveRules(cfg, print, store)
        (tmp_path / "rules" / "watch.yaml").write_text("rules:\n  - id: [\n")
        assert list(LiveRules(cfg, print, store).current.rules) == ["watch"]


def test_without_a_kept_set_broken_rules_raise(tmp_path: Path) -> None:
    cfg = load_config(write_project(tmp_path, notifiers=MAILDIR, rules="rules: [oops"))
    with SQLiteStore(tmp_path / "state.db") as store, pytest.raises(RuleError, match="watch"):
        LiveRules(cfg, print, store)
    with SQLiteStore(tmp_path / "state.db") as store:
        assert store.get_state(rule_memory.STATE_KEY) == {}


def test_healthz_is_degraded_while_the_rules_are_broken() -> None:
    code, body = healthz(running=True, last_pass=1000.0, now=1001.0,
                         rules_error="rules/a.yaml:3:5: unknown key\nrules/b.yaml:1:1: x")
    assert code == 200 and body["status"] == "degraded"
    assert body["reason"].endswith("rules/a.yaml:3:5: unknown key")
    assert "rules/b.yaml" in body["rules_error"]


def test_the_log_names_each_problem_of_broken_rules_on_a_line_of_its_own(
    tmp_path: Path,
) -> None:
    from tests.reliability.helpers import run

    cfg = write_project(tmp_path, notifiers=MAILDIR)
    assert run(cfg, "--once", timeout=120).returncode == 0  # a good set is kept
    (tmp_path / "rules" / "watch.yaml").write_text(
        RULES + "  - id: second\n    query: (one\n  - id: third\n    query: two)\n")
    done = run(cfg, "--once", timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    [head] = [n for n, line in enumerate(lines) if "running with the last good rules" in line]
    assert lines[head].endswith("until they are fixed:"), lines[head]
    problems = [line.split(":   ", 1)[1] for line in lines[head + 1 : head + 3]]
    assert [p.split(":")[1:3] for p in problems] == [["7", "12"], ["9", "15"]], problems
    assert "\\n" not in done.stderr  # an escaped newline: problems run together on one line
