"""The relevance score: its parts, min_score on its scale, and the order of digests."""

from __future__ import annotations

import hashlib
import math
import random
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.delivery.message import digest_context
from monitor.delivery.webhook import digest_payload
from monitor.errors import RuleError
from monitor.matching import RuleSet, load_rules
from monitor.matching.relevance import round3
from monitor.matching.why import explain
from monitor.models import Alert, Document, Match
from monitor.text.analysis import analyze

RULES = """
    topics:
      sanctions: {terms: [sanctions, embargo]}
    entities:
      russia: {terms: [Russia, Moscow]}
    rules:
      - {id: plain, query: '@sanctions AND @russia'}
      - {id: strict, query: '@sanctions AND @russia', min_score: 0.45}
      - {id: single, query: 'sanctions'}
"""
FILLER = "Officials met to discuss the weather, schools and roads in the region. " * 12


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    path = tmp_path_factory.mktemp("relevance") / "rules.yaml"
    path.write_text(textwrap.dedent(RULES), encoding="utf-8")
    return load_rules(path, languages=["en"])


def match(rules: RuleSet, rule: str, title: str, body: str) -> Match | None:
    doc = Document(id="d", source="s", title=title, body=body, language="en")
    return rules.match_rule(rule, analyze(doc, ["en"]), doc, any_score=True)


def parts(m: Match | None) -> dict[str, float]:
    assert m is not None
    return dict(m.score_parts)


def test_the_subject_in_the_title_and_lead_scores_high(rules: RuleSet) -> None:
    body = ("The EU extended sanctions on Russia on Monday. Moscow said the sanctions would "
            "fail, and Russia answered with an embargo of its own.\n\n" + FILLER)
    m = match(rules, "plain", "New sanctions on Russia", body)
    assert m is not None
    # 4 mentions of each part: 1 - e^-1.5
    assert parts(m) == {"prominence": 1.0, "mentions": pytest.approx(0.777, abs=0.001),
                        "closeness": 1.0, "concentration": 1.0}
    assert m.score == pytest.approx(0.3 + 0.3 * parts(m)["mentions"] + 0.3 + 0.1, abs=0.001)


def test_a_passing_mention_deep_in_the_text_scores_low(rules: RuleSet) -> None:
    body = (FILLER + "\n\nRussia was not on the agenda.\n\n" + FILLER
            + "\n\nOther news: football sanctions were eased.")
    m = match(rules, "plain", "Regional news", body)
    assert m is not None
    p = parts(m)
    assert p["prominence"] < 0.3 and p["mentions"] == 0.0 and p["concentration"] == 0.0
    assert p["closeness"] < 0.5 and m.score < 0.3


def test_min_score_drops_matches_under_it(rules: RuleSet) -> None:
    body = FILLER + "\n\nSanctions and Russia, in passing."
    doc = Document(id="d", source="s", title="Regional news", body=body, language="en")
    found = [m.rule for m in rules.match(analyze(doc, ["en"]), doc)]
    assert found == ["plain", "single"]  # "strict" scores under its min_score


def test_one_part_rules_are_close_and_concentrated(rules: RuleSet) -> None:
    p = parts(match(rules, "single", "Sanctions", "More sanctions. Sanctions again."))
    assert p["closeness"] == 1.0 and p["concentration"] == 1.0 and p["prominence"] == 1.0


def test_min_score_is_on_the_zero_to_one_scale(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - {id: r, query: x, min_score: 3}\n", encoding="utf-8")
    with pytest.raises(RuleError, match="min_score: must be at most 1, not 3"):
        load_rules(path, languages=["en"])


def test_explain_shows_each_node_and_the_missing_side(rules: RuleSet) -> None:
    doc = Document(id="d", source="s", title="Moscow news", body="Nothing else.", language="en")
    step, found = explain(rules, "plain", analyze(doc, ["en"]), doc)
    assert found is None
    assert step.lines() == ["no  AND", "    no  @sanctions", "    yes @russia  'Moscow' (title)"]


def alert(rule: str, score: float, minutes: int) -> Alert:
    doc = Document(id=f"{rule}{score}", source="s", title=f"{rule} {score}")
    return Alert(id=f"{rule}{score}", rule=rule, rule_title=rule, document=doc, score=score,
                 score_parts=(("prominence", score),),
                 created=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes))


