"""`monitor check`: validate config and rules with the same code the daemon uses."""

from __future__ import annotations

import argparse
from typing import Any

from monitor.cli.common import EXIT_ERROR, add_command


def register(sub: Any) -> None:
    add_command(sub, "check", _check, "validate config.yaml and the rules; exit 2 when invalid")


def _check(args: argparse.Namespace) -> int:
    return EXIT_ERROR
