"""`monitor test` run as a user would: a subprocess on the shipped files."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]


def monitor(command: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run_cli(command, None, *args, cwd=cwd)


def test_seeds_folder_shows_defence_china_with_hits_and_offsets(project: Path) -> None:
    done = monitor("test", "--config", str(project / "config.yaml"), str(project / "seeds"))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "[ru]" in out
    assert "defence-china" in out
    assert "title 30-36  'Китаем'" in out
    assert "title 39-63  'оборонной промышленности'" in out
    assert out.splitlines()[-1] == "1 document(s), 1 matched by at least one rule"


def test_empty_and_unreadable_files_are_named_and_counted(project: Path) -> None:
    (project / "seeds" / "empty.txt").write_bytes(b"")
    (project / "seeds" / "broken.json").write_text("{not json", encoding="utf-8")
    done = monitor("test", "--config", str(project / "config.yaml"), str(project / "seeds"))
    assert done.returncode == 1
    assert "empty.txt: no document in it (empty), skipped" in done.stderr
    assert "broken.json" in done.stderr
    assert done.stdout.splitlines()[-1] == (
        "1 document(s), 1 matched by at least one rule; 1 file(s) could not be read"
    )


def test_json_lines_one_per_document_including_non_matching(project: Path) -> None:
    (project / "seeds" / "other.txt").write_text(
        "Китай запустил новый спутник связи\nРакета стартовала утром.\n", encoding="utf-8"
    )
    (project / "seeds" / "broken.json").write_text("{not json", encoding="utf-8")
    done = monitor("test", "--json", "--config", str(project / "config.yaml"),
                   str(project / "seeds"))
    assert done.returncode == 1  # one file could not be read; the others were still tested
    assert "broken.json" in done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == 2
    by_title = {d["title"]: d for d in lines}
    seed = by_title["Азербайджан начинает диалог с Китаем в оборонной промышленности"]
    assert seed["language"] == "ru"
    assert set(seed) == {"path", "title", "language", "matches"}
    (match,) = seed["matches"]
    assert match["rule"] == "defence-china"
    hits = [(h["field"], h["text"], h["start"], h["end"]) for h in match["hits"]]
    assert ("title", "Китаем", 30, 36) in hits
    assert ("title", "оборонной промышленности", 39, 63) in hits
    assert set(match["hits"][0]) == {"term", "field", "text", "start", "end"}
    assert by_title["Китай запустил новый спутник связи"]["matches"] == []


def test_invalid_rules_exit_2_with_location(tmp_path: Path) -> None:
    rules = tmp_path / "bad.yaml"
    rules.write_text("rules:\n  - id: x\n    query: '@nowhere AND china'\n", encoding="utf-8")
    doc = tmp_path / "a.txt"
    doc.write_text("Title\nbody\n", encoding="utf-8")
    done = monitor("test", "--config", str(tmp_path / "none.yaml"), "--rules", str(rules),
                   str(doc))
    assert done.returncode == 2
    assert f"{rules}:3:" in done.stderr
    assert "unknown reference @nowhere" in done.stderr


def test_explain_prints_the_query_tree_and_the_score(project: Path) -> None:
    (project / "seeds" / "other.txt").write_text(
        "Китай запустил новый спутник связи\nРакета стартовала утром.\n", encoding="utf-8"
    )
    done = monitor("test", "--config", str(project / "config.yaml"), "--explain",
                   "defence-china", str(project / "seeds"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    start = lines.index(next(x for x in lines if "Китай запустил" in x))
    assert lines[start + 1] == "  defence-china: no match"
    assert lines[start + 2:start + 5] == [  # within: paragraph makes the AND a PARA
        "    no  PARA", "        no  @defence-cooperation", "        yes @china  'Китай' (title)"]
    assert any(x.startswith("  defence-china: matched, score 0.") and "prominence 1.00" in x
               for x in lines)
    only = monitor("test", "--config", str(project / "config.yaml"), "--explain",
                   "defence-china", "--only-matches", str(project / "seeds"))
    assert "Китай запустил" not in only.stdout
    assert only.stdout.splitlines()[-1] == "2 document(s), 1 matched by at least one rule"


def test_rule_reports_only_that_rule_of_a_draft_merged_with_the_folder(project: Path) -> None:
    draft = project / "draft.yaml"
    draft.write_text("rules:\n  - {id: china-any, query: '@china'}\n", encoding="utf-8")
    both = monitor("test", "--config", str(project / "config.yaml"), "--rules",
                   str(project / "rules"), "--rules", str(draft), str(project / "seeds"))
    assert both.returncode == 0, both.stderr
    assert "  defence-china (" in both.stdout and "  china-any (" in both.stdout
    only = monitor("test", "--config", str(project / "config.yaml"), "--rules",
                   str(project / "rules"), "--rules", str(draft), "--rule", "china-any",
                   str(project / "seeds"))
    assert "  china-any (" in only.stdout and "defence-china" not in only.stdout


def test_rule_filter_and_unknown_rule(project: Path) -> None:
    done = monitor("test", "--config", str(project / "config.yaml"), "--rule", "defence-chian",
                   str(project / "seeds"))
    assert done.returncode == 2
    assert ("unknown rule 'defence-chian' (did you mean 'defence-china'?); the rules are: "
            "defence-china") in done.stderr


def test_json_carries_the_score_parts(project: Path) -> None:
    done = monitor("test", "--json", "--config", str(project / "config.yaml"),
                   str(project / "seeds"))
    (match,) = json.loads(done.stdout.splitlines()[0])["matches"]
    assert set(match["score_parts"]) == {"prominence", "mentions", "closeness", "concentration"}
    assert 0.45 <= match["score"] <= 1


def test_workers_on_and_off_give_the_same_lines_in_the_same_order(project: Path) -> None:
    # eighty documents, of which every fourth matches: enough for several workers' shares
    for n in range(80):
        title = ("Китай и Баку: оборонная промышленность" if n % 4 == 0
                 else f"Погода в городе номер {n}")
        (project / "seeds" / f"doc{n:02d}.txt").write_text(
            f"{title}\nТекст заметки {n}.\n", encoding="utf-8")
    outputs = []
    for workers in (1, 2):
        config = project / f"config-{workers}.yaml"
        config.write_text((project / "config.yaml").read_text() + f"workers: {workers}\n",
                          encoding="utf-8")
        done = monitor("test", "--json", "--config", str(config), str(project / "seeds"))
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    lines = [json.loads(line) for line in outputs[0].splitlines()]
    assert outputs[0] == outputs[1]
    assert [Path(d["path"]).name for d in lines] == sorted(Path(d["path"]).name for d in lines)
    assert sum(bool(d["matches"]) for d in lines) == 21  # 20 written + the seed


def test_terms_tallies_the_terms_each_part_of_a_rule_matched_through(tmp_path: Path) -> None:
    rules = tmp_path / "strikes.yaml"
    rules.write_text(
        "topics:\n  strikes:\n    terms: {en: [strikers, walkout, walkouts, \"on strike\"]}\n"
        "entities:\n  britain:\n    terms: {en: [Britain, England]}\n"
        "rules:\n  - {id: strike-britain, query: '@strikes AND @britain NOT rugby', within: "
        "paragraph}\n"
        "  - {id: britain, query: '@britain'}\n", encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    for i, text in enumerate([
        "Cole faces injury lay-off\nThe striker was hurt playing for England.\n",
        "Owen to stay in Madrid\nThe England forward is a fourth-choice striker.\n",
        "Thousands on strike\nCivil servants went on strike across Britain in a walkout.\n",
        "Weather\nRain in England.\n",
        "Bus drivers stage walkout\nThe walkout stopped buses across Britain.\n",
        "Rugby stars on strike\nEngland's rugby players are on strike over pay.\n",
    ]):
        (docs / f"{i}.txt").write_text(text, encoding="utf-8")
    args = ("test", "--config", str(tmp_path / "none.yaml"), "--rules", str(rules), "--rule",
            "strike-britain", "--terms", str(docs))
    done = monitor(*args)
    assert done.returncode == 0, done.stderr
    lines = [" ".join(line.split()) for line in done.stdout.splitlines()
             if not line.lstrip().startswith("e.g.")]
    assert lines[:6] == [  # the footballers come through 'strikers' alone
        "strike-britain: 4 matched document(s)", "@strikes",
        "strikers 2 document(s), alone in 2",
        "walkout 2 document(s), alone in 1",  # two forms of a word: the same places
        "walkouts 2 document(s), alone in 1",
        "on strike 1 document(s), alone in 0"]
    assert lines[6:] == ["@britain", "Britain 2 document(s), alone in 2",
                         "England 2 document(s), alone in 2",
                         # the near misses of the rule named: NOT rugby, and the weather
                         "not alerted: 1 document(s) with every part (within:, NOT or "
                         "min_score)",
                         "not alerted: 1 document(s) with @britain alone, 0 of them in the "
                         "headline",
                         "6 document(s), 4 matched by at least one rule"]
    out = done.stdout.splitlines()  # the documents to read first, under the term
    at = out.index(next(x for x in out if x.lstrip().startswith("strikers")))
    assert [x.split()[:2] for x in out[at + 1:at + 3]] == [
        ["e.g.", str(docs / "0.txt")], ["e.g.", str(docs / "1.txt")]]
    assert out[at + 1].endswith("'Cole faces injury lay-off'")
    both = monitor(*args, "--explain", "strike-britain")
    assert both.returncode == 2 and "give one of them" in both.stderr and not both.stdout
    (tally,) = [json.loads(line) for line in monitor(*args, "--json").stdout.splitlines()]
    assert tally["rule"] == "strike-britain" and tally["documents"] == 4
    strikes, britain = tally["parts"]
    assert strikes["terms"]["strikers"]["alone"] == 2
    assert len(strikes["terms"]["strikers"]["examples"]) == 2
    assert strikes["terms"]["on strike"] == {"documents": 1, "alone": 0, "examples": []}
    assert {t: (v["documents"], v["alone"]) for t, v in britain["terms"].items()} == {
        "Britain": (2, 2), "England": (2, 2)}
    assert tally["not_alerted"] == {"every_part": 1,
                                    "parts": {"@britain": {"documents": 1, "headline": 0}}}