def test_digests_list_the_most_relevant_first() -> None:
    alerts = [alert("a", 0.3, 3), alert("a", 0.9, 1), alert("a", 0.6, 2)]
    ctx = digest_context(alerts, "Daily")
    assert [a["score"] for a in ctx["groups"][0]["alerts"]] == ["0.90", "0.60", "0.30"]
    payload = digest_payload(alerts, "Daily")
    assert [a["score"] for a in payload["alerts"]] == [0.9, 0.6, 0.3]


def test_the_judged_set_of_the_relevance_benchmark_is_complete() -> None:
    data = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
    rows = [line.split("\t") for line in (data / "relevance_judged.tsv").read_text(
        encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert all(len(r) == 4 and r[2] in ("0", "1") and r[3] for r in rows)
    rules = load_rules(data / "relevance_rules.yaml", languages=["en", "ru"])
    assert {r[0] for r in rows} == set(rules.rules) and len(rules.rules) >= 5
    assert len({r[1] for r in rows}) >= 300
    assert {r[1].split("/")[0] for r in rows} >= {"bbc", "reuters", "nerel", "factru"}  # en, ru


def test_the_held_out_sets_are_judged_apart_from_the_tuning_set() -> None:
    data = Path(__file__).resolve().parents[2] / "benchmarks" / "data"

    def pairs(name: str) -> set[tuple[str, str]]:
        rows = [line.split("\t") for line in (data / name).read_text(
            encoding="utf-8").splitlines() if line and not line.startswith("#")]
        assert all(len(r) == 4 and r[2] in ("0", "1") and r[3] for r in rows)
        return {(r[0], r[1]) for r in rows}

    tuning, held = pairs("relevance_judged.tsv"), pairs("relevance_heldout.tsv")
    second, third = pairs("relevance_heldout2.tsv"), pairs("relevance_heldout3.tsv")
    fourth, fifth = pairs("relevance_heldout4.tsv"), pairs("relevance_heldout5.tsv")
    sixth, seventh = pairs("relevance_heldout6.tsv"), pairs("relevance_heldout7.tsv")
    eighth = pairs("relevance_heldout8.tsv")
    assert not tuning & held and len(held) >= 140
    for before, later, size in ((tuning | held, second, 140), (tuning | held | second, third, 140),
                                (tuning | held | second | third, fourth, 140),
                                (tuning | held | second | third | fourth, fifth, 100),
                                (tuning | held | second | third | fourth | fifth, sixth, 100)):
        assert not before & later and len({doc for _, doc in later}) >= size
        assert not {rule for rule, _ in before} & {rule for rule, _ in later}  # every rule new
        assert {doc.split("/")[0] for _, doc in later} >= {"bbc", "reuters", "nerel", "factru"}
    rules = load_rules([data / name for name in (
        "relevance_rules.yaml", "relevance_heldout_rules.yaml", "relevance_heldout2_rules.yaml",
        "relevance_heldout3_rules.yaml", "relevance_heldout4_rules.yaml",
        "relevance_heldout5_rules.yaml", "relevance_heldout6_rules.yaml",
        "relevance_heldout7_rules.yaml", "relevance_heldout8_rules.yaml",
        "relevance_heldout8_drafts.yaml")], languages=["en", "ru"])
    later = held | second | third | fourth | fifth | sixth | seventh | eighth
    assert {rule for rule, _ in later} <= set(rules.rules)
    earlier = tuning | held | second | third | fourth  # the fifth and sixth sets' documents
    assert not {doc for _, doc in earlier} & {doc for _, doc in fifth}  # are all new
    assert not {doc for _, doc in earlier | fifth} & {doc for _, doc in sixth}
    assert not {doc for _, doc in earlier | fifth | sixth} & {doc for _, doc in seventh}
    assert not {rule for rule, _ in earlier | fifth | sixth} & {rule for rule, _ in seventh}
    before = earlier | fifth | sixth | seventh  # the eighth: new rules, new documents, and
    assert not {doc for _, doc in before} & {doc for _, doc in eighth}  # all of half B
    assert not {rule for rule, _ in before} & {rule for rule, _ in eighth}
    assert all(int(hashlib.sha256(doc.encode()).hexdigest(), 16) % 2 for _, doc in eighth)
    assert {f"{rule}-draft" for rule, _ in eighth} <= set(rules.rules)
    assert len({doc for _, doc in eighth}) >= 100 and len({rule for rule, _ in eighth}) >= 5
    assert len({rule for rule, _ in held} - {rule for rule, _ in tuning}) >= 5  # unseen rules


@pytest.mark.parametrize(("title", "body"), [
    ("Sanctions again", "Sanctions first.\n\nThen more sanctions, " + FILLER + " sanctions."),
    ("Nothing here", FILLER + "\n\nsanctions late, sanctions twice"),
    ("Sanctions only in the title", FILLER),
    ("", "sanctions"),
])
def test_a_words_stats_from_its_positions_equal_those_from_its_hits(
        title: str, body: str) -> None:
    # the score of a one-word part is worked out from the word's positions; it must give
    # what the places of its hits give (the title as word 0, body words, paragraphs)
    from monitor.matching import nodes as n
    from monitor.matching.lexicon import Lexicon
    from monitor.matching.relevance import part_stats, places
    from monitor.matching.scoring import _words_of, _words_stats, places_of, word_stats

    doc = Document(id="d", source="s", title=title, body=body, language="en")
    analysis = analyze(doc, ["en"])
    for fields in (("title", "body"), ("body",), ("title",)):
        leaf = n.TermLeaf("sanctions", fields, ("sanctions",), frozenset({"en"}))
        plan = leaf.plan("en")
        assert plan is not None
        ctx = n.Context(analysis, doc, Lexicon("en", set(plan[0]), set(), set()).read(analysis))
        word = leaf.word(ctx)
        assert word is not None
        where = places(analysis, leaf.hits(ctx))
        assert word_stats(leaf, word, ctx) == (part_stats(analysis, where) if where else None)
        ctx.hits.clear()  # from positions too, not from the hits just made
        assert places_of(leaf, ctx) == where
        # several words (a topic): as the places of each, joined
        other = n.TermLeaf("officials", ("title", "body"), ("officials",), frozenset({"en"}))
        other_plan = other.plan("en")
        assert other_plan is not None
        ctx = n.Context(analysis, doc, Lexicon(
            "en", {*plan[0], *other_plan[0]}, set(), set()).read(analysis))
        words = _words_of([leaf, other], ctx)
        assert words is not None
        where = places_of(leaf, ctx) | places_of(other, ctx)
        assert _words_stats(words, ctx) == (part_stats(analysis, where) if where else None)


@pytest.mark.parametrize(("title", "body"), [
    ("New sanctions again", "New sanctions first.\n\nThen more new sanctions, " + FILLER
     + " new sanctions."),
    ("Nothing here", FILLER + "\n\nnew sanctions late, new new sanctions twice"),
    ("New sanctions only in the title", FILLER),
    ("", "new sanctions"),
    ("New sanctions", "none in the body"),
])
def test_a_phrases_stats_from_its_occurrences_equal_those_from_its_hits(
        title: str, body: str) -> None:
    # a phrase's part stats, and its places, are read off where its occurrences start, not
    # its hits' places
    from monitor.matching import nodes as n
    from monitor.matching.lexicon import Lexicon
    from monitor.matching.relevance import part_stats, places
    from monitor.matching.scoring import places_of, stats_of

    doc = Document(id="d", source="s", title=title, body=body, language="en")
    analysis = analyze(doc, ["en"])
    for words in (("new", "sanctions"), ("then", "more", "new")):
        for fields in (("title", "body"), ("body",), ("title",)):
            leaf = n.TermLeaf(" ".join(words), fields, words, frozenset({"en"}))
            plan = leaf.plan("en")
            assert plan is not None
            ctx = n.Context(analysis, doc,
                            Lexicon("en", set(plan[0]), set(), set()).read(analysis))
            where = places(analysis, leaf.hits(ctx))
            assert stats_of(leaf, ctx, None) == (part_stats(analysis, where) if where else None)
            ctx.hits.clear()  # from the occurrences, not from the hits just made
            assert places_of(leaf, ctx) == where


def test_the_distance_of_two_parts_is_the_fewest_words_between_them() -> None:
    import random

    from monitor.matching.relevance import _apart, _distance

    rng = random.Random(3)
    for _ in range(500):
        a = sorted(rng.sample(range(200), rng.randrange(1, 12)))
        b = sorted(rng.sample(range(200), rng.randrange(1, 40)))
        fewest = min(abs(x - y) for x in a for y in b)
        assert _apart(a, b) == _apart(b, a) == _distance([a, b]) == fewest


def test_scores_are_rounded_as_round_rounds_them() -> None:
    """The score's figures are rounded to 3 decimals without round() where that is safe:
    the same floats, ties and near-ties included."""
    rng = random.Random(7)
    values = [rng.random() for _ in range(200_000)]
    values += [k / 1000 + d for k in range(1001)
               for d in (0.0, 5e-4, -5e-4, 1e-12, -1e-12, 4.9999e-4, 5.0001e-4)]
    values += [1 / (1 + g / 40) for g in range(3000)]  # closeness
    values += [1 - math.exp(-(m - 1) / 2) for m in range(1, 1000)]  # mentions
    values += [0.0, 1.0, 0.0005, 0.0015, 0.0025, 2.675, 1e7]
    assert [round3(v) for v in values] == [round(v, 3) for v in values]


def test_two_parts_are_scored_as_the_formula_scores_them() -> None:
    """`two_parts`, `_figures` and `one_figures` (figures of few whole numbers worked out
    and rounded once per value, exact ones not rounded) give the very floats of the
    formula with round()."""
    from monitor.matching.relevance import (
        _apart,
        _figures,
        one_figures,
        score_and_parts,
        two_parts,
    )

    def formula(words: int, parts: list[tuple[list[int], frozenset[int], float, int]]
                ) -> tuple[float, tuple[tuple[str, float], ...]]:
        prominence, count = min(p[2] for p in parts), min(p[3] for p in parts)
        least = count * min(1.0, 400 / max(words, 1))
        mentions = 1.0 - math.exp(-(least - 1.0) / 2.0) if least > 1.0 else 0.0
        closeness = concentration = 1.0
        if len(parts) == 2:
            closeness = 1.0 / (1.0 + _apart(parts[0][0], parts[1][0]) / 40)
            both = parts[0][1] & parts[1][1]
            concentration = len(both) / len(parts[0][1] | parts[1][1])
        score = 0.3 * prominence + 0.3 * mentions + 0.3 * closeness + 0.1 * concentration
        return round(score, 3), (("prominence", round(prominence, 3)),
                                 ("mentions", round(mentions, 3)),
                                 ("closeness", round(closeness, 3)),
                                 ("concentration", round(concentration, 3)))

    rng = random.Random(11)
    for body_words in (5, 80, 400, 1500):
        body = " ".join(["word"] * body_words)
        for title in ("", "A title of five words"):
            doc = Document(id="d", source="s", title=title, body=body, language="en")
            analysis = analyze(doc, ["en"])
            words = (len(analysis.title.parts) >> 1) + body_words

            def stats(body_words: int = body_words
                      ) -> tuple[list[int], frozenset[int], float, int]:
                positions = sorted(rng.sample(range(body_words), rng.randrange(1, 6)))
                passages = frozenset(rng.sample(range(-1, 5), rng.randrange(1, 4)))
                first = rng.choice([positions[0], 0])
                prominence = rng.choice([1.0, 0.8, 0.6 * (1.0 - first / body_words)])
                return positions, passages, prominence, rng.randrange(1, 30)

            for _ in range(300):
                a, b = stats(), stats()
                for parts in ([a, b], [a, a], [b, a]):
                    expected = formula(words, parts)
                    assert two_parts(analysis, *parts) == expected
                    assert score_and_parts(analysis, parts) == expected
                assert score_and_parts(analysis, [a]) == formula(words, [a])
                score, named = formula(words, [a])
                assert one_figures(words, a[2], a[3]) == (score, *(v for _, v in named))
                assert _figures(analysis, [a])[3:] == (1.0, 1.0, None)


@pytest.mark.parametrize(("title", "body"), [
    ("More sanctions", "Sanctions first.\n\nThen more sanctions, " + FILLER + " more sanctions."),
    ("Nothing here", FILLER + "\n\nmore sanctions late, more sanctions twice"),
    ("Nothing here", "More sanctions early.\n\n" + FILLER + " more sanctions."),
])
@pytest.mark.parametrize("words", [("more", "sanctions"), ("sanctions",)])
def test_a_term_alone_has_the_prominence_and_count_of_its_stats(
        title: str, body: str, words: tuple[str, ...]) -> None:
    # the score of a match explained by a term alone is keyed by the first and count of
    # its places: those of its stats as a part (in the title, in the lead, later)
    from monitor.matching import nodes as n
    from monitor.matching.explainers import Explainers
    from monitor.matching.lexicon import Lexicon
    from monitor.matching.scoring import alone_key, stats_of
    from monitor.matching.shown import leaf_first

    doc = Document(id="d", source="s", title=title, body=body, language="en")
    analysis = analyze(doc, ["en"])
    leaf = n.TermLeaf(" ".join(words), ("title", "body"), words, frozenset({"en"}))
    plan = leaf.plan("en")
    assert plan is not None and len(plan[0]) == len(words)

    def context() -> n.Context:
        return n.Context(analysis, doc, Lexicon("en", set(plan[0]), set(), set()).read(analysis))

    explainers = Explainers([leaf], "en")
    ctx = context()
    assert leaf.matches(ctx)
    key = alone_key(leaf, ctx, explainers, leaf_first(leaf, ctx))
    stats = stats_of(leaf, context(), explainers)
    assert stats is not None
    assert key == (stats[2], stats[3])


def test_a_term_alone_scores_as_its_rule_evaluated_alone(tmp_path: Path) -> None:
    # `rows` keys the score of a match one term explains alone by what it read off the
    # term's first hits (in the title, the lead, later in the body, several times): the
    # same scores as every rule evaluated on its own
    words = ["sanctions", "tariffs", "embargo", "officials", "weather", "roads"]
    queries = [*words, "more sanctions", "new tariffs", "sanctions OR tariffs OR absent",
               "embargo AND NOT absent", "roads OR absent"]
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n" + "".join(f"  - id: r{i}\n    query: '{q}'\n"
                                         for i, q in enumerate(queries)), encoding="utf-8")
    rules = load_rules(path, languages=["en"])
    for title, body in [
            ("More sanctions", "Sanctions first.\n\n" + FILLER + " New tariffs. " + FILLER),
            ("Nothing here", FILLER + "\n\nMore sanctions, an embargo, sanctions. " + FILLER),
            ("Tariffs", "New tariffs early. " + FILLER + " More sanctions. " + FILLER * 2)]:
        doc = Document(id="d", source="s", title=title, body=body, language="en")
        analysis = analyze(doc, ["en"])
        found = [(m.rule, m.score, m.score_parts) for m in rules.match(analysis, doc)]
        alone = [(m.rule, m.score, m.score_parts) for m in rules.match_all(analysis, doc)]
        assert found == alone
        assert len(found) >= 6
