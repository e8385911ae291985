"""What every subcommand shares: --config, exit codes, loading the config, printing errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from monitor.controls import escape_controls
from monitor.errors import ConfigError, LockedError, StoreError

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.store import Store


class Exit(IntEnum):
    """Exit codes, documented in docs/operations.md."""

    OK = 0
    ERROR = 1
    INVALID = 2  # invalid config or rules
    LOCKED = 3  # another monitor process holds the state file


EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_LOCKED = Exit.OK, Exit.ERROR, Exit.INVALID, Exit.LOCKED

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


def count(text: str) -> int:
    """An argparse type: a number of items to show, 1 or more (`--limit N`)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of 1 or more")
    return value


def error(message: str) -> None:
    """Print an error for the user on stderr."""
    print(escape_controls(f"monitor: {message}", keep_newlines=True), file=sys.stderr)


def config_or_none(args: argparse.Namespace) -> Config | None:
    """Load --config; print the error and return None when it is invalid."""
    from monitor.config import load_config  # pydantic and every kind: not for --help

    try:
        return load_config(args.config)
    except ConfigError as exc:
        error(str(exc))
        return None


@contextmanager
def open_state(config: Config, *, lock: bool = False) -> Iterator[Store | None]:
    """The config's state (the SQLite file, or the PostgreSQL database), read-only unless
    `lock`; None (error printed) when unusable."""
    if config.state_url is None and not config.state.exists():
        error(
            f"{config.state} does not exist yet: the daemon has not run with this config "
            "(start it with `monitor run`)"
        )
        yield None
        return
    from monitor.registry import Resources
    from monitor.store import open_store

    try:
        store = open_store(config, Resources(read_only=not lock))
    except LockedError:
        raise
    except StoreError as exc:
        error(str(exc))
        yield None
        return
    try:
        yield store
    finally:
        store.close()


def with_state(
    run: Callable[[argparse.Namespace, Config, Store], int],
) -> Callable[[argparse.Namespace], int]:
    """The handler of a command that looks at the state: it loads --config and opens the
    state read-only (exit 2, or 1, with the error printed when either cannot be had), then
    returns `run(args, config, store)`."""

    def handler(args: argparse.Namespace) -> int:
        config = config_or_none(args)
        if config is None:
            return Exit.INVALID
        with open_state(config) as store:
            return Exit.ERROR if store is None else run(args, config, store)

    return handler
