"""Progress bars: drawn on a terminal, silent otherwise."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from monitor.cli.progress import counter, track


def test_no_terminal_no_output() -> None:
    sink = io.StringIO()
    items = list(track(range(5), "matching", console=Console(file=sink)))
    assert items == [0, 1, 2, 3, 4]
    assert sink.getvalue() == ""


def test_terminal_shows_a_bar_with_the_count() -> None:
    sink = io.StringIO()
    console = Console(file=sink, force_terminal=True, width=100)
    items = list(track(list(range(250)), "backfill defence", console=console))
    assert items == list(range(250))
    text = sink.getvalue()
    assert "backfill defence" in text and "250/250" in text


def test_unsized_iterables_are_counted() -> None:
    sink = io.StringIO()
    console = Console(file=sink, force_terminal=True, width=100)
    assert sum(track(iter(range(10)), "reading", console=console)) == 45
    assert "10" in sink.getvalue()


def test_redirected_stdout_stays_out_of_the_bar(capsys: pytest.CaptureFixture[str]) -> None:
    sink = io.StringIO()
    console = Console(file=sink, force_terminal=True, width=100)
    for n in track([1, 2], "testing", console=console):
        print(f"result {n}")  # stdout is captured here, as in `monitor test > out.txt`
    assert "result" not in sink.getvalue()
    assert capsys.readouterr().out == "result 1\nresult 2\n"


def test_counter_draws_on_a_terminal_only() -> None:
    quiet = io.StringIO()
    with counter(3, "polling", console=Console(file=quiet)) as advance:
        advance()
    assert quiet.getvalue() == ""
    loud = io.StringIO()
    console = Console(file=loud, force_terminal=True, width=100)
    with counter(3, "polling", console=console) as advance:
        for _ in range(3):
            advance()
    assert "polling" in loud.getvalue() and "3/3" in loud.getvalue()
