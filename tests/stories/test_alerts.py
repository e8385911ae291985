"""One alert per rule per story, through the daemon with real notifiers: a maildir, an
Atom folder and a webhook receiver on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import json
import time
from email.message import EmailMessage
from pathlib import Path

import feedparser
import pytest

from monitor.cli import main
from monitor.config import load_config
from monitor.daemon import Daemon
from monitor.store.sqlite import SQLiteStore
from tests.servers import http_server
from tests.stories.articles import WIRE_EN, copies

RULES = """
rules:
  - id: deal
    title: Baku defence deal
    query: Azerbaijan OR Azerbaijani
    stories: {stories}
"""


def setup(tmp: Path, hook: str, *, stories: str = "true", enabled: str = "true") -> Path:
    (tmp / "rules").mkdir()
    (tmp / "rules" / "deal.yaml").write_text(RULES.format(stories=stories))
    for folder in ("wire", "daily", "herald"):
        (tmp / folder).mkdir()
    path = tmp / "config.yaml"
    path.write_text(f"""
languages: [en]
state: state.db
rules: rules/
sources:
  - {{id: wire, type: folder, path: wire/, watch: false, settle: 0s}}
  - {{id: daily, type: folder, path: daily/, watch: false, settle: 0s}}
  - {{id: herald, type: folder, path: herald/, watch: false, settle: 0s}}
notifiers:
  - {{name: mail, type: email, transport: maildir, maildir: mail/, to: [desk@example.org]}}
  - {{name: feeds, type: atom, path: feeds/}}
  - {{name: hook, type: webhook, url: "{hook}"}}
