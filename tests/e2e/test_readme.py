"""The README's quick start does what it says: the Maildir message is described as it is
written (its body encoded for transport), and the command it points to shows the match."""

from __future__ import annotations

import email
import email.policy
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

HEADLINE = "Азербайджан начинает диалог с Китаем в оборонной промышленности"


def test_the_quick_start_message_and_how_to_read_it(project: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "monitor", "run", "--once", "--config",
                           "config.yaml"], cwd=project, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    [path] = (project / "out" / "mail" / "new").iterdir()
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = msg.get_body(("plain",))
    assert text is not None and text["Content-Transfer-Encoding"] == "base64"
    assert "Китаем" not in path.read_text(encoding="ascii")  # not readable with cat...
    assert "[Китаем]" in text.get_content()  # ...but in a mail client
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "read it as text" not in readme and "base64 for mostly non-Latin text" in readme
    assert "Within a few seconds" not in readme
    shown = subprocess.run([sys.executable, "-m", "monitor", "matches"], cwd=project,
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and HEADLINE in shown.stdout and "Китаем" in shown.stdout
    assert "monitor matches` prints the same match" in readme
