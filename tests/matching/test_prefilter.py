"""The prefilter never changes the result: indexed matching equals evaluating every rule."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from monitor.matching import load_rules
from monitor.matching.nodes import TermLeaf
from monitor.matching.prefilter import MAX_CHECKS
from monitor.matching.probes import PHRASE_SEP, ProbePlanner, phrase_probe, post_order
from monitor.models import Document
from monitor.text.analysis import analyze

WORDS = {
    "en": ["china", "beijing", "arms", "sales", "defence", "drones", "missile", "trade",
           "talks", "minister", "exports", "navy", "chinese", "chip"],
    "ru": ["Китай", "Пекин", "оборонный", "промышленность", "сотрудничество", "ракета",
           "спутник", "переговоры", "министр", "экспорт", "Баку", "кит"],
}
FORMS = {  # document words: inflected forms of the same vocabulary
    "en": ["China", "China's", "Beijing", "arms", "sales", "defense", "drone", "missiles",
           "trade", "talks", "ministers", "exports", "navies", "Chinese", "chips", "the", "a"],
    "ru": ["Китаем", "Китая", "Пекине", "оборонной", "промышленности", "сотрудничества",
           "ракету", "спутника", "переговоров", "министр", "экспорта", "Баку", "кита", "и"],
}


def random_query(rng: random.Random, lang: str) -> str:
    def term() -> str:
        w = rng.choice(WORDS[lang])
        roll = rng.random()
        if roll < 0.15:
            return f'"{w} {rng.choice(WORDS[lang])}"'
        if roll < 0.25:
            return w[:4] + "*"
        if roll < 0.35:
            return f"title:{w}"
        if roll < 0.45:
            return "@t"
        return w

    a, b, c = term(), term(), term()
    shapes = [f"{a} AND {b}", f"{a} OR {b}", f"{a} AND ({b} OR {c})", f"{a} NOT {b}",
              f"{a} NEAR/2 {b}", f"({a} OR {b}) AND NOT {c}", f"{a} {b} {c}", a]
    return rng.choice(shapes)


def test_indexed_matching_equals_naive_matching(tmp_path: Path) -> None:
    rng = random.Random(11)
    data = {
        "topics": {"t": {"terms": {"en": ["arms sales", "navy"], "ru": ["ракета", "спутник"]}}},
        "rules": [
            {"id": f"r{i}", "query": random_query(rng, rng.choice(["en", "ru"]))}
            for i in range(400)
        ],
    }
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rules = load_rules(path, languages=["en", "ru"])
    matched = 0
    for i in range(150):
        lang = rng.choice(["en", "ru"])
        title = " ".join(rng.choices(FORMS[lang], k=5))
        body = " ".join(rng.choices(FORMS[lang], k=rng.randint(0, 40)))
        doc = Document(id=str(i), source="s", title=title, body=body, language=lang)
        analysis = analyze(doc, ["en", "ru"])
        fast = rules.match(analysis, doc)
        assert fast == rules.match_all(analysis, doc)
        assert len(rules.candidates(analysis)) <= len(rules.rules)
        matched += len(fast)
    assert matched > 100  # the comparison is not vacuous


def test_a_candidate_has_a_probe_of_its_entry_set_and_of_each_set_checked(
    tmp_path: Path,
) -> None:
    # ANDs of one to six words: rules with no other set to check up to more than MAX_CHECKS
    rng = random.Random(3)
    data = {"rules": [
        {"id": f"r{i}", "query": " AND ".join(rng.sample(WORDS["en"], rng.randint(1, 6)))}
        for i in range(300)]}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rules = load_rules(path, languages=["en", "ru"])
    planner = ProbePlanner(rules._execs, "en")
    kept = [sorted(planner.requirements(root) or (), key=planner.cost)[: 1 + MAX_CHECKS]
            for root in rules._execs]
    assert {len(sets) for sets in kept} == set(range(1, 2 + MAX_CHECKS))
    candidates = 0
    for i in range(150):
        body = " ".join(rng.choices(FORMS["en"], k=rng.randint(0, 30)))
        doc = Document(id=str(i), source="s", title="", body=body, language="en")
        analysis = analyze(doc, ["en", "ru"])
        present = rules._context(analysis, doc).present
        expected = [i for i, sets in enumerate(kept)
                    if all(not present.isdisjoint(probes) for probes in sets)]
        assert rules.candidates(analysis) == expected
        candidates += len(expected)
    assert candidates > 500


def test_rules_of_words_prefixes_phrases_and_near_need_no_evaluation_after_the_prefilter(
    tmp_path: Path,
) -> None:
    queries = {
        "plain": "china AND (arms OR navy*)",
        "topic": "@t AND china",
        "phrase": '"arms sales" AND china',
        "negated": "china NOT navy",
        "scoped": "title:china AND arms",
        "near": "china NEAR/3 arms",
        "either": 'navy OR "sales talks"',
        "not-phrase": 'china NOT "sales arms"',
        "long": '"arms sales talks"',
    }
    data = {
        "topics": {"t": {"terms": {"en": ["drones", "navy"], "ru": ["ракета"]}}},
        "rules": [{"id": rule_id, "query": q} for rule_id, q in queries.items()],
    }
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rules = load_rules(path, languages=["en", "ru"])
    order = list(queries)
    decided = {order[i] for i in rules._index_for("en").decided}
    assert decided == {"plain", "topic", "phrase", "negated", "near", "either", "not-phrase"}
    doc = Document(id="1", source="s", title="China", body="navy drones arms sales",
                   language="en")
    analysis = analyze(doc, ["en", "ru"])
    found = [m.rule for m in rules.match(analysis, doc)]
    assert found == ["plain", "topic", "phrase", "scoped", "either", "not-phrase"]
    # the NOT's word is in the document: the rule is not even a candidate
    assert order.index("negated") not in rules.candidates(analysis)
    doc = Document(id="2", source="s", title="China", body="arms", language="en")
    found = [m.rule for m in rules.match(analyze(doc, ["en", "ru"]), doc)]
    assert found == ["plain", "negated", "scoped", "not-phrase"]
    # a phrase's words apart (in another order, or in two fields) are not the phrase: its
    # rules are not candidates, and a rule that forbids it is
    doc = Document(id="3", source="s", title="China sales", body="talks, sales arms",
                   language="en")
    analysis = analyze(doc, ["en", "ru"])
    candidates = [order[i] for i in rules.candidates(analysis)]
    assert "phrase" not in candidates and "either" not in candidates
    assert "not-phrase" not in candidates  # "sales arms" is there
    assert "near" not in candidates  # its words in two fields
    found = [m.rule for m in rules.match(analysis, doc)]
    assert found == ["plain", "negated", "scoped"]
    assert found == [m.rule for m in rules.match_all(analysis, doc)]


def test_a_phrase_is_said_to_occur_where_its_leaf_finds_it(tmp_path: Path) -> None:
    rng = random.Random(5)
    words = WORDS["en"]
    # words, a prefix, the same word twice, names that are common words too (kept only
    # where written with a capital mid-sentence) and an acronym
    phrases = sorted({f'"{rng.choice(words)} {rng.choice(words)}"' for _ in range(60)} | {
        '"arms sal*"', '"sales sales"', '"Steve Jobs"', '"Jobs report"', '"NATO talks"'})
    forms = [*FORMS["en"], "Steve", "Jobs", "jobs", "report", "NATO", "Nato", "nato", "."]
    data = {"rules": [{"id": f"r{i}", "query": f"{q} OR navy"} for i, q in enumerate(phrases)]}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rules = load_rules(path, languages=["en", "ru"])
    index = rules._index_for("en")
    leaves = {probe: leaf for leaf in post_order(rules._execs)
              if isinstance(leaf, TermLeaf) and (probe := phrase_probe(leaf, "en"))}
    assert len(leaves) == len(phrases)
    said = names = 0
    for i in range(200):
        title = " ".join(rng.choices(forms, k=4))
        body = " ".join(rng.choices(forms, k=rng.randint(0, 40)))
        doc = Document(id=str(i), source="s", title=title, body=body, language="en")
        analysis = analyze(doc, ["en", "ru"])
        ctx = rules._context(analysis, doc)
        found = index.said(ctx)
        assert found == {probe: leaf.occurrences(ctx) for probe, leaf in leaves.items()
                         if leaf.matches(ctx)}
        assert rules.match(analysis, doc) == rules.match_all(analysis, doc)
        said += len(found)
        names += any("Jobs" in probe or "jobs" in probe for probe in found)
    assert said > 50 and names > 3


def test_near_of_two_words_is_a_candidate_where_it_matches(tmp_path: Path) -> None:
    """A rule of NEAR of two words is decided by the index: a candidate exactly when the
    node matches (words and prefixes, either order, a word with itself, scoped fields,
    several distances of one pair), and its matches are those of evaluating it."""
    rng = random.Random(9)
    terms = [*WORDS["en"], "arms*", "title:navy", "body:trade"]
    queries = sorted({f"{rng.choice(terms)} NEAR/{rng.randrange(4)} {rng.choice(terms)}"
                      for _ in range(80)} | {"navy NEAR/0 navy", "talks NEAR/1 trade",
                                             "trade NEAR/1 talks", "trade NEAR/3 talks"})
    data = {"rules": [{"id": f"r{i}", "query": q} for i, q in enumerate(queries)]}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rules = load_rules(path, languages=["en", "ru"])
    index = rules._index_for("en")
    assert set(index.nears) == set(range(len(queries))) <= index.decided
    matched = 0
    for i in range(200):
        title = " ".join(rng.choices(FORMS["en"], k=4))
        body = " ".join(rng.choices(FORMS["en"], k=rng.randint(0, 40)))
        doc = Document(id=str(i), source="s", title=title, body=body, language="en")
        analysis = analyze(doc, ["en", "ru"])
        candidates = set(rules.candidates(analysis))
        ctx = rules._context(analysis, doc)  # the nodes decide without what the index kept
        assert candidates == {k for k, node in enumerate(rules._execs) if node.matches(ctx)}
        assert rules.match(analysis, doc) == rules.match_all(analysis, doc)
        matched += len(candidates)
    assert matched > 100


def test_a_phrase_the_prefilter_found_absent_or_present_has_the_hits_it_has_unfiltered(
    tmp_path: Path,
) -> None:
    """What `said` found is kept on the context, and a two-word phrase it looked for is
    located from it (or absent at once): every phrase's hits (words, a prefix, a word twice, names
    that are common words too, an acronym, scoped to a field, with slop, of three words)
    are those found without it, and so are the matches."""
    rng = random.Random(13)
    words = WORDS["en"]
    phrases = sorted({f'"{rng.choice(words)} {rng.choice(words)}"' for _ in range(40)} | {
        '"arms sal*"', '"sales sales"', '"Steve Jobs"', '"Jobs report"', '"NATO talks"',
        'title:"arms sales"', 'body:"sales talks"', '"arms sales"~1', '"arms sales talks"'})
    forms = [*FORMS["en"], "Steve", "Jobs", "jobs", "report", "NATO", "Nato", "nato", "."]
    # OR navy: the phrase is a probe of the index; AND title:china: evaluated after it
    data = {"rules": [{"id": f"r{i}-{j}", "query": query}
                      for i, q in enumerate(phrases)
                      for j, query in enumerate((f"{q} OR navy", f"{q} AND title:china"))]}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rules = load_rules(path, languages=["en", "ru"])
    index = rules._index_for("en")
    leaves = [leaf for leaf in post_order(rules._execs) if isinstance(leaf, TermLeaf)]
    absent = present = 0
    for i in range(200):
        title = " ".join(["China", *rng.choices(forms, k=4)])
        body = " ".join(rng.choices(forms, k=rng.randint(0, 40)))
        doc = Document(id=str(i), source="s", title=title, body=body, language="en")
        analysis = analyze(doc, ["en", "ru"])
        told = rules._context(analysis, doc)
        index.candidates(told)  # keeps what `said` found on the context
        for leaf in leaves:
            naive = rules._context(analysis, doc)
            assert leaf.first(told, 2) == leaf.first(naive, 2)
            assert leaf.occurrences(told) == leaf.occurrences(naive)
            assert leaf.hits(told) == leaf.hits(naive)
            assert leaf.matches(told) == leaf.matches(naive)
            if (probe := phrase_probe(leaf, "en")) is not None and (
                    probe.split(PHRASE_SEP)[1] in index.phrases.get(
                        probe.split(PHRASE_SEP)[0], {})) and leaf.absent(naive) is False:
                if probe in told.said:
                    present += 1
                else:
                    absent += 1
        assert rules.match(analysis, doc) == rules.match_all(analysis, doc)
    assert absent > 100 and present > 50
