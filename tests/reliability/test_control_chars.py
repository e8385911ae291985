"""Headlines, article text and file names holding CR, LF and ESC sequences forge no log line
and reach no terminal raw: text logs and `monitor matches` / `monitor test` escape them,
mail bodies drop them; JSON logs escape them as JSON does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.reliability.helpers import log_text, start, terminate, wait_for, write_project

FORGED = "INFO monitor.service.daemon: stopped"  # what the real last line says
TITLE = f"Story reliabilitytest\r{FORGED}\x1b]0;owned\x07\x1b[2J\x9b31m"
NAME = f"evil\n{FORGED}\x1b[2J.txt"
BODY = "The reliabilitytest body \x1b[31mred\x1b[0m, with a bell\x07 and a\rreturn.\n"
MAILDIR = "  - {name: mail, type: email, transport: maildir, maildir: mail/, to: [a@example.org]}\n"
RAW = ("\x1b", "\r", "\x07", "\x9b")


def _project(tmp_path: Path) -> Path:
    cfg = write_project(tmp_path, notifiers=MAILDIR)
    (tmp_path / "inbox" / NAME).write_text(f"{TITLE}\n\n{BODY}")
    return cfg


def _monitor(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor", *args, "--config", str(cfg)],
                          cwd=cfg.parent, capture_output=True, text=True, timeout=120)


def _lines_forged(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(FORGED)]


def test_text_log_terminal_output_and_mail_carry_no_raw_control_characters(
    tmp_path: Path,
) -> None:
    cfg = _project(tmp_path)
    proc = start(cfg)
    try:
        mail = tmp_path / "mail" / "new"
        assert wait_for(lambda: mail.is_dir() and any(mail.iterdir()), 60), log_text(cfg)
        assert wait_for(lambda: "match: rule watch" in log_text(cfg), 30), log_text(cfg)
    finally:
        assert terminate(proc) == 0
    log = (tmp_path / "daemon.log").read_bytes().decode()
    assert len(_lines_forged(log)) == 1  # the real one, at the end
    assert not any(ch in log for ch in RAW), repr(log[-2000:])
    assert "\\x1b[2J" in log  # shown, escaped

    [message] = list((tmp_path / "mail" / "new").iterdir())
    text = message.read_bytes().decode("utf-8", "replace")
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text

    matches = _monitor(cfg, "matches")
    assert matches.returncode == 0, matches.stderr
    assert not _lines_forged(matches.stdout)
    assert not any(ch in matches.stdout for ch in RAW), repr(matches.stdout)
    assert "reliabilitytest" in matches.stdout

    tested = _monitor(cfg, "test", str(tmp_path / "inbox" / NAME))
    assert tested.returncode == 0, tested.stderr
    assert not _lines_forged(tested.stdout)
    assert not any(ch in tested.stdout for ch in RAW), repr(tested.stdout)
    assert "watch" in tested.stdout


def test_json_logs_keep_the_characters_escaped_as_json(tmp_path: Path) -> None:
    cfg = _project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "run", "--once", "--log-format", "json", "--config",
         str(cfg)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert any(FORGED in r["message"] and "\x1b" in r["message"] for r in records)
    assert not _lines_forged(done.stderr)
