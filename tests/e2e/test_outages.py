"""Outages: SMTP answering 451 or gone, a webhook answering 500 or gone, a feed failing, the
Atom folder unwritable (not a folder, full, read-only). The daemon keeps running, logs the
problem naming the notifier or source, and catches up completely when it clears: every
alert delivered exactly once."""

from __future__ import annotations

import collections
import errno
import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import feedparser
import pytest
from aiosmtpd.controller import Controller

from monitor.service import Daemon
from monitor.store import SQLiteStore
from tests.reliability.helpers import Receiver, add_docs, running, until, write_project
from tests.servers import SmtpSink, free_port, http_server

FAST_FEEDS = "feeds: {backoff_max: 1s}\n"
ATOM = "  - {name: atom, type: atom, path: feeds/}\n"
INBOX = "  - {id: inbox, type: folder, path: inbox/, interval: 0.5s, settle: 0.2s}\n"


def counts(daemon: Daemon) -> dict[str, int]:
    """The outbox's rows by status (the daemon's store is the SQLite file here)."""
    assert isinstance(daemon.store, SQLiteStore)
    return daemon.store.delivery_counts()


def feed(url: str) -> str:
    return f"  - {{id: wire, type: feed, url: '{url}', interval: 0.5s}}\n"


def webhook(url: str) -> str:
    return f"  - {{name: hook, type: webhook, url: '{url}'}}\n"


def smtp(port: int) -> str:
    return (
        "  - name: mail\n    type: email\n    transport: smtp\n"
        f"    smtp: {{host: 127.0.0.1, port: {port}, tls: none, timeout: 3s}}\n"
        "    to: [analysts@example.org]\n"
    )


def rss(titles: list[str]) -> bytes:
    items = "".join(
        f"<item><guid>urn:test:{i}</guid><title>{t}</title>"
        f"<description>About reliabilitytest, item {i}.</description></item>"
        for i, t in enumerate(titles)
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>wire</title>'
            f"{items}</channel></rss>").encode()


def atom_titles(folder: Path) -> list[str]:
    path = folder / "all.atom"
    return [e.title for e in feedparser.parse(path.read_bytes()).entries] if path.exists() else []


def mail_titles(sink: SmtpSink, titles: list[str]) -> list[str]:
    """The headline each received message carries (its subject ends with it)."""
    return [next(t for t in titles if str(m["Subject"]).endswith(t)) for m in sink.messages]


def once_each(received: list[str], expected: list[str]) -> None:
    counts = collections.Counter(received)
    assert set(counts) == set(expected), set(expected) ^ set(counts)
    assert max(counts.values()) == 1, counts.most_common(3)


def logged(caplog: pytest.LogCaptureFixture, *needles: str) -> Callable[[], bool]:
    return lambda: all(any(n in r.getMessage() for r in caplog.records) for n in needles)


