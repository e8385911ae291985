"""Stories under SIGKILL: copies written while the daemon is killed at random moments
(in the middle of attaching, sometimes) end up in the same stories, one email each."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from monitor.store.sqlite import SQLiteStore
from tests.stories.articles import OTHER_EN, SAME_SUBJECT_EN, WIRE_EN, copies

KILLS = int(os.environ.get("MONITOR_STORY_KILLS", "6"))
RUNNING = "running; stop with Ctrl-C or SIGTERM"
BASES = {"wire": WIRE_EN, "harbour": OTHER_EN, "drones": SAME_SUBJECT_EN}


def setup(tmp: Path) -> Path:
    (tmp / "rules").mkdir()
    (tmp / "rules" / "all.yaml").write_text(
        "rules:\n  - id: news\n    query: council OR Azerbaijan OR Azerbaijani\n")
    (tmp / "inbox").mkdir()
    path = tmp / "config.yaml"
    path.write_text("""
languages: [en]
state: state.db
rules: rules/
sources:
  - {id: inbox, type: folder, path: inbox/, interval: 0.3s, settle: 0s}
notifiers:
  - {name: mail, type: email, transport: maildir, maildir: mail/, to: [desk@example.org]}
  - {name: feeds, type: atom, path: feeds/}
delivery: {interval: 0.2s}
""")
    return path


def documents() -> list[tuple[str, str, str, str]]:
    """(story, file name, headline, body) of every document, copies after their base."""
    out = []
    for story, body in BASES.items():
        out.append((story, f"{story}-base", f"{story} report", body))
        for kind, (title, text) in copies(body).items():
            out.append((story, f"{story}-{kind}", title, text))
    return out


def start(cfg: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(cfg)],
                            cwd=cfg.parent, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def settled(tmp: Path, count: int) -> bool:
    if not (tmp / "state.db").exists():
        return False
    with SQLiteStore(tmp / "state.db", lock=False) as store:
        return (store.story_counts()["documents"] == count
                and store.delivery_counts()["pending"] == 0)


def test_sigkill_while_attaching_keeps_the_stories(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("MONITOR_CRASH_SEED", "11")))
    cfg, log = setup(tmp_path), tmp_path / "daemon.log"
    docs = documents()
    rng.shuffle(docs)
    per_round = -(-len(docs) // KILLS)
    for round_ in range(KILLS):
        for _, name, title, body in docs[round_ * per_round : (round_ + 1) * per_round]:
            (tmp_path / "inbox" / f"{name}.txt").write_text(f"{title}\n\n{body}\n")
        proc = start(cfg, log)
        time.sleep(rng.uniform(0.8, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    started = log.read_text().count(RUNNING) if log.exists() else 0
    proc = start(cfg, log)
    try:
        deadline = time.monotonic() + 60
        # SIGTERM is handled once the daemon runs; the documents may be settled before
        while time.monotonic() < deadline and not (
            log.read_text().count(RUNNING) > started and settled(tmp_path, len(docs))
        ):
            time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0, log.read_text()[-3000:]

    with SQLiteStore(tmp_path / "state.db", lock=False) as store:
        found = {name: store.story_of(f"inbox:{name}.txt") for _, name, _, _ in docs}
        counts = store.story_counts()
    groups = {story: {found[name] for s, name, _, _ in docs if s == story} for story in BASES}
    assert all(len(ids) == 1 and None not in ids for ids in groups.values()), groups
    assert len({next(iter(ids)) for ids in groups.values()}) == len(BASES)
    # one email per story and rule; every other copy attached to it
    mails = list((tmp_path / "mail" / "new").iterdir())
    assert len(mails) == len(BASES), log.read_text()[-3000:]
    assert counts == {"stories": len(BASES), "documents": len(docs),
                      "attached": len(docs) - len(BASES)}
