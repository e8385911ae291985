"""`monitor test --compare OLD`: what a revision of the rules gained and lost, per rule."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.helpers import run_cli

OLD = """\
topics:
  strikes: {terms: {en: [strikers, "on strike"]}}
entities:
  britain: {terms: {en: [Britain, England]}}
rules:
  - {id: strike-britain, query: '@strikes AND @britain'}
  - {id: gone, query: 'Weather'}
"""
NEW = """\
topics:
  strikes: {terms: {en: ["on strike", walkout, "walked out"]}}
entities:
  britain: {terms: {en: [Britain, England]}}
rules:
  - {id: strike-britain, query: '@strikes AND @britain'}
  - {id: rain, query: 'rain'}
"""
DOCS = [
    "Cole faces injury lay-off\nThe striker was hurt playing for England.\n",
    "Thousands on strike\nCivil servants went on strike across Britain.\n",
    "Miners stop work\nMiners walked out across England.\n",
    "Weather\nRain in England.\n",
]


def compare(tmp_path: Path, *more: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "old.yaml").write_text(OLD, encoding="utf-8")
    (tmp_path / "new.yaml").write_text(NEW, encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    for i, text in enumerate(DOCS):
        (docs / f"{i}.txt").write_text(text, encoding="utf-8")
    return run_cli("test", None, "--config", str(tmp_path / "none.yaml"), "--rules",
                   str(tmp_path / "new.yaml"), "--compare", str(tmp_path / "old.yaml"), *more,
                   str(docs), cwd=tmp_path)


def test_compare_lists_what_each_rule_gained_and_lost(tmp_path: Path) -> None:
    done = compare(tmp_path)
    assert done.returncode == 0, done.stderr
    docs = tmp_path / "docs"
    assert [" ".join(line.split()) for line in done.stdout.splitlines()] == [
        "strike-britain: 2 alert(s) before, 2 now: 1 kept, 1 gained, 1 lost",
        f"gained {docs / '2.txt'} 'Miners stop work'",  # the walkout, in the new words
        f"lost {docs / '0.txt'} 'Cole faces injury lay-off'",  # the footballer
        "rain (only in the new rules): 0 alert(s) before, 1 now: 0 kept, 1 gained, 0 lost",
        f"gained {docs / '3.txt'} 'Weather'",
        "gone (only in the old rules): 1 alert(s) before, 0 now: 0 kept, 0 gained, 1 lost",
        f"lost {docs / '3.txt'} 'Weather'",
        "4 document(s), 3 matched by at least one rule",
    ]


def test_compare_as_json_for_the_rules_asked_for(tmp_path: Path) -> None:
    done = compare(tmp_path, "--json", "--rule", "strike-britain")
    assert done.returncode == 0, done.stderr
    (line,) = [json.loads(text) for text in done.stdout.splitlines()]
    assert {k: v for k, v in line.items() if k not in ("gained", "lost")} == {
        "rule": "strike-britain", "before": 2, "now": 2, "kept": 1}
    assert [g["title"] for g in line["gained"]] == ["Miners stop work"]
    assert [g["title"] for g in line["lost"]] == ["Cole faces injury lay-off"]


def test_compare_refuses_other_views_and_bad_old_rules(tmp_path: Path) -> None:
    both = compare(tmp_path, "--terms")
    assert both.returncode == 2 and "--terms and --compare show different things" in both.stderr
    (tmp_path / "bad.yaml").write_text("rules:\n  - {id: x}\n", encoding="utf-8")
    bad = run_cli("test", None, "--config", str(tmp_path / "none.yaml"), "--rules",
                  str(tmp_path / "new.yaml"), "--compare", str(tmp_path / "bad.yaml"),
                  str(tmp_path / "docs"), cwd=tmp_path)
    assert bad.returncode == 2 and "invalid rules in --compare" in bad.stderr
    assert str(tmp_path / "bad.yaml") in bad.stderr
