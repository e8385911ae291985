"""Three daemons on one PostgreSQL, killed at random: every alert reaches every receiver, and a
second copy only ever under the same Message-ID / X-Monitor-Delivery id.

Articles keep arriving (a folder on shared storage and a feed) while a random node is
SIGKILLed and started again (every fourth time stopped with SIGTERM instead, waited for and
started again: a rolling restart), PostgreSQL is restarted once, and one node is stopped with
SIGSTOP for several lease times (a partition: its sources and notifiers are taken over, and
when it wakes it must not send what the others sent). CI runs 20 kills; MONITOR_SLOW=1 runs
200 (MONITOR_NODE_KILLS sets any number).
"""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from monitor.stopping import STOP_DEADLINE
from tests.helpers import HttpTestServer, http_server, start_cli, wait_for
from tests.pg import PgServer
from tests.servers import SmtpSink, smtp_server

KILLS = int(os.environ.get("MONITOR_NODE_KILLS", "200" if os.environ.get("MONITOR_SLOW") else "20"))
NODES = 3
LEASE = 2.0  # seconds: a dead node's work is taken over after this
EXIT_WAIT = STOP_DEADLINE + 100  # seconds: a node not gone by then hangs (not a timing)

RSS = {"Content-Type": "application/rss+xml"}
RULES = "rules:\n  - id: nodes\n    title: Nodes test\n    query: nodestest\n"


def write_config(tmp: Path, url: str, smtp_port: int, http: HttpTestServer) -> Path:
    (tmp / "rules").mkdir()
    (tmp / "rules" / "nodes.yaml").write_text(RULES)
    (tmp / "inbox").mkdir()
    path = tmp / "config.yaml"
    path.write_text(f"""
languages: [en]
state: {url}
rules: rules/
nodes: {{lease: {LEASE}s, heartbeat: 0.5s}}
sources:
  - {{id: inbox, type: folder, path: inbox/, interval: 0.5s, settle: 0.2s}}
  - {{id: wire, type: feed, url: "{http.base}/feed.xml", interval: 1s}}
notifiers:
  - name: mail
    type: email
    transport: smtp
    smtp: {{host: 127.0.0.1, port: {smtp_port}, tls: none}}
    from: monitor@localhost
    to: [analysts@example.org]
  - {{name: hook, type: webhook, url: "{http.url}"}}
delivery: {{interval: 0.2s, backoff: 0.3s, backoff_max: 1s, max_attempts: 1000}}
""")
    return path


def rss(titles: list[str]) -> bytes:
    items = "".join(f"<item><guid>urn:nodes:{t.split()[2]}</guid><title>{t}</title>"
                    f"<description>About nodestest {t.split()[2]}.</description></item>"
                    for t in titles)
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>w'
            f"</title><link>http://example.org/</link>{items}</channel></rss>").encode()


class Articles:
    """Writes an article file every 0.4 s and a feed entry every second, in a thread."""

    def __init__(self, inbox: Path, http: HttpTestServer) -> None:
        self.inbox, self.http = inbox, http
        self.titles: list[str] = []
        self.feed: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        n = 0
        while not self.stop.wait(0.4):
            title = f"Folder story {n} nodestest"
            (self.inbox / f"doc-{n}.txt").write_text(f"{title}\n\nThe nodestest body {n}.\n")
            self.titles.append(title)
            if n % 3 == 0:
                self.feed.append(f"Feed story f{n} nodestest")
                self.http.routes["/feed.xml"] = (200, RSS, rss(self.feed))
                self.titles.append(self.feed[-1])
            n += 1


def start(cfg: Path, n: int) -> subprocess.Popen[bytes]:
    return start_cli("run", cfg, "--node", f"node{n}", log=cfg.parent / f"node{n}.log")


