"""The shipped seed article becomes an alert, end to end, through the real daemon process."""

from __future__ import annotations

import email
import email.policy
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from tests.helpers import run_cli, start_cli, wait_for

HEADLINE = "Азербайджан начинает диалог с Китаем в оборонной промышленности"
MATCHING = (
    "Китай и Казахстан обсудили военно-техническое сотрудничество\n\n"
    "Делегация Пекина провела в Астане переговоры о военно-техническом сотрудничестве.\n"
)
NOT_MATCHING = "Китай запустил новый спутник связи\n\nСпутник выведен на орбиту ракетой.\n"


def start(project: Path) -> subprocess.Popen[bytes]:
    return start_cli("run", project / "config.yaml")


def stop(proc: subprocess.Popen[bytes], project: Path) -> str:
    proc.send_signal(signal.SIGTERM)
    # a stop during start-up waits for a rules compile under way (seconds more under load);
    # how long a stop may take is tested in tests/test_stopping.py and test_nodes_stop.py
    proc.wait(timeout=60)
    out = (project / "daemon.log").read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 0, out
    return out


def entries(path: Path) -> list[feedparser.FeedParserDict]:
    if not path.exists():
        return []
    return list(feedparser.parse(path.read_bytes()).entries)


def messages(project: Path) -> list[email.message.EmailMessage]:
    new = project / "out" / "mail" / "new"
    if not new.is_dir():
        return []
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted(new.iterdir())
    ]


def text_body(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
def daemon(project: Path) -> Iterator[subprocess.Popen[bytes]]:
    proc = start(project)
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_seed_becomes_atom_entry_and_email(project: Path, daemon: subprocess.Popen[bytes]) -> None:
    feeds = project / "out" / "feeds"
    # generous waits: start-up takes seconds more on a loaded machine
    assert wait_for(lambda: entries(feeds / "defence-china.atom") and messages(project), 60)
    assert wait_for(lambda: entries(feeds / "all.atom"), 30)
    assert [e.title for e in entries(feeds / "defence-china.atom")] == [HEADLINE]
    assert [e.title for e in entries(feeds / "all.atom")] == [HEADLINE]
    [msg] = messages(project)
    assert HEADLINE in str(msg["Subject"])
    body = text_body(msg)
    assert "defence-china" in body or "Defence cooperation with China" in body
    assert "Китаем" in body and "оборонной промышленности" in body

    # a new matching article is delivered (within seconds); a non-matching one is not
    (project / "seeds" / "nomatch.txt").write_text(NOT_MATCHING, encoding="utf-8")
    (project / "seeds" / "match.txt").write_text(MATCHING, encoding="utf-8")
    assert wait_for(lambda: len(messages(project)) == 2, 30), "second message not delivered"
    assert wait_for(lambda: len(entries(feeds / "all.atom")) == 2, 30)
    time.sleep(2.5)  # a rescan later, the non-matching article still raised nothing
    titles = {e.title for e in entries(feeds / "all.atom")}
    assert titles == {HEADLINE, MATCHING.splitlines()[0]}
    assert len(messages(project)) == 2
    stop(daemon, project)

    # stopping and starting again produces no second entry and no second message
    again = start(project)
    try:
        time.sleep(4)
    finally:
        log = stop(again, project)
    assert len(messages(project)) == 2, log
    assert len(entries(feeds / "all.atom")) == 2
    assert len(entries(feeds / "defence-china.atom")) == 2


def test_run_once_exits_zero_and_delivers(project: Path) -> None:
    done = run_cli("run", project / "config.yaml", "--once")
    assert done.returncode == 0, done.stderr
    assert len(messages(project)) == 1
    assert [e.title for e in entries(project / "out" / "feeds" / "all.atom")] == [HEADLINE]
