"""contrib/monitor.service: valid for systemd, and as locked down as documented."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "contrib" / "monitor.service"
SHIPPED_EXEC = "/opt/monitor/.venv/bin/monitor"


def _settings() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def test_unit_is_sandboxed_with_only_the_state_writable() -> None:
    s = _settings()
    assert s["User"] == ["monitor"] and s["ProtectSystem"] == ["strict"]
    assert s["ReadWritePaths"] == ["/var/lib/monitor"]
    assert s["StateDirectory"] == ["monitor"]
    assert s["NoNewPrivileges"] == ["yes"] and s["CapabilityBoundingSet"] == [""]
    assert s["ProtectHome"] == ["yes"] and s["PrivateTmp"] == ["yes"]
    # exit 2 (invalid config) and 3 (state locked) are not worth restarting for
    assert s["RestartPreventExitStatus"] == ["2 3"]
    assert s["ExecStart"] == [f"{SHIPPED_EXEC} run --config /etc/monitor/config.yaml"]


@pytest.fixture
def unit_here(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this installation (verify checks it exists)."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not available")
    here = Path(sys.executable).with_name("monitor")
    if not here.exists():
        pytest.skip("the monitor script is not installed next to the interpreter")
    path = tmp_path / "monitor.service"
    path.write_text(UNIT.read_text().replace(SHIPPED_EXEC, str(here)))
    return path


def test_systemd_analyze_verify_accepts_the_unit(unit_here: Path) -> None:
    proc = subprocess.run(
        ["systemd-analyze", "verify", str(unit_here)], capture_output=True, text=True, timeout=60
    )
    # unknown or unparsable settings are only warnings: none may appear
    assert proc.returncode == 0 and proc.stderr.strip() == "", proc.stderr


def test_systemd_exposure_stays_low(unit_here: Path) -> None:
    proc = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(unit_here)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    m = re.search(r"Overall exposure level for \S+: ([\d.]+)", proc.stdout + proc.stderr)
    if m is None:
        pytest.skip("this systemd cannot assess units offline")
    assert float(m.group(1)) <= 2.0, proc.stdout
