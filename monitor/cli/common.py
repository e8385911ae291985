"""What every subcommand shares: --config, exit codes, loading the config, printing errors."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from monitor.config import Config, load_config
from monitor.errors import ConfigError

# Exit codes, documented in docs/operations.md
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INVALID = 2  # invalid config or rules
EXIT_LOCKED = 3  # another monitor process holds the state file

Subparsers = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_command(sub: Any, name: str, handler: Any, help: str) -> argparse.ArgumentParser:
    """Add a subcommand with --config; `handler(args) -> int` runs it."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help)
    parser.add_argument(
        "--config",
        default="config.yaml",
        metavar="PATH",
        help="the configuration file (default: ./config.yaml)",
    )
    parser.set_defaults(handler=handler)
    return parser


def error(message: str) -> None:
    """Print an error for the user on stderr."""
    print(f"monitor: {message}", file=sys.stderr)


def config_or_none(args: argparse.Namespace) -> Config | None:
    """Load --config; print the error and return None when it is invalid."""
    try:
        return load_config(args.config)
    except ConfigError as exc:
        error(str(exc))
        return None
