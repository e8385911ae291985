"""A rule file broken at start-up: the daemon runs with the last good rules kept in its state,
and says so in the log, `monitor status`, `/healthz` and a health alert; `monitor check`
still fails. Without a kept set (the very first start) broken rules stay fatal."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from tests.reliability.helpers import (
    RULES,
    add_docs,
    log_text,
    run,
    start,
    terminate,
    wait_for,
    write_project,
)
from tests.servers import free_port

EXIT_INVALID = 2
MAILDIR = "  - {name: mail, type: email, transport: maildir, maildir: mail/, to: [a@example.org]}\n"
BROKEN_ALERT = "The rule files are broken"
BROKEN = RULES.replace("query: reliabilitytest", "query: reliabilitytest AND (")


def _mails(tmp: Path) -> list[str]:
    folder = tmp / "mail" / "new"
    return [p.read_text(errors="replace") for p in folder.iterdir()] if folder.is_dir() else []


def _mail(tmp: Path) -> str:
    return "\n".join(_mails(tmp))


def _healthz(port: int) -> tuple[int, dict[str, object]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as reply:
        return reply.status, json.loads(reply.read())


def test_broken_rules_at_start_run_on_the_last_good_set_and_say_so(tmp_path: Path) -> None:
    port = free_port()
    cfg = write_project(tmp_path, notifiers=MAILDIR,
                        extra=f"http: {{enabled: true, bind: '127.0.0.1:{port}'}}\n")
    first = run(cfg, "--once", timeout=120)  # a good start keeps the rules in the state
    assert first.returncode == 0, first.stderr
    rule_file = tmp_path / "rules" / "watch.yaml"
    rule_file.write_text(BROKEN)  # a typo, then a reboot

    checked = run(cfg, command="check", timeout=120)
    assert checked.returncode == EXIT_INVALID
    assert "watch.yaml:" in checked.stdout + checked.stderr

    proc = start(cfg)
    try:
        assert wait_for(lambda: "running; stop with" in log_text(cfg), 60), log_text(cfg)
        log = log_text(cfg)
        assert "rules/watch.yaml" in log and "last good rules" in log
        [title] = add_docs(tmp_path / "inbox", 1)
        assert wait_for(lambda: title in _mail(tmp_path), 60), log_text(cfg)  # still watching
        assert wait_for(lambda: BROKEN_ALERT in _mail(tmp_path), 30)

        status, body = _healthz(port)
        assert status == 200 and body["status"] == "degraded"
        assert "watch.yaml:" in str(body["rules_error"])

        assert wait_for(lambda: "ERROR" in run(cfg, command="status").stdout, 40)
        shown = run(cfg, command="status").stdout
        assert "1 rule still in force" in shown and "watch.yaml:" in shown, shown

        rule_file.write_text(RULES)  # fixed: in force at once, and health is ok again
        assert wait_for(lambda: "rules reloaded" in log_text(cfg), 30), log_text(cfg)
        assert _healthz(port)[1]["status"] == "ok"
    finally:
        assert terminate(proc) == 0, log_text(cfg)[-3000:]
    assert "Traceback" not in log_text(cfg)
    # the same broken file at the next start does not send the health alert again
    rule_file.write_text(BROKEN)
    again = run(cfg, "--once", timeout=120)
    assert again.returncode == 0, again.stderr
    assert sum(BROKEN_ALERT in m for m in _mails(tmp_path)) == 1


def test_broken_rules_at_the_first_start_are_still_fatal(tmp_path: Path) -> None:
    cfg = write_project(tmp_path, notifiers=MAILDIR, rules=BROKEN)
    done = run(cfg, "--once", timeout=120)
    assert done.returncode == EXIT_INVALID
    assert "invalid rules" in done.stderr and "watch.yaml:" in done.stderr
