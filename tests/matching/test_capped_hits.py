"""A match shows the first few hits of each term and how many each has: what alerts and
`monitor test` show stays bounded however often the words occur, and every term that
fired is shown."""

from __future__ import annotations

import json
import re
from pathlib import Path

from monitor.delivery.render import alert_context
from monitor.matching import load_rules
from monitor.matching.shown import MAX_HITS, PER_TERM
from monitor.models import Document
from monitor.pipeline import make_alerts
from monitor.text.analysis import analyze
from monitor.text.normalize import normalize_text
from tests.conftest import shared_path
from tests.helpers import run_cli

LANGUAGES = ["en", "ru"]
RUSSIA_FIRST = Document(
    id="d1", source="test", title="Новости дня",
    body="Россия заявила о переговорах. " * 40 + "Китай ответил на предложение.",
)


def rules_file(tmp_path: Path, query: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(f"rules:\n  - id: r\n    query: '{query}'\n", encoding="utf-8")
    return path


def test_every_term_is_shown_even_when_another_occurs_far_more_often(tmp_path: Path) -> None:
    rules = load_rules(rules_file(tmp_path, "Россия AND Китай"), languages=LANGUAGES)
    (match,) = rules.match(analyze(RUSSIA_FIRST, LANGUAGES), RUSSIA_FIRST)
    terms = [h.term for h in match.hits]
    assert terms.count("Россия") == PER_TERM
    assert terms.count("Китай") == 1  # after 40 mentions of Россия, still explained
    assert [h.start for h in match.hits if h.term == "Россия"] == [
        30 * k for k in range(PER_TERM)]  # the first occurrences, in order
    assert dict(match.counts) == {"Россия": 40, "Китай": 1}


def test_alerts_carry_the_counts_and_show_them(tmp_path: Path) -> None:
    rules = load_rules(rules_file(tmp_path, "Россия AND Китай"), languages=LANGUAGES)
    (alert,) = make_alerts(rules, RUSSIA_FIRST, LANGUAGES)
    assert len(alert.hits) == PER_TERM + 1
    assert dict(alert.counts) == {"Россия": 40, "Китай": 1}
    matched = {m["term"]: m["count"] for m in alert_context(alert)["matched"]}
    assert matched == {"Россия": 40, "Китай": 1}


def test_monitor_test_caps_hits_of_very_common_words_and_counts_them(tmp_path: Path) -> None:
    rules = rules_file(tmp_path, "the OR and OR в OR и")
    doc = tmp_path / "doc.txt"
    doc.write_text("The headline\n" + "the cat and the dog " * 300, encoding="utf-8")
    done = run_cli("test", None, "--rules", str(rules), "--json", str(doc), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (match,) = json.loads(done.stdout)["matches"]
    assert match["counts"] == {"the": 601, "and": 300}
    shown = [h["term"] for h in match["hits"]]
    assert shown.count("the") == PER_TERM and shown.count("and") == PER_TERM
    assert len(shown) <= MAX_HITS
    assert match["hits"][0] == {"term": "the", "field": "title", "text": "The", "start": 0,
                                "end": 3}

    done = run_cli("test", None, "--rules", str(rules), str(doc), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"... and {601 + 300 - 2 * PER_TERM} more hits: the 601, and 300" in done.stdout


def test_a_prefix_counts_each_word_once(tmp_path: Path) -> None:
    """A word can carry a prefix's feature twice (found in a news article): each place is
    one hit, shown once and counted once."""
    text = shared_path("corpora", "news", "bbc",
                       "business-amex-shares-up-on-spin-off-news.txt").read_text(encoding="utf-8")
    title, _, body = text.partition("\n")
    doc = Document(id="amex", source="test", title=title, body=body)
    rules = load_rules(rules_file(tmp_path, "unit*"), languages=LANGUAGES)
    (match,) = rules.match(analyze(doc, LANGUAGES), doc)
    places = [(h.field, h.start, h.end) for h in match.hits]
    assert len(places) == len(set(places))
    words = re.findall(r"\w+", normalize_text(title) + "\n" + normalize_text(body))
    assert dict(match.counts) == {"unit*": sum(w.lower().startswith("unit") for w in words)}


def test_a_terms_first_hits_are_those_of_all_its_hits() -> None:
    # TermLeaf.first reads a word's first hits off its positions and a phrase's off its
    # occurrences: the same as the first of all its hits, in the title, the body or both,
    # once or more often than PER_TERM
    from monitor.matching import nodes as n
    from monitor.matching.leaves import first_of
    from monitor.matching.lexicon import Lexicon

    doc = Document(id="d", source="s", title="Sanctions, more sanctions and more sanctions",
                   body="More sanctions first. " + "Then more sanctions again. " * 8
                   + "Once: new tariffs.", language="en")
    analysis = analyze(doc, ["en"])
    for term in ("sanctions", "tariffs", "absent", "more sanctions", "new tariffs",
                 "then more sanctions", "absent words"):
        for fields in (("title", "body"), ("title",), ("body",)):
            words = tuple(term.split())
            leaf = n.TermLeaf(term, fields, words, frozenset({"en"}))
            plan = leaf.plan("en")
            assert plan is not None and len(plan[0]) == len(words)
            lexicon = Lexicon("en", set(plan[0]), set(), set())
            shown = leaf.first(n.Context(analysis, doc, lexicon.read(analysis)), PER_TERM)
            every = leaf.hits(n.Context(analysis, doc, lexicon.read(analysis)))
            assert shown == first_of(every, PER_TERM), (term, fields)
