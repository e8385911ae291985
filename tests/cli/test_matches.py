"""`monitor matches` on a real state: score and language shown, an unknown --rule is an
error with suggestions, a list cut by --limit says so, and the matched words come once per
term of the rule, not once per spelling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.models import Alert, Document, Hit
from monitor.store import SQLiteStore
from tests.helpers import run_cli

RULE = "defence-china"
SPELLINGS = (("санкции", "санкции"), ("санкции", "Санкции"), ("Россия", "России"),
             ("Россия", "Россия"), ("Россия", "Россию"))


def _alert(n: int, hits: tuple[tuple[str, str], ...] = (("Китай", "Китаем"),)) -> Alert:
    doc = Document(id=f"seeds:{n}.txt", source="seeds", path=f"seeds/{n}.txt",
                   title=f"Статья номер {n}", body=f"Текст статьи {n}.")
    return Alert(
        id=Alert.make_id(RULE, doc.content_hash), rule=RULE,
        rule_title="Defence cooperation with China", document=doc, language="ru",
        score=0.5 + n / 100,
        hits=tuple(Hit(term=t, field="body", text=s, start=0, end=len(s)) for t, s in hits),
    )


@pytest.fixture
def state(project: Path) -> Path:
    """17 stored matches of one rule; the newest matched five spellings of two terms."""
    with SQLiteStore(project / "out" / "state.db") as store:
        for n in range(16):
            assert store.add_alert(_alert(n), [])
        assert store.add_alert(_alert(16, SPELLINGS), [])
    return project


def matches(project: Path, *args: str) -> tuple[int, str, str]:
    done = run_cli("matches", project / "config.yaml", *args)
    return done.returncode, done.stdout, done.stderr


def test_each_match_shows_its_score_and_language(state: Path) -> None:
    code, out, err = matches(state, "--limit", "1")
    assert code == 0, err
    assert "score 0.66, language ru" in out
    [data] = json.loads(matches(state, "--limit", "1", "--json")[1])
    assert data["score"] == pytest.approx(0.66) and data["language"] == "ru"
    assert data["story"] is None and data["delivery"] == "alerted"  # kept from stories


def test_an_unknown_rule_is_an_error_with_suggestions(state: Path) -> None:
    code, out, err = matches(state, "--rule", "defence-chna")
    assert code == 2 and out == ""
    assert "no rule 'defence-chna'" in err and "did you mean 'defence-china'?" in err
    assert "rules: defence-china" in err  # few rules: all listed
    code, out, err = matches(state, "--rule", "defence-china", "--since", "1h")
    assert code == 0 and "17 matches for rule 'defence-china'" in out, err


def test_a_rule_in_the_files_without_matches_is_no_error(project: Path) -> None:
    with SQLiteStore(project / "out" / "state.db"):
        pass  # an empty state
    code, out, err = matches(project, "--rule", RULE)
    assert code == 0 and "0 matches for rule 'defence-china'" in out, err


def test_limit_says_more_exist_and_json_stays_a_list(state: Path) -> None:
    code, out, err = matches(state, "--limit", "2")
    assert code == 0, err
    assert "2 matches for all rules" in out
    assert "showing the newest 2 of 17 matches; use --limit 17 to see them all" in out
    code, out, err = matches(state, "--limit", "2", "--json")
    assert code == 0 and len(json.loads(out)) == 2  # stdout: the JSON list only
    assert "showing the newest 2 of 17 matches" in err
    code, out, err = matches(state)
    assert "showing" not in out + err


def test_matched_words_are_grouped_by_the_rules_term(state: Path) -> None:
    code, out, err = matches(state, "--limit", "1")
    assert code == 0, err
    [line] = [ln for ln in out.splitlines() if "matched:" in ln]
    assert line.strip() == "matched: санкции (2), Россия (3: России, Россия, Россию)"
    [data] = json.loads(matches(state, "--limit", "1", "--json")[1])
    assert data["words"] == [
        {"term": "санкции", "count": 2, "forms": ["санкции"]},
        {"term": "Россия", "count": 3, "forms": ["России", "Россия", "Россию"]},
    ]
    assert len(data["matched"]) == 5  # every hit still listed for scripts
    older = matches(state, "--limit", "2")[1]
    assert "matched: Китай (Китаем)" in older