def stop(proc: subprocess.Popen[bytes], took: list[float]) -> int | None:
    """SIGTERM and wait for the exit: its code (None: still running far past the stop
    deadline, then killed); the seconds it took are added to `took` (reported only)."""
    proc.send_signal(signal.SIGTERM)
    began = time.monotonic()
    try:
        return proc.wait(timeout=EXIT_WAIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None
    finally:
        took.append(round(time.monotonic() - began, 1))


def running(tmp: Path, starts: dict[int, int]) -> list[int]:
    """The nodes whose latest start has finished (waits until there is one)."""
    while True:
        done = [n for n, count in starts.items() if (tmp / f"node{n}.log").read_text(
            errors="replace").count("running; stop with") >= count]
        if done:
            return done
        time.sleep(0.2)


def logs(tmp: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(tmp.glob("node*.log")))


def received(sink: SmtpSink, http: HttpTestServer) -> tuple[dict[str, set[str]], ...]:
    """For each receiver: title -> the ids it came under."""
    mail: dict[str, set[str]] = collections.defaultdict(set)
    for m in sink.messages:
        mail[str(m["Subject"])].add(str(m["Message-ID"]))
    hook: dict[str, set[str]] = collections.defaultdict(set)
    for r in list(http.posts):
        if r.path == http.hook_path:
            hook[json.loads(r.body)["document"]["title"]].add(
                r.headers.get("X-Monitor-Delivery", ""))
    return mail, hook


def arrived(expected: list[str], sink: SmtpSink, http: HttpTestServer) -> bool:
    mail, hook = received(sink, http)
    subjects = " | ".join(mail)
    return all(t in hook and t in subjects for t in expected)


@pytest.mark.slow
def test_killed_nodes_lose_and_repeat_nothing(tmp_path: Path, postgres: PgServer) -> None:
    rng = random.Random(int(os.environ.get("MONITOR_CRASH_SEED", "21")))
    url = postgres.database()
    with smtp_server() as (sink, smtp_port), http_server() as http:
        http.routes["/feed.xml"] = (200, RSS, rss([]))
        cfg = write_config(tmp_path, url, smtp_port, http)
        procs = {n: start(cfg, n) for n in range(NODES)}
        starts = dict.fromkeys(procs, 1)
        stops: list[int | None] = []  # exit codes of the rolling restarts (None: no exit)
        took: list[float] = []
        articles = Articles(tmp_path / "inbox", http)
        articles.thread.start()
        try:
            for kill in range(KILLS):
                time.sleep(rng.uniform(0.5, 3.0))
                n = rng.choice(running(tmp_path, starts))  # killed at work, not starting
                if kill % 4 == 3:  # a rolling restart: stopped, then started again
                    stops.append(stop(procs[n], took))
                else:
                    procs[n].send_signal(signal.SIGKILL)
                    procs[n].wait()
                procs[n] = start(cfg, n)
                starts[n] += 1
                if kill == KILLS // 3:
                    postgres.restart()
                if kill == 2 * KILLS // 3:  # a partition: one node stands still
                    stopped = rng.choice([m for m in running(tmp_path, starts) if m != n])
                    procs[stopped].send_signal(signal.SIGSTOP)
                    time.sleep(3 * LEASE)
                    procs[stopped].send_signal(signal.SIGCONT)
            articles.stop.set()
            articles.thread.join()
            expected = list(articles.titles)
            assert wait_for(lambda: arrived(expected, sink, http), 300, step=1.0), (
                logs(tmp_path)[-5000:])
            time.sleep(2 * LEASE)  # anything sent twice arrives meanwhile
        finally:
            articles.stop.set()
            for proc in procs.values():
                proc.send_signal(signal.SIGCONT)
                proc.send_signal(signal.SIGTERM)
            codes = [proc.wait(timeout=EXIT_WAIT) for proc in procs.values()]
    mail, hook = received(sink, http)
    by_subject = {t: {i for s, ids in mail.items() if t in s for i in ids} for t in expected}
    report = {
        "kills": KILLS, "alerts": len(expected),
        "lost": {"smtp": sum(not ids for ids in by_subject.values()),
                 "webhook": sum(t not in hook for t in expected)},
        # the same alert under two ids: a real duplicate (the same id twice is a resend
        # the receiver recognises)
        "duplicated": {"smtp": sum(len(ids) > 1 for ids in by_subject.values()),
                       "webhook": sum(len(ids) > 1 for ids in hook.values())},
        "resent_same_id": {"smtp": len(sink.messages) - len(mail),
                           "webhook": sum(1 for r in http.posts if r.path == http.hook_path)
                           - len(hook)},
    }
    report["rolling_restarts"] = {"exit_codes": stops, "seconds_to_exit": took}
    print(json.dumps(report))
    assert codes == [0] * NODES, logs(tmp_path)[-3000:]
    assert stops and set(stops) == {0}, (stops, logs(tmp_path)[-5000:])
    assert report["lost"] == {"smtp": 0, "webhook": 0}, report
    assert report["duplicated"] == {"smtp": 0, "webhook": 0}, report
    assert "Traceback" not in logs(tmp_path), logs(tmp_path)[-5000:]
