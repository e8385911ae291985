"""What the operator commands say about counts, read as a newcomer reads them after the
quick start: one match is "1 match", a `--limit` of 0 or less is refused, `stories --rule`
with an unknown id is an error as with `matches`, and `analyze ""` asks for words."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.cli import main


def _run(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        code = main([*args, "--config", str(project / "config.yaml")])
    except SystemExit as exc:  # argparse refusing an argument
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def alerted(project: Path) -> Path:
    """The quick start: one pass over the shipped seed, one match."""
    assert main(["run", "--once", "--config", str(project / "config.yaml")]) == 0
    return project


def test_one_of_a_thing_is_said_in_the_singular(
    alerted: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = _run(alerted, capsys, "check")
    assert code == 0 and ": 1 source, 2 notifiers; " in out and ": 1 rule, their" in out, out
    code, out = _run(alerted, capsys, "matches")
    assert code == 0 and "\n1 match for all rules since" in out, out
    code, out = _run(alerted, capsys, "state")
    assert code == 0 and "; 1 document;" in out, out
    code, out = _run(alerted, capsys, "status")
    assert code == 0 and "stories:     1 (1 document), 0 copies attached" in out, out


@pytest.mark.parametrize("command", ["matches", "stories", "alerts"])
@pytest.mark.parametrize("limit", ["0", "-1", "x"])
def test_a_limit_below_one_is_refused(
    alerted: Path, capsys: pytest.CaptureFixture[str], command: str, limit: str,
) -> None:
    code, out = _run(alerted, capsys, command, "--limit", limit)
    assert code == 2, out
    assert "argument --limit" in out and "Traceback" not in out


def test_stories_of_an_unknown_rule_is_an_error_with_suggestions(
    alerted: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = _run(alerted, capsys, "stories", "--rule", "defence-chna")
    assert code == 2, out
    assert "no rule 'defence-chna'" in out and "did you mean 'defence-china'?" in out
    code, out = _run(alerted, capsys, "stories", "--rule", "defence-china")
    assert code == 0 and "1 story rule 'defence-china' alerted on" in out, out


def test_analyze_of_no_words_asks_for_them(
    project: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = _run(project, capsys, "analyze", "  ")
    assert code == 2 and "TEXT is empty" in out, out
    assert "language:" not in out
