"""`monitor run`: the daemon in the foreground, or one pass with --once."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
from typing import TYPE_CHECKING, Any

from monitor.cli.common import Exit, add_command, config_or_none, error
from monitor.errors import LockedError, MonitorError, RuleError
from monitor.logs import setup_logging

if TYPE_CHECKING:
    import asyncio

    from monitor.config import Config


def register(sub: Any) -> None:
    p = add_command(
        sub, "run", _run,
        "run the daemon in the foreground: poll the sources, match the rules, deliver "
        "alerts; stop with Ctrl-C or SIGTERM",
    )
    p.add_argument(
        "--once", action="store_true",
        help="one pass over all sources, deliver what is due, then exit (for cron)",
    )
    p.add_argument("--node", metavar="NAME",
                   help="this daemon's name among several sharing a PostgreSQL state "
                   "(default: nodes.name, else host name and process id)")
    p.add_argument("--log-level", type=str.upper, choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                   help="override the config's log level (any case)")
    p.add_argument("--log-format", choices=["text", "json"],
                   help="readable lines (default) or JSON lines")


def _stop_early(signum: int, frame: object) -> None:
    """SIGTERM or SIGINT before the daemon's own handlers are in place: nothing has been
    taken on that a SIGKILL would lose, so exit at once (an exception raised here could
    surface anywhere, e.g. wrapped by a class being defined during an import)."""
    os._exit(Exit.OK)


def _run(args: argparse.Namespace) -> int:
    # until the event loop handles them, a stop signal during start-up (reading the config,
    # importing, opening the state) exits cleanly: nothing has been taken on yet
    signal.signal(signal.SIGTERM, _stop_early)
    signal.signal(signal.SIGINT, _stop_early)
    return _start(args)


def _start(args: argparse.Namespace) -> int:
    config = config_or_none(args)
    if config is None:
        return Exit.INVALID
    setup_logging(args.log_level or config.log.level, args.log_format or config.log.format)
    if not config.http.enabled:  # nothing can read the metrics: no prometheus_client
        from monitor import metrics

        metrics.silence()
    if args.node:
        config = config.model_copy(
            update={"nodes": config.nodes.model_copy(update={"name": args.node})})
    import asyncio

    try:
        return asyncio.run(_main(config, once=args.once))
    except LockedError as exc:
        error(str(exc))
        return Exit.LOCKED
    except RuleError as exc:
        error(f"invalid rules:\n{exc}")
        return Exit.INVALID
    except MonitorError as exc:
        error(str(exc))
        return Exit.ERROR


async def _main(config: Config, *, once: bool) -> int:
    import asyncio

    from monitor.service import Daemon

    async with Daemon(config) as daemon:
        if once:
            from monitor.cli.progress import counter  # the terminal's progress bar (rich)

            with counter(len(daemon.sources), "polling") as advance:
                await daemon.run_once(advance)
            return Exit.OK
        stop = asyncio.Event()
        _on_stop_signals(asyncio.get_running_loop(), stop)
        await daemon.run(stop)
    return Exit.OK


def _on_stop_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT set `stop` in the loop and start the stop's deadline at once.

    A plain signal handler rather than the loop's: it runs even while the loop waits on a
    blocking call (a query held up by a lock, a retry while PostgreSQL is down), so the
    deadline counts from the signal and waits that would last give up (`stopping`)."""
    from monitor.stopping import REQUESTED, StopDeadline

    deadline = StopDeadline(loop=loop)

    def requested(signum: int, frame: object) -> None:
        REQUESTED.set()
        deadline.arm()
        with contextlib.suppress(RuntimeError):  # the loop closed already: exiting anyway
            loop.call_soon_threadsafe(stop.set)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, requested)
