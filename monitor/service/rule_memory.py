"""The last good rule set, kept in the state: a rule file broken at start-up (one typo and a
reboot) does not leave the daemon without rules.

Each time a rule set loads, the bytes of its rule files are saved in the store. When the
files on disk are invalid at start, the daemon loads the saved copies instead (from a
temporary folder, with the same relative paths) and reports the broken file; `monitor
check` still reads only the files on disk and still fails.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from monitor.errors import RuleError
from monitor.matching import RuleSet
from monitor.matching.files import rule_files
from monitor.models import Alert, Document
from monitor.wording import counted

log = logging.getLogger(__name__)

STATE_KEY = "rules:last-good"
HEALTH_RULE = "rules-health"
HEALTH_TITLE = "Rules health"


class StateKeeper(Protocol):
    """The part of the Store this needs."""

    def get_state(self, key: str) -> dict[str, Any]: ...

    def set_state(self, key: str, state: dict[str, Any]) -> None: ...


@dataclass(frozen=True, kw_only=True)
class Fallback:
    """The saved rule set put in force at start, and why."""

    rules: RuleSet
    saved_at: float  # unix time the saved rule set was loaded from disk
    error: str  # what is wrong with the files on disk


def snapshot(path: Path) -> dict[str, bytes]:
    """The rule files under `path` (a folder or one file): relative name -> bytes."""
    files = rule_files(path)
    if path.is_file():
        return {path.name: path.read_bytes()}
    return {f.relative_to(path).as_posix(): f.read_bytes() for f in files}


def save(store: StateKeeper, files: dict[str, bytes], *, single: bool) -> None:
    """Remember `files` (as `snapshot` gives them) as the last good rule set; nothing is
    written when the same files are saved already."""
    digest = _digest(files)
    if store.get_state(STATE_KEY).get("digest") == digest:
        return
    store.set_state(STATE_KEY, {
        "digest": digest, "saved_at": time.time(), "single": single,
        "files": {name: base64.b64encode(data).decode() for name, data in files.items()},
    })


def fall_back(
    store: StateKeeper, error: RuleError, load: Callable[[Path], RuleSet]
) -> Fallback:
    """The saved rule set, loaded by `load(path)`; re-raises `error` when none is saved
    (the first start), or the saved one no longer loads (then with both problems)."""
    saved = store.get_state(STATE_KEY)
    if not saved.get("files"):
        raise error
    with tempfile.TemporaryDirectory(prefix="monitor-rules-") as tmp:
        folder = Path(tmp)
        for name, data in saved["files"].items():
            target = folder / name
            if not target.resolve().is_relative_to(folder.resolve()):
                continue  # a state file not written by us
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(data))
        only = next(iter(saved["files"])) if saved.get("single") else None
        try:
            rules = load(folder / only if only else folder)
        except RuleError as exc:
            raise RuleError(f"{error}\nthe last good rules kept in the state do not load "
                            f"either:\n{exc}") from error
    return Fallback(rules=rules, saved_at=float(saved["saved_at"]), error=str(error))


def broken_rules_alert(fallback: Fallback, rules_path: Path, now: float | None = None) -> Alert:
    """The health alert sent when the daemon starts on the last good rules."""
    now = time.time() if now is None else now
    saved = datetime.fromtimestamp(fallback.saved_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    n = len(fallback.rules.rules)
    doc = Document(
        id=f"health:rules:{hashlib.sha256(fallback.error.encode()).hexdigest()[:16]}",
        source="rules",
        title="The rule files are broken; the last good rules are in force",
        body=(
            f"At start-up the rule files in {rules_path} could not be loaded:\n\n"
            f"{fallback.error}\n\nThe daemon runs with the last rules that loaded, saved "
            f"{saved} ({counted(n, 'rule')}). Fix the file (`monitor check` "
            "shows every problem); the fixed rules take effect as soon as it is saved."
        ),
        published=datetime.fromtimestamp(now, UTC),
    )
    return Alert(
        id=Alert.make_id(HEALTH_RULE, doc.content_hash), rule=HEALTH_RULE,
        rule_title=HEALTH_TITLE, document=doc, kind="health",
    )


def _digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode("utf-8", "surrogateescape") + b"\0")
        h.update(hashlib.sha256(files[name]).digest())
    return h.hexdigest()
