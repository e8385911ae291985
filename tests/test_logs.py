"""Log lines as a user sees them: on a terminal, under journald, piped, and as JSON."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.logs import ctx, detect_style, setup_logging


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _emit(stream: io.StringIO, fmt: str = "text", level: str = "INFO") -> str:
    setup_logging(level, fmt, stream=stream)
    log = logging.getLogger("monitor.daemon")
    log.debug("hidden detail")
    log.warning("feed answered 503", extra=ctx(source="kazinform"))
    log.error("notifier 'analysts': refused", extra=ctx(notifier="analysts", rule="defence"))
    return stream.getvalue()


def test_piped_lines_have_no_timestamp_and_append_missing_context() -> None:
    lines = _emit(io.StringIO()).splitlines()
    assert lines == [
        "WARNING monitor.daemon: feed answered 503 [source=kazinform]",
        "ERROR monitor.daemon: notifier 'analysts': refused [rule=defence]",
    ]


def test_terminal_lines_start_with_the_time() -> None:
    first = _emit(FakeTty()).splitlines()[0]
    assert first[2] == ":" and first[5] == ":"  # HH:MM:SS
    assert "WARNING monitor.daemon: feed answered 503" in first


def test_json_lines_carry_time_level_and_context() -> None:
    records = [json.loads(line) for line in _emit(io.StringIO(), "json").splitlines()]
    assert [r["level"] for r in records] == ["warning", "error"]
    assert records[0]["source"] == "kazinform"
    assert records[1]["notifier"] == "analysts" and records[1]["rule"] == "defence"
    assert records[0]["time"].endswith("+00:00")


def test_level_debug_shows_debug_lines() -> None:
    assert "hidden detail" in _emit(io.StringIO(), level="DEBUG")


def test_journald_gets_priorities_and_no_timestamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (tmp_path / "journal").open("w+") as stream:
        st = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
        assert detect_style(stream) == "journal"
        setup_logging("INFO", "text", stream=stream)
        log = logging.getLogger("monitor.sources")
        log.warning("slow", extra=ctx(source="seeds"))
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("source 'seeds' failed")
        stream.seek(0)
        lines = stream.read().splitlines()
    assert lines[0] == "<4>monitor.sources: slow [source=seeds]"
    assert lines[1] == "<3>monitor.sources: source 'seeds' failed"
    assert all(line.startswith("<3>") for line in lines[2:])  # the traceback keeps priority
    assert lines[-1] == "<3>ValueError: boom"


def test_another_journal_stream_is_not_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNAL_STREAM", "1:2")
    assert detect_style(io.StringIO()) == "plain"


def test_unknown_context_key_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log context"):
        ctx(feed="x")


def test_libraries_chatter_is_held_back_at_info() -> None:
    """At the default level a daemon's log says what monitor does, not which file the Russian
    dictionary loader or the HTTP client opened."""
    stream = io.StringIO()
    setup_logging("INFO", stream=stream)
    logging.getLogger("pymorphy3.opencorpora_dict.wrapper").info("Loading dictionaries from x")
    logging.getLogger("httpx").info("HTTP Request: GET http://127.0.0.1/feed")
    logging.getLogger("monitor.service.daemon").info("started: 1 sources")
    assert stream.getvalue().splitlines() == ["INFO monitor.service.daemon: started: 1 sources"]
