"""Atom feeds: valid, readable by feedparser, stable across restarts, never half-written."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest

from monitor.config import AtomNotifierConfig
from monitor.delivery.atom import AtomNotifier
from monitor.models import Alert

AlertFactory = Callable[..., Alert]
SEED_TITLE = "Азербайджан начинает диалог с Китаем в оборонной промышленности"


def _notifier(tmp_path: Path, max_entries: int = 100) -> AtomNotifier:
    cfg = AtomNotifierConfig(
        type="atom",
        name="atom",
        path=tmp_path / "feeds",
        base_url="https://news.example.org/feeds",
        max_entries=max_entries,
    )
    return AtomNotifier(cfg)


def _parse(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


async def test_feeds_per_rule_and_combined_with_titles_intact(
    tmp_path: Path, alert_factory: AlertFactory
) -> None:
    titles = [SEED_TITLE, "Arms & ammunition: <script>alert(1)</script>", '{{ 7*7 }} "quoted"']
    async with _notifier(tmp_path) as notifier:
        for n, title in enumerate(titles):
            await notifier.send(alert_factory(title, n=n))
        await notifier.send(alert_factory("Other rule", rule="other", rule_title="Other", n=9))
    feeds = tmp_path / "feeds"
    rule_feed = _parse(feeds / "defence-china.atom")
    assert [e.title for e in rule_feed.entries] == list(reversed(titles))  # newest first
    assert rule_feed.feed.title == "monitor: Defence cooperation with China"
    self_links = [link.href for link in rule_feed.feed.links if link.rel == "self"]
    assert self_links == ["https://news.example.org/feeds/defence-china.atom"]
    entry = rule_feed.entries[-1]
    assert entry.link == "https://example.org/news/1?a=1&b=2"
    assert entry.tags[0].term == "defence-china"
    assert entry.author == "seeds"
    assert "<strong>Китаем</strong>" in entry.summary
    combined = _parse(feeds / "all.atom")
    assert len(combined.entries) == 4
    assert combined.entries[0].title == "Other rule"
    assert (feeds / "other.atom").exists()


async def test_ids_stable_and_no_duplicate_after_restart(
    tmp_path: Path, alert_factory: AlertFactory
) -> None:
    alert = alert_factory()
    async with _notifier(tmp_path) as notifier:
        await notifier.send(alert)
    first = _parse(tmp_path / "feeds" / "defence-china.atom").entries[0].id
    async with _notifier(tmp_path) as notifier:  # a restart: state comes from the files
        await notifier.send(alert)
        await notifier.send(alert_factory("Second", n=1))
    parsed = _parse(tmp_path / "feeds" / "defence-china.atom")
    assert [e.title for e in parsed.entries] == ["Second", SEED_TITLE]
    assert parsed.entries[1].id == first
    assert first.startswith("urn:uuid:")
    assert len(_parse(tmp_path / "feeds" / "all.atom").entries) == 2


async def test_at_most_max_entries(tmp_path: Path, alert_factory: AlertFactory) -> None:
    async with _notifier(tmp_path, max_entries=3) as notifier:
        for n in range(5):
            await notifier.send(alert_factory(f"Headline {n}", n=n))
    parsed = _parse(tmp_path / "feeds" / "defence-china.atom")
    assert [e.title for e in parsed.entries] == ["Headline 4", "Headline 3", "Headline 2"]
    assert len(_parse(tmp_path / "feeds" / "all.atom").entries) == 3


async def test_control_characters_and_long_titles_stay_valid_xml(
    tmp_path: Path, alert_factory: AlertFactory
) -> None:
    title = "Line\r\nbreak\x00\x07 and " + "x" * 10_000
    async with _notifier(tmp_path) as notifier:
        await notifier.send(alert_factory(title, url="javascript:alert(1)"))
    [entry] = _parse(tmp_path / "feeds" / "defence-china.atom").entries
    assert entry.title.startswith("Line break and xxx")
    assert "\x00" not in entry.title and "\n" not in entry.title
    assert not any(link.get("rel") == "alternate" for link in entry.get("links", []))


async def test_empty_combined_feed_exists_from_the_start(tmp_path: Path) -> None:
    async with _notifier(tmp_path):
        pass
    assert _parse(tmp_path / "feeds" / "all.atom").entries == []


async def test_concurrent_reader_never_sees_a_partial_file(
    tmp_path: Path, alert_factory: AlertFactory
) -> None:
    path = tmp_path / "feeds" / "all.atom"
    stop = threading.Event()
    problems: list[str] = []
    reads = 0

    def reader() -> None:
        nonlocal reads
        while not stop.is_set():
            data = path.read_bytes()
            reads += 1
            try:
                ET.fromstring(data)
            except ET.ParseError:
                problems.append(data[-80:].decode(errors="replace"))

    async with _notifier(tmp_path, max_entries=50) as notifier:
        thread = threading.Thread(target=reader)
        thread.start()
        try:
            for n in range(60):
                await notifier.send(alert_factory(f"Headline {n} " + "y" * 500, n=n))
        finally:
            stop.set()
            thread.join()
    assert reads > 0 and problems == []


async def test_entry_without_link_carries_content_and_bad_urls_are_encoded(
    tmp_path: Path, alert_factory: AlertFactory
) -> None:
    async with _notifier(tmp_path) as notifier:
        await notifier.send(
            alert_factory("No link", url=None, body="First paragraph.\n\nSecond & <last>.")
        )
        await notifier.send(alert_factory("Odd link", url="https://example.org/a?q=<x>", n=1))
    no_link, odd = reversed(_parse(tmp_path / "feeds" / "defence-china.atom").entries)
    assert "links" not in no_link or all(lk.rel != "alternate" for lk in no_link.links)
    html = no_link.content[0].value
    assert "<p>First paragraph.</p>" in html and "Second &amp; &lt;last&gt;." in html
    assert odd.link == "https://example.org/a?q=%3Cx%3E" and "content" not in odd


@pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat is not installed")
async def test_newsboat_reads_the_feeds(tmp_path: Path, alert_factory: AlertFactory) -> None:
    titles = [SEED_TITLE, "Arms & <script>alert(1)</script>", "中国 国防 合作"]
    async with _notifier(tmp_path) as notifier:
        for n, title in enumerate(titles):
            await notifier.send(
                alert_factory(title, n=n, url=None if n % 2 else f"https://example.org/{n}?a=1&b=2")
            )
    urls = tmp_path / "urls"
    urls.write_text(f"file://{tmp_path}/feeds/all.atom\n", encoding="utf-8")
    cache = tmp_path / "cache.db"
    subprocess.run(
        ["newsboat", "-u", str(urls), "-c", str(cache), "-C", "/dev/null", "-x", "reload"],
        check=True,
        capture_output=True,
        timeout=60,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    with sqlite3.connect(cache) as db:
        rows = dict(db.execute("SELECT title, url FROM rss_item").fetchall())
    assert rows == {
        SEED_TITLE: "https://example.org/0?a=1&b=2",
        "Arms & <script>alert(1)</script>": "",
        "中国 国防 合作": "https://example.org/2?a=1&b=2",
    }


async def test_two_nodes_writing_one_folder_in_turn_keep_each_others_entries(
    tmp_path: Path, alert_factory: AlertFactory
) -> None:
    # the notifier's deliveries move between daemons sharing the folder: each one must
    # read back what the other wrote before writing, or its older copy drops entries
    async with _notifier(tmp_path) as one, _notifier(tmp_path) as two:
        await one.send(alert_factory("First, sent by one", n=1))
        await two.send(alert_factory("Second, sent by two", n=2))
        await one.send(alert_factory("Third, sent by one", n=3))
        await two.send(alert_factory("Other rule, by two", rule="other", rule_title="Other", n=4))
    feeds = tmp_path / "feeds"
    assert [e.title for e in _parse(feeds / "defence-china.atom").entries] == [
        "Third, sent by one", "Second, sent by two", "First, sent by one"]
    assert len(_parse(feeds / "all.atom").entries) == 4
