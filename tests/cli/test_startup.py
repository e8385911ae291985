"""Commands that only print load no language model, dictionary or matching engine.

Each command runs in a fresh interpreter, which then reports the modules it imported:
`--help` must not even load the config machinery, and the read-only commands must not
load what only `run`, `check`, `test` and `backfill` need.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.store import SQLiteStore

# The language detector, the dictionaries, article extraction, the rule engine, and the
# near-duplicate signatures of stories (numpy, datasketch).
HEAVY = ("lingua", "pycld2", "simplemma", "pymorphy3", "trafilatura", "monitor.matching", "numpy",
         "datasketch")
# What reading config.yaml does not need: the implementations of the source and notifier
# kinds (imported when one is built) with the HTTP client, feed parser, templates, watcher.
KINDS = ("httpx", "feedparser", "jinja2", "apprise", "watchfiles", "selectolax",
         "monitor.sources.directory", "monitor.sources.feed", "monitor.sources.opml",
         "monitor.sources.page", "monitor.sources.sitemap", "monitor.delivery.email",
         "monitor.delivery.atom", "monitor.delivery.webhook", "monitor.delivery.apprise")
# What --help needs no more than the above: config validation, feeds, HTTP, the store.
NOT_FOR_HELP = (*HEAVY, "pydantic", "yaml", "monitor.config", "monitor.sources", "httpx",
                "monitor.store", "asyncio")

_REPORT = """
import json, sys
from monitor.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def loaded(*args: str, cwd: Path | None = None) -> tuple[int, set[str]]:
    """Run `monitor ARGS` in a new interpreter: its exit code and the top modules it loaded
    (`monitor.matching.engine` counts as `monitor.matching` too)."""
    done = subprocess.run([sys.executable, "-c", _REPORT, *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    names: set[str] = set()
    for name in report["modules"]:
        parts = name.split(".")
        names.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return report["code"], names


@pytest.mark.parametrize("args", [["--help"], ["status", "--help"], ["test", "--help"]])
def test_help_loads_no_engine_no_config(args: list[str]) -> None:
    code, names = loaded(*args)
    assert code == 0
    assert not names & set(NOT_FOR_HELP)


@pytest.mark.parametrize("command", ["status", "matches", "feeds", "alerts", "stories"])
def test_read_only_commands_load_no_engine(project: Path, command: str) -> None:
    with SQLiteStore(project / "out" / "state.db"):
        pass  # a state, as the daemon leaves it
    code, names = loaded(command, "--config", str(project / "config.yaml"), cwd=project)
    assert code == 0
    assert "monitor.config" in names  # it did read the config
    assert not names & set(HEAVY)
    assert not names & set(KINDS)


def test_test_command_does_load_the_engine(project: Path) -> None:
    """The guard sees imports made while a command runs (so the tests above can fail);
    `monitor test` of a file, its output not on a terminal, loads no progress bar (rich),
    HTTP client, mail templates (jinja2), metrics (prometheus_client) or lemminflect and
    numpy."""
    code, names = loaded("test", "seeds/", "--config", "config.yaml", cwd=project)
    assert code == 0
    assert "monitor.matching" in names
    assert not names & {"httpx", "jinja2", "lemminflect", "numpy", "scipy", "prometheus_client"}
    if not (os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1"):
        assert "rich" not in names  # (those variables make rich draw even into a pipe)


# What the daemon's first alert on the shipped config (a folder source, a Maildir and an
# Atom notifier; warm cache) does without: story signatures are plain integer arithmetic
# (datasketch imported scipy: half the start-up), the HTTP client comes with the first
# feed, SMTP with the first SMTP message, cron with digests, the progress bar with --once.
NOT_FOR_FIRST_ALERT = ("numpy", "scipy", "datasketch", "httpx", "aiosmtplib", "croniter",
                       "rich", "monitor.sources.fulltext", "monitor.dashboard",
                       "prometheus_client")  # http is off: nothing could read the metrics


def test_the_daemons_first_alert_loads_only_what_it_uses(project: Path) -> None:
    assert loaded("check", "--config", "config.yaml", cwd=project)[0] == 0  # the cache
    proc = subprocess.Popen([sys.executable, "-c", _REPORT, "run", "--config", "config.yaml"],
                            cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    mail = project / "out" / "mail" / "new"
    try:
        for _ in range(1200):  # a bound on the wait, not a time limit on the daemon
            if proc.poll() is not None or (mail.is_dir() and any(mail.iterdir())):
                break
            time.sleep(0.1)
        assert mail.is_dir() and any(mail.iterdir()), "no alert"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    report = json.loads(err.strip().splitlines()[-1])
    assert report["code"] == 0
    names = {".".join(n.split(".")[: i + 1]) for n in report["modules"]
             for i in range(len(n.split(".")))}
    assert "monitor.stories.signature" in names  # it did sign the document
    assert not names & set(NOT_FOR_FIRST_ALERT)


def test_a_cold_check_of_the_shipped_rules_loads_no_detector_nor_lemminflect(
    project: Path,
) -> None:
    """Verifying the examples (English plurals and names among them) with an empty cache:
    lemminflect's table is read directly, so neither lemminflect nor numpy is imported, and
    the examples state their language, so the language detector (lingua) is not loaded."""
    code, names = loaded("check", "--config", "config.yaml", cwd=project)
    assert code == 0
    assert "monitor.text.english" in names and "pymorphy3" in names  # the examples were run
    assert not names & {"lemminflect", "numpy", "scipy", "datasketch", "lingua", "pycld2"}