stories: {{enabled: {enabled}}}
""")
    return path


def write(tmp: Path, folder: str, name: str, title: str, body: str) -> None:
    (tmp / folder / f"{name}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def mails(tmp: Path) -> list[EmailMessage]:
    new = tmp / "mail" / "new"
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for p in sorted(new.iterdir())] if new.is_dir() else []


def entries(tmp: Path, feed: str = "deal.atom") -> list[feedparser.FeedParserDict]:
    return list(feedparser.parse((tmp / "feeds" / feed).read_bytes()).entries)


async def run_once(config: Path) -> None:
    async with Daemon(load_config(config)) as daemon:
        await daemon.run_once()


async def test_a_later_copy_updates_the_atom_entry_and_sends_nothing_else(
    tmp_path: Path,
) -> None:
    with http_server() as http:
        config = setup(tmp_path, http.base + "/hook")
        write(tmp_path, "wire", "deal", "China and Azerbaijan expand defence cooperation",
              WIRE_EN)
        await run_once(config)
        [first] = entries(tmp_path)
        assert len(mails(tmp_path)) == 1 and len(http.posts) == 1
        time.sleep(1.1)  # <updated> has whole seconds
        write(tmp_path, "daily", "copy", *copies(WIRE_EN)["dateline"])
        write(tmp_path, "herald", "copy", *copies(WIRE_EN)["truncated"])
        await run_once(config)
        assert len(mails(tmp_path)) == 1 and len(http.posts) == 1
        for feed in ("deal.atom", "all.atom"):
            [entry] = entries(tmp_path, feed)
            assert entry.id == first.id and entry.title == first.title
            assert entry.updated > first.updated
            assert "Also reported by 2 other outlets" in entry.summary
            assert "daily" in entry.summary and "herald" in entry.summary
        with SQLiteStore(tmp_path / "state.db", lock=False) as store:
            alerts = store.alerts_since(0)
            assert len(alerts) == 3 and len({a.story for a in alerts}) == 1
            assert sum(a.attached_to is None for a in alerts) == 1
            assert store.story_counts() == {"stories": 1, "documents": 3, "attached": 2}


async def test_the_first_alert_names_the_outlets_known_when_it_is_sent(tmp_path: Path) -> None:
    with http_server() as http:
        config = setup(tmp_path, http.base + "/hook")
        title, copy = copies(WIRE_EN)["boilerplate"]
        lines = [{"title": "China and Azerbaijan expand defence cooperation", "body": WIRE_EN,
                  "url": "https://www.reuters.com/world/deal"},
                 {"title": title, "body": copy, "url": "https://dailystar.example/a/1"}]
        (tmp_path / "wire" / "batch.jsonl").write_text(
            "\n".join(json.dumps(line) for line in lines), encoding="utf-8")
        await run_once(config)
        [mail] = mails(tmp_path)
        text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "Also by:   1 other outlet: dailystar.example" in text
        html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert '<a href="https://dailystar.example/a/1">dailystar.example</a>' in html
        [payload] = http.post_json()
        story = payload["story"]
        assert story["id"] and [c["host"] for c in story["copies"]] == [
            "reuters.com", "dailystar.example"]


async def test_stories_false_sends_every_copy(tmp_path: Path) -> None:
    with http_server() as http:
        config = setup(tmp_path, http.base + "/hook", stories="false")
        write(tmp_path, "wire", "deal", "China and Azerbaijan expand defence cooperation",
              WIRE_EN)
        await run_once(config)
        write(tmp_path, "daily", "copy", *copies(WIRE_EN)["dateline"])
        await run_once(config)
        assert len(mails(tmp_path)) == 2 and len(http.posts) == 2
        assert len(entries(tmp_path)) == 2


async def test_stories_can_be_turned_off_for_everything(tmp_path: Path) -> None:
    with http_server() as http:
        config = setup(tmp_path, http.base + "/hook", enabled="false")
        write(tmp_path, "wire", "deal", "China and Azerbaijan expand defence cooperation",
              WIRE_EN)
        write(tmp_path, "daily", "copy", *copies(WIRE_EN)["dateline"])
        await run_once(config)
        assert len(mails(tmp_path)) == 2 and len(http.posts) == 2
        [payload, _] = http.post_json()
        assert payload["story"] is None


async def test_the_commands_show_stories_and_attached_copies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with http_server() as http:
        config = setup(tmp_path, http.base + "/hook")
        write(tmp_path, "wire", "deal", "China and Azerbaijan expand defence cooperation",
              WIRE_EN)
        await run_once(config)
        write(tmp_path, "daily", "copy", *copies(WIRE_EN)["dateline"])
        await run_once(config)
    capsys.readouterr()
    assert main(["matches", "--config", str(config), "--json"]) == 0
    matches = json.loads(capsys.readouterr().out)
    assert sorted(m["delivery"] for m in matches) == ["alerted", "attached"]
    assert len({m["story"] for m in matches}) == 1
    assert main(["stories", "--config", str(config), "--json", "--rule", "deal"]) == 0
    [story] = json.loads(capsys.readouterr().out)
    assert story["size"] == 2 and story["outlets"] == ["wire", "daily"]
    assert story["rules"] == ["deal"] and story["id"] == matches[0]["story"]
    assert main(["stories", "--config", str(config)]) == 0
    assert "2 copies, 2 outlet(s)" in capsys.readouterr().out
    assert main(["status", "--config", str(config)]) == 0
    assert "stories:     1 (2 documents), 1 copy attached" in capsys.readouterr().out


async def test_a_spreading_story_alerts_once_more(tmp_path: Path) -> None:
    with http_server() as http:
        config = setup(tmp_path, http.base + "/hook")
        (tmp_path / "rules" / "deal.yaml").write_text(
            RULES.format(stories="true") + "    spreading: 3\n")
        write(tmp_path, "wire", "deal", "China and Azerbaijan expand defence cooperation",
              WIRE_EN)
        await run_once(config)
        write(tmp_path, "daily", "copy", *copies(WIRE_EN)["dateline"])
        await run_once(config)
        assert len(mails(tmp_path)) == 1
        write(tmp_path, "herald", "copy", *copies(WIRE_EN)["truncated"])
        await run_once(config)
        write(tmp_path, "herald", "again", *copies(WIRE_EN)["credit"])
        await run_once(config)
        found = mails(tmp_path)
        assert len(found) == 2 and len(http.posts) == 2
        spread = next(m for m in found if "Spreading" in str(m["Subject"]))
        assert "Spreading to 3 outlets: " in str(spread["Subject"])
        assert http.post_json()[1]["story"]["spreading"] == 3
