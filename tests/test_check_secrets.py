"""An environment variable a notifier needs (`secret_env`, `password_env`) that is unset:
`monitor check` warns (exit 0, or 2 with --strict) and the daemon warns at start, instead of
every delivery failing for good later."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

NOTIFIERS = (
    "  - {name: hook, type: webhook, url: 'http://127.0.0.1:9/hook', secret_env: T_HOOK_KEY}\n"
    "  - name: mail\n    type: email\n    transport: smtp\n"
    "    smtp: {host: 127.0.0.1, port: 9, tls: none, username_env: T_SMTP_USER,"
    " password_env: T_SMTP_PASSWORD}\n    to: [a@example.org]\n"
    "  - {name: chat, type: apprise, urls_env: [T_CHAT_URLS]}\n"
)


def _project(tmp: Path) -> Path:
    (tmp / "rules").mkdir()
    (tmp / "rules" / "r.yaml").write_text("rules:\n  - {id: r, title: R, query: x}\n")
    (tmp / "inbox").mkdir()
    (tmp / "config.yaml").write_text(
        "languages: [en]\nstate: state.db\nrules: rules/\n"
        "sources:\n  - {id: inbox, type: folder, path: inbox/}\n"
        f"notifiers:\n{NOTIFIERS}")
    return tmp / "config.yaml"


def _monitor(cfg: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("T_")}
    return subprocess.run([sys.executable, "-m", "monitor", *args, "--config", str(cfg)],
                          cwd=cfg.parent, capture_output=True, text=True, timeout=120,
                          env={**clean, **env})


def test_check_warns_about_each_unset_secret_and_strict_fails(tmp_path: Path) -> None:
    cfg = _project(tmp_path)
    done = _monitor(cfg, "check", T_SMTP_USER="analyst")
    assert done.returncode == 0, done.stderr
    assert "warning: notifier 'hook': the environment variable T_HOOK_KEY" in done.stderr
    assert "warning: notifier 'mail': the environment variable T_SMTP_PASSWORD" in done.stderr
    assert "T_SMTP_USER" not in done.stderr  # set
    # an Apprise notifier's URLs hold tokens too: unset, every delivery fails for good
    assert "warning: notifier 'chat': the environment variable T_CHAT_URLS (the Apprise " \
        "URLs) is not set" in done.stderr
    assert "3 warnings" in done.stdout

    strict = _monitor(cfg, "check", "--strict", T_SMTP_USER="analyst")
    assert strict.returncode == 2 and "T_HOOK_KEY" in strict.stderr

    ready = _monitor(cfg, "check", "--strict", T_SMTP_USER="analyst", T_HOOK_KEY="k",
                     T_SMTP_PASSWORD="p", T_CHAT_URLS="json://127.0.0.1:9/x")
    assert ready.returncode == 0 and "warning" not in ready.stderr, ready.stderr


def test_the_daemon_warns_at_start(tmp_path: Path) -> None:
    done = _monitor(_project(tmp_path), "run", "--once", T_HOOK_KEY="k")
    assert done.returncode == 0, done.stderr
    assert "WARNING" in done.stderr and "T_SMTP_PASSWORD" in done.stderr
    assert "T_SMTP_USER" in done.stderr and "T_HOOK_KEY" not in done.stderr
