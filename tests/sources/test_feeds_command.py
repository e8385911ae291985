"""`monitor feeds` shows what the poller recorded: a failing feed's backoff, then recovery."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import load_config
from monitor.errors import SourceError
from monitor.registry import Resources
from monitor.sources import build_source
from monitor.store.sqlite import SQLiteStore
from tests.sources.conftest import FeedServer, Route, rss


def write_config(tmp_path: Path, server: FeedServer) -> Path:
    (tmp_path / "subs.opml").write_text(
        f'<opml version="2.0"><body><outline text="Listed feed" '
        f'xmlUrl="{server.url_of("/listed")}"/></body></opml>'
    )
    path = tmp_path / "config.yaml"
    path.write_text(
        "state: state.db\n"
        "sources:\n"
        f"  - {{id: news, type: feed, url: \"{server.url_of('/rss')}\", interval: 0.05}}\n"
        "  - {id: subs, type: opml, path: subs.opml}\n"
        "feeds: {max_concurrent: 4, per_host: 2}\n"
    )
    return path


def run_feeds(config: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["feeds", "--config", str(config), *extra]) == 0
    return capsys.readouterr().out


async def test_backoff_visible_then_recovery(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.routes["/rss"] = Route(
        body=rss([{"guid": "urn:1", "title": "Back online"}]), script=[(500, {})] * 3
    )
    config_path = write_config(tmp_path, feed_server)
    config = load_config(config_path)
    assert "never polled" in run_feeds(config_path, capsys)  # before the daemon ever ran

    store = SQLiteStore(config.state)
    try:
        ctx = Resources(store=store, languages=tuple(config.languages), feeds=config.feeds)
        async with build_source(config.sources[0], ctx) as src:
            for _ in range(2):
                with pytest.raises(SourceError, match="HTTP 500"):
                    await src.poll()
            out = run_feeds(config_path, capsys)
            line = next(x for x in out.splitlines() if x.startswith("news"))
            assert "backing off (2)" in line and "500" in line and "HTTP 500" in line
            assert "never polled" in next(x for x in out.splitlines() if "Listed feed" in x)

            data = json.loads(run_feeds(config_path, capsys, "--json"))
            news = next(r for r in data if r["id"] == "news")
            assert news["failures"] == 2 and news["backoff"] == pytest.approx(0.1)
            assert news["failing_since"] <= time.time()

            src_health = src.health()
            time.sleep(max(src_health["retry_at"] - time.time(), 0) + 0.01)
            with pytest.raises(SourceError):  # the third scripted 500
                await src.poll()
            time.sleep(max(src.health()["retry_at"] - time.time(), 0) + 0.01)
            [doc] = await src.poll()  # recovered: its items are ingested
            assert doc.title == "Back online"
    finally:
        store.close()
    out = run_feeds(config_path, capsys)
    line = next(x for x in out.splitlines() if x.startswith("news"))
    assert " ok " in line and "200" in line


def test_no_feeds_configured(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("sources: []\n")
    assert "no feeds are configured" in run_feeds(path, capsys)


def test_invalid_feeds_section_names_the_key(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("feeds: {per_host: 0}\n")
    assert main(["feeds", "--config", str(path)]) == 2
    assert "per_host" in capsys.readouterr().err
