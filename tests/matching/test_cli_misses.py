"""`monitor test --misses RULE`: the documents a rule leaves out that have some of its parts."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.helpers import run_cli

RULES = """\
topics:
  strikes:
    terms: {en: [strikers, walkout, walkouts, "on strike"]}
entities:
  britain:
    terms: {en: [Britain, England]}
rules:
  - {id: strike-britain, query: '@strikes AND @britain NOT rugby', within: paragraph}
  - {id: britain-strong, query: '@britain', min_score: 0.99}
"""
DOCS = [
    "Thousands on strike\nCivil servants went on strike across Britain in a walkout.\n",
    "Weather\nRain in England.\n",
    "Rugby stars on strike\nEngland's rugby players are on strike over pay.\n",
    "Miners stop work\nMiners walked out across England.\n\nA walkout was called in France.\n",
    "Britain votes\nA general election.\n",
    "Pay deal\nWorkers took strike action over pay.\n",
]


def misses(tmp_path: Path, rule: str, *more: str) -> subprocess.CompletedProcess[str]:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    for i, text in enumerate(DOCS):
        (docs / f"{i}.txt").write_text(text, encoding="utf-8")
    return run_cli("test", None, "--config", str(tmp_path / "none.yaml"), "--rules", str(rules),
                   "--misses", rule, *more, str(docs), cwd=tmp_path)


def test_misses_are_grouped_by_the_parts_they_lack_with_the_reason(tmp_path: Path) -> None:
    done = misses(tmp_path, "strike-britain")
    assert done.returncode == 0, done.stderr
    docs = tmp_path / "docs"
    assert [" ".join(line.split()) for line in done.stdout.splitlines()] == [
        "strike-britain: 1 alerted; 4 document(s) not alerted that have some of its parts",
        # every part, left out by NOT and by within: (headline first)
        "with every part, left out: 2 document(s), 1 with a part in the headline",
        f"{docs / '2.txt'} 'Rugby stars on strike'",
        "@strikes: 'on strike' (title)",
        "@britain: \"England's\" <- England",
        "why not: NOT rugby found 'Rugby' (title), 'rugby'",
        f"{docs / '3.txt'} 'Miners stop work'",
        "@strikes: 'walkout'",
        "@britain: 'England'",
        "why not: the parts are never in one paragraph (nearest: 1 word(s) apart in the "
        "body, not in one paragraph)",
        # the entity without the topic: what the topic's words may lack
        "without @strikes: 2 document(s), 1 with a part in the headline",
        f"{docs / '4.txt'} 'Britain votes'",
        "@britain: 'Britain' (title)",
        "why not: no @strikes",
        f"{docs / '1.txt'} 'Weather'",
        "@britain: 'England'",
        "why not: no @strikes",
        "6 document(s), 1 matched by at least one rule",  # 'strike action': no part at all
    ]


def test_a_match_under_min_score_says_its_score(tmp_path: Path) -> None:
    done = misses(tmp_path, "britain-strong", "--json")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == 5  # every document naming Britain or England
    assert {line["rule"] for line in lines} == {"britain-strong"}
    assert all(line["lacking"] == [] for line in lines)
    assert all(line["why_not"].startswith("score 0.") for line in lines)
    assert all(line["why_not"].endswith("under its min_score 0.99") for line in lines)
    first = lines[0]  # the headline ones first
    assert Path(first["where"]).name == "4.txt" and first["parts"] == [
        {"part": "@britain", "holds": True, "headline": True, "words": "'Britain' (title)"}]


def test_misses_with_terms_or_an_unknown_rule_is_refused(tmp_path: Path) -> None:
    both = misses(tmp_path, "strike-britain", "--terms")
    assert both.returncode == 2 and not both.stdout
    assert "--terms and --misses show different things: give one of them" in both.stderr
    unknown = misses(tmp_path, "strike-britan")
    assert unknown.returncode == 2 and "strike-britain" in unknown.stderr
