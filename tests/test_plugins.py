"""Kinds from outside monitor/: a toy source and a toy notifier (tests/plugins/toy.py) are
registered, `monitor check` accepts a config using them (and names a misspelt type), and the
daemon runs them: the source's headline matches a rule and the notifier delivers it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import load_config
from monitor.delivery import NOTIFIERS
from monitor.service import Daemon
from monitor.sources import SOURCES
from tests.plugins.toy import LineNotifier, ListSource

HEADLINE = "Азербайджан начинает диалог с Китаем в оборонной промышленности"
TOY = f"""
sources:
  - {{id: wire, type: list, headlines: ["{HEADLINE}"]}}
notifiers:
  - {{name: lines, type: line, path: alerts.txt}}
"""


@pytest.fixture
def toy_kinds() -> Iterator[None]:
    SOURCES.add(ListSource)
    NOTIFIERS.add(LineNotifier)
    yield
    SOURCES.remove("list")
    NOTIFIERS.remove("line")


def toy_project(project: Path, text: str = TOY) -> Path:
    config = project / "config.yaml"
    kept = config.read_text(encoding="utf-8").split("\nsources:")[0]
    config.write_text(kept + text + "\nstate: out/state.db\n", encoding="utf-8")
    return config


def check(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["check", "--config", str(config)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.usefixtures("toy_kinds")
def test_check_accepts_registered_kinds(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(toy_project(project), capsys)
    assert code == 0, out
    assert "1 source, 1 notifier" in out


@pytest.mark.usefixtures("toy_kinds")
def test_check_names_a_misspelt_type(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(toy_project(project, TOY.replace("type: line", "type: lien")), capsys)
    assert code == 2
    assert "config.yaml:13:5: notifiers[0]:" in out
    assert "unknown notifier type 'lien' (did you mean 'line'?)" in out


def test_unregistered_kind_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(toy_project(project), capsys)
    assert code == 2
    assert "config.yaml:11:5: sources[0]: unknown source type 'list'" in out
    assert "unknown notifier type 'line'" in out


@pytest.mark.usefixtures("toy_kinds")
async def test_the_daemon_runs_registered_kinds(project: Path) -> None:
    async with Daemon(load_config(toy_project(project))) as daemon:
        assert await daemon.run_once() == 1
    assert (project / "alerts.txt").read_text(encoding="utf-8") == f"defence-china: {HEADLINE}\n"


def test_installed_package_registers_through_entry_points(project: Path, tmp_path: Path) -> None:
    """An installed distribution's entry points (here a .dist-info on PYTHONPATH) are found
    by a `monitor check` that nothing told about them."""
    site = tmp_path / "site"
    info = site / "toy_kinds-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-kinds\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[monitor.sources]\nlist = tests.plugins.toy:ListSource\n\n"
        "[monitor.notifiers]\nline = tests.plugins.toy:LineNotifier\n"
    )
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(root)])}
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "check", "--config", str(toy_project(project))],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "1 source, 1 notifier" in done.stdout


def test_the_store_section_picks_the_store(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`store: {type: sqlite, path: ...}` selects the store through STORES; a misspelt type
    is named like any other kind's."""
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8")
                      + "store: {type: sqlite, path: out/other.db}\n", encoding="utf-8")
    assert main(["run", "--once", "--config", str(config)]) == 0
    assert (project / "out" / "other.db").is_file()
    assert not (project / "out" / "state.db").exists()
    config.write_text(config.read_text(encoding="utf-8").replace("type: sqlite", "type: sqlte"),
                      encoding="utf-8")
    code, out = check(config, capsys)
    assert code == 2 and "'sqlte'" in out and "(did you mean 'sqlite'?)" in out
