"""What `monitor check` accepts runs: URLs the HTTP client cannot use and absurd sizes and
durations are refused with the key and the line, not met at run time (a traceback on every
poll, OverflowError on every file); values at the bounds run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config_values import MAX_DURATION, MAX_SIZE

RULES = "rules:\n  - {id: watch, title: Watch, query: reliabilitytest}\n"


def _project(tmp: Path, *, folder: str = "", feed: str = "", hook: str = "",
             extra: str = "") -> Path:
    (tmp / "rules").mkdir(exist_ok=True)
    (tmp / "rules" / "watch.yaml").write_text(RULES)
    (tmp / "inbox").mkdir(exist_ok=True)
    sources = f"  - {{id: inbox, type: folder, path: inbox/{folder}}}\n"
    if feed:
        sources += f"  - {{id: wire, type: feed, url: '{feed}'}}\n"
    notifiers = "  - {name: mail, type: email, transport: maildir, maildir: mail/, to: [a@b.org]}\n"
    if hook:
        notifiers += f"  - {{name: hook, type: webhook, url: '{hook}'}}\n"
    (tmp / "config.yaml").write_text(
        f"languages: [en]\nstate: state.db\nrules: rules/\nsources:\n{sources}"
        f"notifiers:\n{notifiers}{extra}")
    return tmp / "config.yaml"


def _check(cfg: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["check", "--config", str(cfg)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize(("kind", "value", "line"), [
    ("feed", "http://[::1/x", 6),
    ("feed", "http://exa mple.org/rss", 6),
    ("feed", "https://example.org:99999/rss", 6),
    ("hook", "http://[::1/x", 8),
    ("hook", "ftp://example.org/hook", 8),
    ("hook", "hooks.example.org/x", 8),
])
def test_urls_the_client_cannot_use_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, value: str, line: int
) -> None:
    code, out = _check(_project(tmp_path, **{kind: value}), capsys)
    assert code == 2, out
    assert f"config.yaml:{line}" in out and value in out, out


@pytest.mark.parametrize(("where", "setting"), [
    ("folder", ", max_size: 99999999999999999999999999GB"),
    ("folder", ", max_size: 2GB"),
    ("folder", ", interval: 99999999999999999999d"),
    ("folder", ", settle: .inf"),
    ("extra", "retention: 1000000w\n"),
    ("extra", "delivery: {backoff_max: .nan}\n"),
])
def test_absurd_sizes_and_durations_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, setting: str
) -> None:
    cfg = _project(tmp_path, **{where: setting})
    code, out = _check(cfg, capsys)
    assert code == 2, out
    assert "at most" in out or "not a" in out, out


def test_values_at_the_bounds_pass_check_and_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert MAX_SIZE == 1024**3 and MAX_DURATION == 3650 * 86400
    cfg = _project(tmp_path, folder=", max_size: 1GB, interval: 3650d",
                   extra="retention: 3650d\ndelivery: {backoff_max: 3650d}\n")
    story = tmp_path / "inbox" / "a.txt"
    story.write_text("A reliabilitytest story\n\nBody.\n")  # just written: the pass
    # waits for it to settle (1 s) and reads it
    code, out = _check(cfg, capsys)
    assert code == 0, out
    done = subprocess.run([sys.executable, "-m", "monitor", "run", "--once", "--config",
                           str(cfg)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr, done.stderr
    assert len(list((tmp_path / "mail" / "new").iterdir())) == 1


def test_an_opml_outline_with_an_unusable_url_is_skipped_and_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from monitor.sources.opml import read_opml

    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<opml version="2.0"><body>'
        '<outline title="Broken" xmlUrl="http://[::1/x"/>'
        '<outline title="Fine" xmlUrl="https://example.org/rss"/>'
        "</body></opml>")
    feeds = read_opml(opml, "list")
    assert [f.url for f in feeds] == ["https://example.org/rss"]
    assert "'Broken' is skipped" in caplog.text and "Invalid IPv6 URL" in caplog.text
