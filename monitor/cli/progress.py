"""Progress bars for long one-shot work (backfill, `monitor test` over many files).

On a terminal a rich progress bar is drawn on stderr; when stderr is not a terminal
(a pipe, cron, journald) nothing extra is written, so logs and scripts stay clean, and
rich is not even imported (0.1 s).

    for doc in track(documents, "matching"):
        ...
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from rich.console import Console

T = TypeVar("T")


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def stderr_console() -> Console:
    """The console progress bars draw on: stderr, so stdout stays the command's output."""
    from rich.console import Console

    return Console(stderr=True)


def _drawing(console: Console | None) -> Console | None:
    """The console to draw on, None when it is no terminal. Without a console given, rich
    is asked only when stderr may be one: a terminal, or rich's TTY_COMPATIBLE=1 or
    FORCE_COLOR saying so (otherwise rich would say no too)."""
    if console is None:
        if not (_isatty(sys.stderr) or os.environ.get("TTY_COMPATIBLE") == "1"
                or os.environ.get("FORCE_COLOR")):
            return None
        console = stderr_console()
    return console if console.is_terminal else None


def track(
    items: Sequence[T] | Iterable[T],
    description: str,
    *,
    total: int | None = None,
    console: Console | None = None,
) -> Iterator[T]:
    """Yield `items`, drawing a progress bar while they are consumed when on a terminal.

    `total` defaults to `len(items)` when it has one; without a total the bar shows a
    count and the elapsed time only.
    """
    console = _drawing(console)
    if console is None:
        yield from items
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    if total is None and isinstance(items, Sequence):
        total = len(items)
    columns = [
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    # Lines printed on a terminal stdout meanwhile go above the bar; a redirected stdout
    # is left alone, so its content never ends up on the bar's stderr.
    redirect = _isatty(sys.stdout)
    with Progress(
        *columns,
        console=console,
        transient=False,
        redirect_stdout=redirect,
        redirect_stderr=False,
    ) as progress:
        task = progress.add_task(description, total=total)
        for item in items:
            yield item
            progress.advance(task)


@contextmanager
def counter(
    total: int, description: str, *, console: Console | None = None
) -> Iterator[Callable[[], None]]:
    """A progress bar for work that finishes in any order: yields `advance()`, to call once
    per finished item. Nothing is drawn when stderr is not a terminal."""
    console = _drawing(console)
    if console is None:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=total)
        yield lambda: progress.advance(task)
