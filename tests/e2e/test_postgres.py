"""The daemon on PostgreSQL, end to end: a real feed server, a real SMTP server (aiosmtpd)
and a throwaway PostgreSQL on 127.0.0.1. An alert is delivered once, also across a daemon
restart; while the database restarts or is down, the daemon logs, retries and carries on,
losing and repeating nothing."""

from __future__ import annotations

import collections
import json
import time
from pathlib import Path

from tests.pg import PgServer
from tests.reliability.helpers import (
    add_docs,
    log_text,
    run,
    start,
    terminate,
    wait_for,
    write_project,
)
from tests.servers import SmtpSink, http_server, smtp_server


def smtp(port: int) -> str:
    return ("  - name: mail\n    type: email\n    transport: smtp\n"
            f"    smtp: {{host: 127.0.0.1, port: {port}, tls: none, timeout: 3s}}\n"
            "    to: [analysts@example.org]\n")


def on_postgres(cfg: Path, url: str, retry_for: str | None = None) -> Path:
    state = (f"state: {url}" if retry_for is None else
             f"store: {{type: postgresql, url: '{url}', retry_for: {retry_for}}}")
    cfg.write_text(cfg.read_text().replace("state: state.db", state))
    return cfg


def subjects(sink: SmtpSink) -> list[str]:
    return [str(m["Subject"]) for m in sink.messages]


def once_each(sink: SmtpSink, titles: list[str]) -> None:
    got = collections.Counter(next(t for t in titles if s.endswith(t)) for s in subjects(sink))
    assert set(got) == set(titles), set(titles) ^ set(got)
    assert max(got.values()) == 1, got.most_common(3)


def test_a_feed_alert_is_delivered_once_from_postgresql(tmp_path: Path, postgres_url: str) -> None:
    rss = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>wire</title>'
           b"<item><guid>urn:1</guid><title>Bridge opens reliabilitytest</title>"
           b"<description>The reliabilitytest bridge opened today.</description></item>"
           b"<item><guid>urn:2</guid><title>Weather</title><description>Rain.</description>"
           b"</item></channel></rss>")
    with http_server() as web, smtp_server() as (sink, port):
        web.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss)
        sources = f"  - {{id: wire, type: feed, url: '{web.base}/feed.xml', interval: 0.5s}}\n"
        cfg = on_postgres(write_project(tmp_path, sources=sources, notifiers=smtp(port)),
                          postgres_url)
        daemon = start(cfg)
        try:
            assert wait_for(lambda: len(sink.messages) >= 1, 90), log_text(cfg)
            assert terminate(daemon) == 0, log_text(cfg)
            polled = web.hits("/feed.xml")
            again = start(cfg)  # the state is in the database: nothing is sent again
            assert wait_for(lambda: web.hits("/feed.xml") >= polled + 3, 90), log_text(cfg)
            time.sleep(1)
            assert terminate(again) == 0, log_text(cfg)
        finally:
            terminate(daemon)
        [subject] = subjects(sink)
        assert subject.endswith("Bridge opens reliabilitytest")
    # the commands that look at the state read it from the database
    state = run(cfg, command="state")
    assert state.returncode == 0 and "postgresql://" in state.stdout, state.stderr
    assert "1 delivered" in state.stdout and "2 documents" in state.stdout, state.stdout
    status = json.loads(run(cfg, "--json", command="status").stdout)
    assert status["state"]["path"] == postgres_url and status["deliveries"]["delivered"] == 1
    matches = run(cfg, command="matches")
    assert "Bridge opens reliabilitytest" in matches.stdout, matches.stderr


def test_postgresql_restarted_and_down_loses_and_repeats_nothing(
    tmp_path: Path, postgres: PgServer, postgres_url: str
) -> None:
    with smtp_server() as (sink, port):
        # retry_for 1s: an outage of several seconds also takes the give-up path (the
        # documents kept for the next poll, the sent alert kept until it can be recorded)
        cfg = on_postgres(write_project(tmp_path, notifiers=smtp(port)), postgres_url, "1s")
        daemon = start(cfg)
        inbox = tmp_path / "inbox"
        try:
            titles = add_docs(inbox, 3)
            assert wait_for(lambda: len(sink.messages) >= 3, 90), log_text(cfg)
            titles += add_docs(inbox, 3, start=3)
            postgres.restart()  # while those arrive
            titles += add_docs(inbox, 2, start=6)
            assert wait_for(lambda: len(sink.messages) >= 8, 90), log_text(cfg)
            postgres.stop()
            titles += add_docs(inbox, 3, start=8)
            time.sleep(4)
            postgres.start_again()
            titles += add_docs(inbox, 2, start=11)
            assert wait_for(lambda: len(sink.messages) >= 13, 120), log_text(cfg)
            time.sleep(2)  # a few passes more: nothing is sent twice
            assert daemon.poll() is None, log_text(cfg)
        finally:
            postgres.ensure_running()
            code = terminate(daemon)
        assert code == 0, log_text(cfg)
        once_each(sink, titles)
        log = log_text(cfg)
        assert "the state cannot be reached" in log or "retrying" in log, log
