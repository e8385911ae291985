"""`monitor run`: the daemon, or one pass with --once."""

from __future__ import annotations

import argparse
from typing import Any

from monitor.cli.common import EXIT_ERROR, add_command


def register(sub: Any) -> None:
    p = add_command(sub, "run", _run, "run the daemon in the foreground (stop with Ctrl-C)")
    p.add_argument("--once", action="store_true", help="one pass over all sources, deliver, exit")


def _run(args: argparse.Namespace) -> int:
    return EXIT_ERROR  # wired to the daemon below
