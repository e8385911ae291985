"""The command line: `monitor <command>`. The only package that prints.

Each module of this package adds its subcommands with `register(subparsers)`; its
handlers take the parsed arguments and return the exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from monitor import __version__
from monitor.cli import alerts, analyze, feeds, ops, rules, run, stories, test

Handler = Callable[[argparse.Namespace], int]

# Each module adds its subcommands; add new modules here.
MODULES = (run, rules, ops, test, feeds, alerts, analyze, stories)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="monitor",
        description="A media-monitoring daemon: watches folders and feeds, matches "
        "multilingual rules, delivers alerts by email, webhook and Atom.",
    )
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
