"""`monitor backfill`: a rule run over stored documents, listed or recorded and delivered."""

from __future__ import annotations

import email
import email.policy
import json
import sqlite3
import time
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.models import Document
from monitor.store import SQLiteStore

MATCHING = Document(
    id="seeds:kz.txt",
    source="seeds",
    path="seeds/kz.txt",
    title="Китай и Казахстан обсудили военно-техническое сотрудничество",
    body="Делегация Пекина провела в Астане переговоры о военно-техническом сотрудничестве.",
)
OLD_MATCHING = Document(
    id="seeds:old.txt",
    source="seeds",
    title="Beijing's arms sales to the region grew last year",
    body="An old report.",
)
NOT_MATCHING = Document(
    id="seeds:sat.txt",
    source="seeds",
    title="Китай запустил новый спутник связи",
    body="Спутник выведен на орбиту ракетой.",
)
RULE = "defence-china"


@pytest.fixture
def stored(project: Path) -> Path:
    """Three stored documents never matched: one of them ten days old."""
    state = project / "out" / "state.db"
    with SQLiteStore(state) as store:
        for doc in (MATCHING, OLD_MATCHING, NOT_MATCHING):
            store.put_document(doc)
    with sqlite3.connect(state) as db:
        db.execute(
            "UPDATE documents SET updated = ? WHERE id = ?",
            (time.time() - 10 * 86400, OLD_MATCHING.id),
        )
    return project


def backfill(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["backfill", RULE, "--config", str(project / "config.yaml"), *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def alerts(project: Path) -> list[str]:
    with SQLiteStore(project / "out" / "state.db", lock=False) as store:
        return [a.document.id for a in store.alerts_since(0.0)]


def mails(project: Path) -> list[Path]:
    new = project / "out" / "mail" / "new"
    return sorted(new.iterdir()) if new.exists() else []


def test_dry_run_lists_and_changes_nothing(
    stored: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = backfill(stored, capsys, "--since", "7d", "--dry-run")
    assert code == 0, out
    assert MATCHING.title in out and "matched:" in out
    assert NOT_MATCHING.title not in out
    assert OLD_MATCHING.title not in out  # stored ten days ago, outside the period
    assert "1 match" in out and "dry run" in out
    assert alerts(stored) == [] and mails(stored) == []

    code, out = backfill(stored, capsys, "--since", "30d", "--dry-run")
    assert code == 0 and OLD_MATCHING.title in out and "2 match" in out


def test_backfill_records_delivers_and_never_repeats(
    stored: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = backfill(stored, capsys, "--since", "7d")
    assert code == 0, out
    assert alerts(stored) == [MATCHING.id]
    assert "1 recorded" in out
    assert len(mails(stored)) == 1
    message = email.message_from_bytes(mails(stored)[0].read_bytes(), policy=email.policy.default)
    assert "военно-техническое" in str(message["Subject"]) + message.as_string()

    code, out = backfill(stored, capsys, "--since", "7d")
    assert code == 0 and "0 not alerted before" in out and "(already alerted)" in out
    assert alerts(stored) == [MATCHING.id] and len(mails(stored)) == 1


def test_backfill_refuses_while_the_daemon_holds_the_state(
    stored: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SQLiteStore(stored / "out" / "state.db"):  # as the running daemon does
        code, out = backfill(stored, capsys, "--since", "7d")
        assert code == 3
        assert "in use by monitor" in out and "--dry-run" in out
        code, out = backfill(stored, capsys, "--since", "7d", "--dry-run")
        assert code == 0 and MATCHING.title in out
    assert alerts(stored) == []


def test_unknown_rule_is_an_invalid_argument(
    stored: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["backfill", "no-such-rule", "--since", "1d", "--config", str(stored / "config.yaml")]
    )
    err = capsys.readouterr().err
    assert code == 2 and "no rule 'no-such-rule'" in err and RULE in err


@pytest.mark.parametrize("workers", [1, 2])
def test_backfill_finds_the_same_with_workers_on_and_off(
    stored: Path, capsys: pytest.CaptureFixture[str], workers: int
) -> None:
    with SQLiteStore(stored / "out" / "state.db") as store:
        for n in range(40):  # more documents than one worker's share
            store.put_document(MATCHING.model_copy(update={
                "id": f"seeds:kz{n}.txt", "body": f"{MATCHING.body} Заметка {n}."}))
    with (stored / "config.yaml").open("a", encoding="utf-8") as cfg:
        cfg.write(f"workers: {workers}\n")
    code = main(["backfill", RULE, "--config", str(stored / "config.yaml"), "--since", "7d",
                 "--dry-run", "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    found = json.loads(out)
    assert found["documents"] == 42 and len(found["matches"]) == 41
