"""Soak: the daemon runs for minutes with hostile things in its folder and a webhook receiver
that never finishes answering, while ordinary articles keep arriving. Every alert must reach
the other notifiers on time, and SIGTERM must still stop it.

Present all along: a FIFO named like an article, files replaced by FIFOs after they were
written, a folder chain 2,100 levels deep (beyond `max_depth`), and a link to a folder
outside. CI runs 90 s; MONITOR_SLOW=1 runs the full 10 minutes (MONITOR_SOAK_SECONDS sets
any length).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.deep_folders import deep_chain
from tests.reliability.helpers import log_text, start, terminate, wait_for, write_project
from tests.servers import SmtpSink, free_port, smtp_server

SECONDS = float(os.environ.get(
    "MONITOR_SOAK_SECONDS", "600" if os.environ.get("MONITOR_SLOW") else "90"))
EVERY = 2.0  # seconds between new articles
ON_TIME = 30.0  # seconds from writing an article to its alert, on a busy shared machine


class _Trickle(BaseHTTPRequestHandler):
    """Answers 200 at once, then one byte of its body every 3 s, for ever."""

    stop: threading.Event
    posts: list[bytes]

    def do_POST(self) -> None:
        self.posts.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        while not self.stop.wait(3.0):
            try:
                self.wfile.write(b".")
                self.wfile.flush()
            except OSError:
                return

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def trickling_webhook() -> Iterator[tuple[str, list[bytes]]]:
    """A receiver on 127.0.0.1 that never finishes answering: yields (its URL, the bodies
    posted to it)."""
    stop = threading.Event()
    posts: list[bytes] = []
    handler = type("Handler", (_Trickle,), {"stop": stop, "posts": posts})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", posts
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def _hostile_folder(tmp: Path) -> None:
    inbox = tmp / "inbox"
    os.mkfifo(inbox / "pipe.txt")
    (tmp / "outside").mkdir()
    (tmp / "outside" / "creds.txt").write_text("Outside reliabilitytest secret\nbody\n")
    (inbox / "escape").symlink_to(tmp / "outside")


def _mail_texts(tmp: Path) -> str:
    texts = []
    for sub in ("new", "cur"):
        folder = tmp / "mail" / sub
        if folder.is_dir():
            texts += [p.read_text(errors="replace") for p in folder.iterdir()]
    return "\n".join(texts)


@pytest.mark.slow
def test_soak_alerts_stay_on_time_beside_a_fifo_a_deep_folder_and_a_stuck_webhook(
    tmp_path: Path,
) -> None:
    with ExitStack() as stack:
        sink, smtp_port = stack.enter_context(smtp_server())
        hook_url, hook_posts = stack.enter_context(trickling_webhook())
        cfg = write_project(tmp_path, notifiers=(
            "  - {name: mail, type: email, transport: maildir, maildir: mail/, "
            "to: [a@example.org]}\n"
            "  - {name: smtp, type: email, transport: smtp, from: m@localhost, "
            f"to: [a@example.org], smtp: {{host: 127.0.0.1, port: {smtp_port}, tls: none}}}}\n"
            f"  - {{name: hook, type: webhook, url: '{hook_url}'}}\n"
        ))
        _hostile_folder(tmp_path)
        stack.enter_context(deep_chain(tmp_path / "inbox" / "deep", 2100))
        proc = start(cfg)
        try:
            assert wait_for(lambda: "running; stop with" in log_text(cfg), 60), log_text(cfg)
            late = _feed_articles(tmp_path, sink)
            assert proc.poll() is None, log_text(cfg)[-3000:]
        finally:
            code = terminate(proc, timeout=20)
        assert code == 0, log_text(cfg)[-3000:]
    assert late == [], late
    assert len(hook_posts) >= 2  # the stuck receiver was tried all along
    log = log_text(cfg)
    assert "Traceback" not in log
    assert "Outside" not in _mail_texts(tmp_path)  # the link out of the folder
    assert "deeper than max_depth 32" in log


def _feed_articles(tmp: Path, sink: SmtpSink) -> list[str]:
    """Write an article every EVERY seconds for SECONDS; return those whose alert did not
    reach both email notifiers within ON_TIME seconds. Every fifth article, once
    delivered, is replaced by a FIFO under the same name."""
    inbox, late = tmp / "inbox", []
    written: dict[str, float] = {}  # title -> when its file was written
    started, n = time.monotonic(), 0
    while time.monotonic() - started < SECONDS or written:
        now = time.monotonic()
        if now - started < SECONDS and now >= started + n * EVERY:
            title = f"Soak {n} reliabilitytest"
            (inbox / f"soak-{n}.txt").write_text(f"{title}\n\nThe reliabilitytest body {n}.\n")
            written[title], n = now, n + 1
        mail = _mail_texts(tmp)
        smtp_text = "\n".join(str(m["Subject"]) for m in sink.messages)
        for title, at in list(written.items()):
            if title in mail and title in smtp_text:
                del written[title]
                number = int(title.split()[1])
                if number % 5 == 4:
                    (inbox / f"soak-{number}.txt").unlink()
                    os.mkfifo(inbox / f"soak-{number}.txt")
            elif time.monotonic() - at > ON_TIME:
                late.append(f"{title}: not delivered within {ON_TIME:.0f} s")
                del written[title]
        time.sleep(0.5)
    return late
