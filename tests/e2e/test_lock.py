"""One instance per state: while a daemon runs, a second daemon and a cron `run --once` on the
same state file refuse with a clear message and exit code 3; the state is left untouched."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.helpers import log_text, run, start, terminate, wait_for, write_project

EXIT_LOCKED = 3
MAILDIR = "  - {name: mail, type: email, transport: maildir, maildir: mail/, to: [a@example.org]}\n"


def test_second_instance_refuses_while_the_daemon_runs(tmp_path: Path) -> None:
    cfg = write_project(tmp_path, notifiers=MAILDIR)
    proc = start(cfg)
    try:
        assert wait_for(lambda: "running; stop with" in log_text(cfg), 60), log_text(cfg)
        for args in ((), ("--once",)):  # a second daemon; cron's one pass
            done = run(cfg, *args, timeout=60)
            assert done.returncode == EXIT_LOCKED, (args, done.stderr)
            assert f"state.db is in use by monitor (pid {proc.pid})" in done.stderr
            assert "stop it first" in done.stderr
            assert "Traceback" not in done.stderr + done.stdout
        assert proc.poll() is None  # the running daemon is not disturbed
    finally:
        assert terminate(proc) == 0, log_text(cfg)[-3000:]
    done = run(cfg, "--once", timeout=60)  # released on a clean stop
    assert done.returncode == 0, done.stderr


def test_the_lock_is_released_when_the_daemon_is_killed(tmp_path: Path) -> None:
    """The OS drops an flock with its process: a SIGKILLed daemon leaves no stale lock."""
    cfg = write_project(tmp_path, notifiers=MAILDIR)
    proc = start(cfg)
    assert wait_for(lambda: "running; stop with" in log_text(cfg), 60), log_text(cfg)
    proc.kill()
    proc.wait()
    done = run(cfg, "--once", timeout=60)
    assert done.returncode == 0, done.stderr


def test_a_symlinked_state_path_finds_the_running_daemons_lock(tmp_path: Path) -> None:
    """`state: out/alias.db`, a link to the running daemon's state.db, is the same state:
    a second daemon on it would send alerts twice."""
    cfg = write_project(tmp_path, notifiers=MAILDIR)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "alias.db").symlink_to(tmp_path / "state.db")
    alias = tmp_path / "alias.yaml"
    alias.write_text(cfg.read_text().replace("state: state.db", "state: out/alias.db"))
    proc = start(cfg)
    try:
        assert wait_for(lambda: "running; stop with" in log_text(cfg), 60), log_text(cfg)
        for args in ((), ("--once",)):
            done = run(alias, *args, timeout=60)
            assert done.returncode == EXIT_LOCKED, (args, done.stderr)
            assert f"alias.db is in use by monitor (pid {proc.pid})" in done.stderr
        assert proc.poll() is None
    finally:
        assert terminate(proc) == 0, log_text(cfg)[-3000:]
