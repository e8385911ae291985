"""The command line: `monitor <command>`. The only package that prints.

Each module of this package adds its subcommands with `register(subparsers)`; its
handlers take the parsed arguments and return the exit code.

Every command's parser is built on each run, so a module here imports at its top only the
standard library, `monitor.errors`, `monitor.logs` and the light helpers of this package
(common, display); the config, the store, sources, delivery, the rule engine and the
languages are imported inside the handler that uses them (types under TYPE_CHECKING).
`monitor --help` then starts in tens of milliseconds, and `status`, `matches`, `feeds` and
`alerts` never load a language model or dictionary. tests/cli/test_startup.py holds this.
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
