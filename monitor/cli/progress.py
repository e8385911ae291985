"""Progress bars for long one-shot work (backfill, `monitor test` over many files).

On a terminal a rich progress bar is drawn on stderr; when stderr is not a terminal
(a pipe, cron, journald) nothing extra is written, so logs and scripts stay clean.

    for doc in track(documents, "matching"):
        ...
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def stderr_console() -> Console:
    """The console progress bars draw on: stderr, so stdout stays the command's output."""
    return Console(stderr=True)


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
    console = console if console is not None else stderr_console()
    if not console.is_terminal:
        yield from items
        return
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
    console = console if console is not None else stderr_console()
    if not console.is_terminal:
        yield lambda: None
        return
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
