"""`rows` (what a worker sends) gives the matches of evaluating each rule alone."""

from __future__ import annotations

from pathlib import Path

import yaml

from monitor.matching import load_rules
from monitor.matching.rows import ASKED, CHECKED, ONE, TWIN
from monitor.models import Document
from monitor.text.analysis import analyze


def test_rules_of_one_part_match_as_each_evaluated_alone(tmp_path: Path) -> None:
    queries = {
        "word": "china",
        "one-fires": "missile OR china",  # china alone: the word's match
        "two-fire": "china OR navy OR drones",  # not either word's match
        "alike": "china OR navy OR drones",
        "two-too": "navy OR china",  # as two-fire, not written alike
        "phrase": '"arms sales"',
        "negated": "arms AND NOT missile",
        "near-inside": "(china NEAR/2 arms) OR exports",  # no leaves explain it
        "none": "missile OR exports",
    }
    data = {"rules": [{"id": rule_id, "query": q} for rule_id, q in queries.items()]
            + [{"id": "scored", "query": "china OR chip", "min_score": 0.01}]}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    rules = load_rules(path, languages=["en"])
    doc = Document(id="1", source="s", title="China and its navy",
                   body="Arms sales to China grew. The navy of China bought arms.",
                   language="en")
    analysis = analyze(doc, ["en"])
    found = rules.match(analysis, doc)
    kind = dict(zip(rules.ids, rules._kinds["en"], strict=True))
    assert [kind[r] for r in ("word", "one-fires", "two-too", "phrase", "negated")] == [ONE] * 5
    assert kind["near-inside"] == ONE + ASKED
    assert kind["two-fire"] == kind["alike"] == TWIN
    assert kind["scored"] == CHECKED
    assert found == rules.match_all(analysis, doc)
    by_rule = {m.rule: m for m in found}
    assert list(by_rule) == ["word", "one-fires", "two-fire", "alike", "two-too", "phrase",
                             "negated", "near-inside", "scored"]
    word = by_rule["word"]
    for same in ("one-fires", "scored"):
        assert (by_rule[same].hits, by_rule[same].counts, by_rule[same].score) == (
            word.hits, word.counts, word.score)
    both = by_rule["two-fire"]
    assert [term for term, _ in both.counts] == ["china", "navy"]
    assert (both.hits, both.counts) != (word.hits, word.counts)
    assert (by_rule["alike"].hits, by_rule["alike"].score) == (both.hits, both.score)
    assert [term for term, _ in by_rule["two-too"].counts] == ["navy", "china"]


def test_a_word_in_any_field_shows_and_scores_as_evaluated_alone(tmp_path: Path) -> None:
    # a word or prefix in any field is told to fire by its feature and its match made from
    # where it occurs: the same as `shown` and `score_of` give for each place it may have
    queries = {
        "title-once": "tanker",
        "title-and-body": "navy OR missile",
        "body-once": "harbour",
        "body-late": "drills",
        "body-often": "china",
        "prefix": "export*",
        "body-field": "body:china",  # not in any field: the general way
        "title-field": "title:navy",
        "both": "harbour OR exports",  # two fire: `shown`
    }
    data = {"rules": [{"id": rule_id, "query": q} for rule_id, q in queries.items()]}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    rules = load_rules(path, languages=["en"])
    filler = " ".join(["The officials said little more."] * 30)
    body = (" ".join(["China sent its navy to the harbour for exports."]
                     + ["China grew."] * 6) + f" {filler} The drills went on.")
    doc = Document(id="1", source="s", title="A tanker and the navy", body=body,
                   language="en")
    analysis = analyze(doc, ["en"])
    found = rules.match(analysis, doc)
    assert [m.rule for m in found] == list(queries)
    assert found == rules.match_all(analysis, doc)
    by_rule = {m.rule: m for m in found}
    assert by_rule["body-often"].counts == (("china", 7),)
    assert len(by_rule["body-often"].hits) == 5
    assert by_rule["body-late"].score_parts[0][1] < 0.8 == by_rule["body-once"].score_parts[0][1]


def test_two_words_in_any_field_show_and_score_as_evaluated_alone(tmp_path: Path) -> None:
    # the two parts of `a AND b` are words or prefixes in any field: each one's first hits
    # and stats come from one look-up of where it occurs, the same as `shown` and `score_of`
    queries = {
        "title-only": "tanker AND navy",  # tanker in the title only, navy in both
        "body-only": "harbour AND drills",
        "both-often": "china AND navy",
        "prefix": "export* AND harbour",
        "negated": "tanker AND drills AND NOT submarine",
        "one-word": "china",  # fires first: its first hits are kept for the document
        "again": "china AND drills",
        "field": "title:navy AND harbour",  # not in any field: the general way
        "absent": "tanker AND submarine",
        "same-place": "export* AND exports",
    }
    data = {"rules": [{"id": rule_id, "query": q} for rule_id, q in queries.items()]}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    rules = load_rules(path, languages=["en"])
    filler = " ".join(["The officials said little more."] * 30)
    body = (" ".join(["China sent its navy to the harbour for exports."]
                     + ["China grew."] * 6) + f" {filler} The drills went on.")
    doc = Document(id="1", source="s", title="A tanker and the navy", body=body,
                   language="en")
    analysis = analyze(doc, ["en"])
    found = rules.match(analysis, doc)
    assert [m.rule for m in found] == [r for r in queries if r != "absent"]
    assert found == rules.match_all(analysis, doc)
    by_rule = {m.rule: m for m in found}
    assert by_rule["both-often"].counts == (("china", 7), ("navy", 2))
    assert len(by_rule["both-often"].hits) == 7  # five of china, two of navy