async def test_everything_down_then_back(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """SMTP 451, webhook 500, feed 500 and the Atom folder replaced by a file, all at once."""
    caplog.set_level(logging.INFO)
    sink = SmtpSink(up=False)
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    hook = Receiver(free_port(), status=500)
    hook.up()
    feeds = tmp_path / "feeds"
    try:
        with http_server() as web:
            feed_titles = [f"Wire {i} reliabilitytest" for i in range(3)]
            web.routes["/feed.xml"] = (500, {}, b"oops")
            cfg = write_project(
                tmp_path,
                sources=INBOX + feed(f"{web.base}/feed.xml"),
                notifiers=smtp(smtp_port) + webhook(hook.url) + ATOM,
                extra=FAST_FEEDS,
            )
            async with running(cfg) as (daemon, task):
                shutil.rmtree(feeds)
                feeds.write_text("not a folder")
                titles = add_docs(tmp_path / "inbox", 4)
                problems = logged(
                    caplog, "notifier 'mail': 127.0.0.1", "answered 451",
                    "notifier 'hook': http://127.0.0.1", "answered 500",
                    "notifier 'atom': cannot write feeds", "source 'wire': HTTP 500",
                )
                assert await until(problems, 30), [r.getMessage() for r in caplog.records][-20:]
                # a while of failing: retries go on, nothing is given up, the daemon runs
                await until(lambda: False, 3)
                assert not task.done()
                assert counts(daemon)["failed"] == 0
                assert daemon.status()["sources"]["wire"]["ok"] is False

                sink.up, hook.status = True, 200
                feeds.unlink()
                feeds.mkdir()
                web.routes["/feed.xml"] = (200, {}, rss(feed_titles))
                expected = titles + feed_titles

                def caught_up() -> bool:
                    mail = [str(m["Subject"]) for m in sink.messages]
                    return (all(any(t in s for s in mail) for t in expected)
                            and set(expected) <= set(hook.titles())
                            and set(expected) <= set(atom_titles(feeds)))

                assert await until(caught_up, 30), [r.getMessage() for r in caplog.records][-20:]
                await until(lambda: False, 1.5)  # anything sent twice would arrive now
                assert not task.done()
                assert logged(caplog, "feed 'wire' recovered")()
    finally:
        controller.stop()
        hook.down()
    once_each(mail_titles(sink, expected), expected)
    once_each(hook.titles(), expected)
    once_each(atom_titles(feeds), expected)


async def test_servers_gone_then_back(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Nothing listening at all (connection refused), then the servers come back."""
    caplog.set_level(logging.INFO)
    smtp_port = free_port()
    hook = Receiver(free_port())
    cfg = write_project(
        tmp_path,
        notifiers=smtp(smtp_port) + webhook(hook.url),
    )
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    try:
        async with running(cfg) as (_daemon, task):
            titles = add_docs(tmp_path / "inbox", 3)
            problems = logged(caplog, "notifier 'mail': cannot reach 127.0.0.1",
                              "notifier 'hook': cannot reach http://127.0.0.1")
            assert await until(problems, 30), [r.getMessage() for r in caplog.records][-20:]
            await until(lambda: False, 2)
            assert not task.done()
            controller.start()
            hook.up()

            def caught_up() -> bool:
                mail = [str(m["Subject"]) for m in sink.messages]
                return all(any(t in s for s in mail) for t in titles) and (
                    set(titles) <= set(hook.titles()))

            assert await until(caught_up, 30)
            await until(lambda: False, 1.5)
    finally:
        controller.stop()
        hook.down()
    once_each(mail_titles(sink, titles), titles)
    once_each(hook.titles(), titles)


@contextmanager
def tmpfs(path: Path, size: str = "256k") -> Iterator[None]:
    """A tiny tmpfs at `path` (needs root with CAP_SYS_ADMIN; skips otherwise)."""
    path.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path) -> Path:
    """Fill the filesystem of `folder` until it reports ENOSPC; return the filler file."""
    filler = folder / ".filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def remount(path: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True)


@pytest.mark.parametrize("how", ["not-a-folder", "full", "read-only"])
async def test_atom_folder_unwritable_then_writable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    """As root, chmod does not stop writes, so the folder is made to really fail: replaced
    by a file (ENOTDIR), a full tmpfs (ENOSPC) or a read-only tmpfs (EROFS)."""
    caplog.set_level(logging.INFO)
    feeds = tmp_path / "feeds"
    cfg = write_project(tmp_path, notifiers=ATOM)
    with contextmanager(_mounted)(feeds, how != "not-a-folder"):
        async with running(cfg) as (daemon, task):
            assert (feeds / "all.atom").exists()
            undo = _break(feeds, how)
            titles = add_docs(tmp_path / "inbox", 3)
            message = {"not-a-folder": "Not a directory", "full": "No space left on device",
                       "read-only": "Read-only file system"}[how]
            problem = logged(caplog, "notifier 'atom': cannot write feeds to", message)
            assert await until(problem, 30), [r.getMessage() for r in caplog.records][-20:]
            await until(lambda: False, 2)
            assert not task.done()
            assert counts(daemon)["pending"] == len(titles)
            undo()
            assert await until(lambda: set(titles) <= set(atom_titles(feeds)), 30)
            await until(lambda: False, 1)
            once_each(atom_titles(feeds), titles)
            assert counts(daemon) == {
                "pending": 0, "delivered": len(titles), "failed": 0}


def _mounted(path: Path, mount: bool) -> Iterator[None]:
    if not mount:
        yield
        return
    with tmpfs(path):
        yield


def _break(feeds: Path, how: str) -> Callable[[], None]:
    """Make `feeds` unwritable; return what makes it writable again."""
    if how == "not-a-folder":
        shutil.rmtree(feeds)
        feeds.write_text("not a folder")

        def undo() -> None:
            feeds.unlink()
            feeds.mkdir()

        return undo
    if how == "full":
        filler = fill(feeds)
        return filler.unlink
    remount(feeds, "ro")
    return lambda: remount(feeds, "rw")


async def test_state_disk_full_then_freed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The disk holding the state file fills up while alerts are pending and documents
    arrive: nothing is sent twice meanwhile (a send that cannot be recorded stops the
    outbox), and once space is freed everything is delivered, exactly once."""
    caplog.set_level(logging.INFO)
    sink = SmtpSink(up=False)
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    statefs = tmp_path / "statefs"
    cfg = write_project(tmp_path, notifiers=smtp(smtp_port))
    cfg.write_text(cfg.read_text().replace("state: state.db", f"state: {statefs}/state.db"))
    try:
        with tmpfs(statefs, size="2m"):
            async with running(cfg) as (daemon, task):
                first = add_docs(tmp_path / "inbox", 3)
                assert await until(lambda: counts(daemon)["pending"] == 3, 30)
                filler = fill(statefs)
                sink.up = True  # the server is back, the state file cannot record sends
                later = add_docs(tmp_path / "inbox", 2, start=10, prefix="Later")
                stuck = logged(caplog, "1 sent alert(s) cannot be recorded in the state file",
                               "the state file cannot be written")
                assert await until(stuck, 30), [r.getMessage() for r in caplog.records][-20:]
                await until(lambda: False, 2)  # many passes: the one sent is not sent again
                assert len(sink.messages) == 1 and not task.done()
                filler.unlink()
                expected = first + later
                assert await until(lambda: len(sink.messages) >= 5, 30)
                await until(lambda: False, 1.5)
                assert counts(daemon) == {
                    "pending": 0, "delivered": 5, "failed": 0}
    finally:
        controller.stop()
    once_each(mail_titles(sink, expected), expected)
