"""Crash safety: SIGKILL the daemon at random moments, restart it, and check that every alert
reached the SMTP server, the webhook receiver and the Atom feed, none twice.

CI runs a bounded version (20+ kills); MONITOR_CRASH_KILLS=200 runs a longer one.
"""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser

from tests.servers import http_server, smtp_server

KILLS = int(os.environ.get("MONITOR_CRASH_KILLS", "20"))
FOLDER_DOCS_PER_ROUND = 2
FEED_ENTRIES_PER_ROUND = 1

RULES = """
rules:
  - id: crash
    title: Crash test
    query: crashtest
"""


def config(tmp: Path, smtp_port: int, http_base: str) -> Path:
    text = f"""
languages: [en]
state: state.db
rules: rules/
sources:
  - {{id: inbox, type: folder, path: inbox/, interval: 0.5s}}
  - {{id: wire, type: feed, url: "{http_base}/feed.xml", interval: 1s}}
notifiers:
  - name: mail
    type: email
    transport: smtp
    smtp: {{host: 127.0.0.1, port: {smtp_port}, tls: none}}
    from: monitor@localhost
    to: [analysts@example.org]
  - {{name: hook, type: webhook, url: "{http_base}/hook"}}
  - {{name: atom, type: atom, path: feeds/, max_entries: 100000}}
delivery: {{interval: 0.2s, backoff: 0.3s, backoff_max: 1s}}
"""
    (tmp / "rules").mkdir()
    (tmp / "rules" / "crash.yaml").write_text(RULES)
    (tmp / "inbox").mkdir()
    path = tmp / "config.yaml"
    path.write_text(text)
    return path


def rss(entries: list[str]) -> bytes:
    items = "".join(
        f"<item><guid>urn:crash:{t.split()[-2]}</guid><title>{t}</title>"
        f"<description>A report about crashtest number {t.split()[-2]}.</description></item>"
        for t in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>wire</title><link>http://example.org/</link>{items}</channel></rss>"
    ).encode()


def start(cfg: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--config", str(cfg)],
        cwd=cfg.parent,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def test_sigkill_loses_and_repeats_nothing(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("MONITOR_CRASH_SEED", "7")))
    log = tmp_path / "daemon.log"
    with smtp_server() as (sink, smtp_port), http_server() as http:
        feed_titles: list[str] = []
        http.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss([]))
        cfg = config(tmp_path, smtp_port, http.base)
        expected: set[str] = set()
        kills = 0
        for round_ in range(KILLS):
            for i in range(FOLDER_DOCS_PER_ROUND):
                title = f"Folder story {round_}-{i} crashtest"
                (tmp_path / "inbox" / f"doc-{round_}-{i}.txt").write_text(
                    f"{title}\n\nThe crashtest body of story {round_}-{i}.\n"
                )
                expected.add(title)
            for _ in range(FEED_ENTRIES_PER_ROUND):
                feed_titles.append(f"Feed story f{round_} crashtest")
                expected.add(feed_titles[-1])
            http.routes["/feed.xml"] = (200, {}, rss(feed_titles))
            proc = start(cfg, log)
            time.sleep(rng.uniform(0.5, 3.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1

        proc = start(cfg, log)
        deadline = time.monotonic() + 90
        try:
            while time.monotonic() < deadline:
                mail_titles = {str(m["Subject"]) for m in sink.messages}
                hook_titles = {p["document"]["title"] for p in http.post_json()}
                all_atom = tmp_path / "feeds" / "all.atom"
                atom_titles = {e.title for e in feedparser.parse(all_atom.read_bytes()).entries
                               } if all_atom.exists() else set()
                if all(any(t in s for s in mail_titles) for t in expected) and (
                    expected <= hook_titles and expected <= atom_titles
                ):
                    time.sleep(1.5)  # let anything extra arrive
                    break
                time.sleep(0.3)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0, log.read_text()[-3000:]

    mail = collections.Counter(
        next((t for t in expected if t in str(m["Subject"])), "?") for m in sink.messages
    )
    mail_ids = collections.Counter(str(m["Message-ID"]) for m in sink.messages)
    hooks = collections.Counter(p["document"]["title"] for p in http.post_json())
    hook_ids = collections.Counter(
        r.headers.get("X-Monitor-Delivery") for r in http.posts
    )
    atom = collections.Counter(
        e.title for e in feedparser.parse((tmp_path / "feeds" / "all.atom").read_bytes()).entries
    )
    report = {
        "documents": len(expected),
        "kills": kills,
        "expected": len(expected),
        "delivered": {"smtp": len(mail), "webhook": len(hooks), "atom": len(atom)},
        # the same alert twice under different ids: a real duplicate
        "duplicated": {
            "smtp": sum(n - 1 for n in mail.values()) - sum(n - 1 for n in mail_ids.values()),
            "webhook": sum(n - 1 for n in hooks.values())
            - sum(n - 1 for n in hook_ids.values()),
            "atom": sum(n - 1 for n in atom.values()),
        },
        # the same alert resent with the same id after a kill (recognisable by the receiver)
        "resent_same_id": {
            "smtp": sum(n - 1 for n in mail_ids.values()),
            "webhook": sum(n - 1 for n in hook_ids.values()),
        },
        "lost": {
            "smtp": len(expected - set(mail)),
            "webhook": len(expected - set(hooks)),
            "atom": len(expected - set(atom)),
        },
    }
    print(json.dumps(report))
    assert report["lost"] == {"smtp": 0, "webhook": 0, "atom": 0}, report
    assert report["duplicated"] == {"smtp": 0, "webhook": 0, "atom": 0}, report
    assert set(mail) == expected and set(atom) == expected
