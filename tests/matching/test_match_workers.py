"""Matching in worker processes gives what matching in one process gives: the conformance
file and the indexed-vs-naive agreement with workers on and off, documents in order, a
killed worker, a new rule set and a new language reaching the workers."""

from __future__ import annotations

import dataclasses
import gc
import os
import random
import signal
import time
from array import array
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
import yaml

from monitor.match_workers import (
    PICKLED,
    WINDOW,
    MatchWorkers,
    Packed,
    _observed,
    _timed,
)
from monitor.matching import RuleSet, load_rules, rows
from monitor.models import Alert, Document, Hit, Match, made_hits, made_matches
from monitor.text.analysis import analyze
from tests.helpers import wait_for
from tests.matching.test_conformance import CASES, DATA
from tests.matching.test_conformance import LANGUAGES as CASE_LANGUAGES
from tests.matching.test_prefilter import FORMS, random_query

WORKERS = [1, 2]  # 1: in this process, as before


class _Term(str):
    """A str that marshal does not write (pickle does)."""


def rule_file(path: Path, rules: Sequence[Mapping[str, object]], **extra: object) -> Path:
    path.write_text(yaml.safe_dump({**extra, "rules": rules}, allow_unicode=True),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def conformance(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    path = tmp_path_factory.mktemp("conformance") / "rules.yaml"
    rules = [{"id": f"case-{i}", "query": c["query"]} for i, c in enumerate(CASES)]
    return load_rules(rule_file(path, rules, **DATA["vocabulary"]), languages=CASE_LANGUAGES)


def case_document(i: int, case: dict[str, str]) -> Document:
    if "text" in case:
        title, _, body = case["text"].partition("\n")
    else:
        title, body = case["title"], case.get("body", "")
    return Document(id=f"case-{i}", source=case.get("source", "news"), title=title,
                    body=body, url=case.get("url"), language=case["lang"])


@pytest.mark.parametrize("workers", WORKERS)
def test_the_conformance_file_holds_with_and_without_workers(
    conformance: RuleSet, workers: int
) -> None:
    docs = [case_document(i, c) for i, c in enumerate(CASES)]
    pool = MatchWorkers(workers, CASE_LANGUAGES)
    try:
        results = pool.matches(conformance, docs)
    finally:
        pool.close()
    for i, (case, result) in enumerate(zip(CASES, results, strict=True)):
        assert not isinstance(result, Exception), result
        language, matches = result
        assert language == case["lang"]
        found = [m for m in matches if m.rule == f"case-{i}"]
        if case["expect"] == "no_match":
            assert not found, f"{case['query']!r} should not match"
            continue
        assert found, f"{case['query']!r} should match {case.get('text', case.get('title'))!r}"
        texts = [h.text for h in found[0].hits]
        assert all(expected in texts for expected in case.get("hits", [])), texts


@pytest.mark.parametrize("workers", WORKERS)
def test_indexed_matching_in_workers_equals_naive_matching(tmp_path: Path, workers: int) -> None:
    rng = random.Random(11)
    topics = {"t": {"terms": {"en": ["arms sales", "navy"], "ru": ["ракета", "спутник"]}}}
    # some rules a worker gates by language or checks first (min_score, sources)
    options: list[dict[str, object]] = [{}, {"languages": ["en"]}, {"min_score": 0.6},
                                        {"sources": ["s"]}, {"sources": ["other"]}, {}]
    queries = [{"id": f"r{i}", "query": random_query(rng, rng.choice(["en", "ru"])),
                **options[i % 6]} for i in range(400)]
    rules = load_rules(rule_file(tmp_path / "rules.yaml", queries, topics=topics),
                       languages=["en", "ru"])
    docs = []
    for i in range(150):
        lang = rng.choice(["en", "ru"])
        title = " ".join(rng.choices(FORMS[lang], k=5))
        body = " ".join(rng.choices(FORMS[lang], k=rng.randint(0, 40)))
        docs.append(Document(id=str(i), source="s", title=title, body=body))
    naive = []
    for doc in docs:
        analysis = analyze(doc, ["en", "ru"])
        naive.append((analysis.language, rules.match_all(analysis, doc)))
    pool = MatchWorkers(workers, ["en", "ru"])
    try:
        assert pool.matches(rules, docs) == naive
        assert sum(len(m) for _, m in naive) > 100  # the comparison is not vacuous
    finally:
        pool.close()


def test_each_rule_has_its_kind_in_a_language(tmp_path: Path) -> None:
    queries: list[dict[str, object]] = [
        {"id": "word", "query": "navy"},  # decided by the prefilter, one part
        {"id": "phrase", "query": '"arms sales talks"'},  # its query asked (two words: decided)
        {"id": "and", "query": "navy AND talks"},  # two parts
        {"id": "near", "query": 'navy NEAR/3 "arms sales"'},  # asked (of two words: decided)
        {"id": "scored", "query": "drones", "min_score": 0.5},
        {"id": "ru", "query": "missile", "languages": ["ru"]},
        {"id": "twin-a", "query": "trade OR exports"},
        {"id": "twin-b", "query": "trade OR exports"}]
    rules = load_rules(rule_file(tmp_path / "rules.yaml", queries), languages=["en", "ru"])
    rules.prepare(["en"])
    assert list(rules._kinds["en"]) == [rows.ONE, rows.ONE + rows.ASKED, rows.PARTS,
                                        rows.PARTS + rows.ASKED, rows.CHECKED,
                                        rows.ELSEWHERE, rows.TWIN, rows.TWIN]


def numbered(tmp_path: Path, name: str, count: int) -> RuleSet:
    """Rule n matches the documents whose headline says word n (and nothing else)."""
    rules = [{"id": f"{name}-{n}", "query": f"word{n}x"} for n in range(count)]
    return load_rules(rule_file(tmp_path / f"{name}.yaml", rules), languages=["en", "ru"])


def headlines(count: int, *, lang: str | None = "en") -> list[Document]:
    return [Document(id=str(n), source="s", title=f"Report word{n % 10}x today",
                     body="The rest of the story.", language=lang) for n in range(count)]


def rules_of(pool: MatchWorkers, rules: RuleSet, docs: list[Document]) -> list[list[str]]:
    out = []
    for result in pool.alerts(rules, docs):
        assert not isinstance(result, Exception), result
        out.append([a.rule for a in result])
    return out


def dumped(results: list[list[Alert] | Exception]) -> list[list[dict[str, object]]]:
    """The alerts as values (all but when each was made)."""
    assert not any(isinstance(r, Exception) for r in results)
    return [[a.model_dump(exclude={"created"}) for a in r] for r in results]  # type: ignore[union-attr]


def test_alerts_come_back_in_document_order_as_in_one_process(tmp_path: Path) -> None:
    rules, docs = numbered(tmp_path, "n", 10), headlines(97)
    alone, pool = MatchWorkers(1, ["en", "ru"]), MatchWorkers(2, ["en", "ru"])
    try:
        assert rules_of(pool, rules, docs) == [[f"n-{n % 10}"] for n in range(97)]
        assert dumped(pool.alerts(rules, docs)) == dumped(alone.alerts(rules, docs))
        assert len(pool.pids()) == 2
    finally:
        pool.close()


def test_a_stream_keeps_the_collector_off_while_a_window_is_out_and_restores_it(
    tmp_path: Path
) -> None:
    """A window's results (thousands of objects a document with many rules) are in the
    caller's hands with the cyclic collector off, so it never walks them; it is back on
    once the stream ends, and the documents come in order."""
    rules, docs = numbered(tmp_path, "n", 10), headlines(WINDOW + 3)
    pool = MatchWorkers(2, ["en", "ru"])
    assert gc.isenabled()
    try:
        seen = [(tag, [m.rule for m in found[1]], gc.isenabled())  # type: ignore[index]
                for tag, _, found in pool.stream(pool.matches, rules, enumerate(docs))]
    finally:
        pool.close()
    assert [tag for tag, _, _ in seen] == list(range(WINDOW + 3))
    assert [rules for _, rules, _ in seen] == [[f"n-{n % 10}"] for n in range(WINDOW + 3)]
    assert not any(enabled for _, _, enabled in seen)
    assert gc.isenabled()


def test_a_killed_worker_is_restarted_and_no_document_is_lost(tmp_path: Path) -> None:
    rules, docs = numbered(tmp_path, "n", 10), headlines(200)
    pool = MatchWorkers(2, ["en", "ru"])
    try:
        assert rules_of(pool, rules, docs[:4]) == [["n-0"], ["n-1"], ["n-2"], ["n-3"]]
        killed = pool.pids()[0]
        os.kill(killed, signal.SIGKILL)
        expected = [[f"n-{n % 10}"] for n in range(200)]
        # whether the death is noticed at once or a batch later, no document is lost
        assert wait_for(lambda: rules_of(pool, rules, docs) == expected and pool.restarts, 60)
        assert pool.restarts == 1 and killed not in pool.pids()
    finally:
        pool.close()


def test_a_worker_killed_mid_stream_loses_no_document_and_keeps_the_order(
    tmp_path: Path
) -> None:
    """The next window is with the workers while the caller reads this one: a worker
    killed then is replaced, and the documents it held are matched again, in order."""
    rules, docs = numbered(tmp_path, "n", 10), headlines(3 * WINDOW + 5)
    pool = MatchWorkers(2, ["en", "ru"])
    seen: list[tuple[int, list[str]]] = []
    try:
        for tag, _, alerts in pool.stream(pool.alerts, rules, enumerate(docs)):
            assert not isinstance(alerts, Exception), alerts
            seen.append((tag, [a.rule for a in alerts]))
            if tag == 3:  # the second window is being matched (or done): kill a worker
                killed = pool.pids()[0]
                os.kill(killed, signal.SIGKILL)
                time.sleep(0.5)  # noticed before the next window is handed over
        assert pool.restarts == 1 and killed not in pool.pids()
    finally:
        pool.close()
    assert seen == [(n, [f"n-{n % 10}"]) for n in range(3 * WINDOW + 5)]


def test_a_stream_is_read_at_most_two_windows_ahead_of_the_caller(tmp_path: Path) -> None:
    """The next window is with the workers while the caller reads this one, and no more:
    a stream of any length (a backfill of 100,000 documents) is never read further ahead,
    so what is held stays bounded."""
    rules, docs = numbered(tmp_path, "n", 10), headlines(4 * WINDOW + 5)
    pulled = 0

    def source() -> Iterator[tuple[int, Document]]:
        nonlocal pulled
        for n, doc in enumerate(docs):
            pulled += 1
            yield n, doc

    pool = MatchWorkers(2, ["en", "ru"])
    ahead = []
    try:
        for tag, _, alerts in pool.stream(pool.alerts, rules, source()):
            assert [a.rule for a in alerts] == [f"n-{tag % 10}"]  # type: ignore[union-attr]
            ahead.append(pulled - tag)
    finally:
        pool.close()
    assert len(ahead) == len(docs)
    assert max(ahead) <= 2 * WINDOW + 1


def test_a_new_language_mid_stream_waits_for_the_window_before_it(tmp_path: Path) -> None:
    """A window with a language not seen before means a new prefilter and the workers
    forked again: the window before it, still with the workers, is read back first."""
    rules = numbered(tmp_path, "b", 10)
    russian = Document(id="ru", source="s", title="Доклад word3x сегодня",
                       body="Остальная часть истории.", language=None)
    docs = [*headlines(WINDOW), russian, *headlines(5)]
    pool = MatchWorkers(2, ["en", "ru"])
    try:
        seen = [[a.rule for a in alerts]  # type: ignore[union-attr]
                for _, _, alerts in pool.stream(pool.alerts, rules, enumerate(docs))]
    finally:
        pool.close()
    assert seen == [*([f"b-{n % 10}"] for n in range(WINDOW)), ["b-3"],
                    *([f"b-{n % 10}"] for n in range(5))]
    assert set(rules.prepared) == {"en", "ru"}


def test_a_new_rule_set_and_a_new_language_reach_the_workers(tmp_path: Path) -> None:
    first, second = numbered(tmp_path, "a", 10), numbered(tmp_path, "b", 10)
    pool = MatchWorkers(2, ["en", "ru"])
    try:
        assert rules_of(pool, first, headlines(3)) == [["a-0"], ["a-1"], ["a-2"]]
        before = set(pool.pids())
        assert rules_of(pool, second, headlines(3)) == [["b-0"], ["b-1"], ["b-2"]]
        assert before.isdisjoint(pool.pids())  # forked again, from the new set
        assert second.prepared == ("en",)
        russian = [Document(id="ru", source="s", title="Доклад word3x сегодня",
                            body="Остальная часть истории.", language=None)]
        assert rules_of(pool, second, russian) == [["b-3"]]
        assert set(second.prepared) == {"en", "ru"}  # built here, then shared by the workers
    finally:
        pool.close()


@pytest.mark.parametrize("workers", WORKERS)
def test_rules_written_alike_share_a_node_and_each_gets_its_own_match(
    tmp_path: Path, workers: int
) -> None:
    queries = ["navy NEAR/3 ship", "navy OR ship", "navy AND NOT port"]
    options: list[dict[str, object]] = [{}, {}, {"min_score": 0.99}, {"languages": ["ru"]}, {}]
    rules = load_rules(rule_file(tmp_path / "rules.yaml", [
        {"id": f"{k}-{j}", "query": q, **o} for k, q in enumerate(queries)
        for j, o in enumerate(options)]), languages=["en", "ru"])
    docs = [Document(id=str(i), source="s", title="The navy ship", body=text)
            for i, text in enumerate(["A ship of the navy left port.", "Navy news.", ""])]
    first = analyze(docs[0], ["en", "ru"])
    assert rules.compiled("0-0", first, docs[0])[0] is rules.compiled("0-4", first, docs[0])[0]
    naive = []
    for doc in docs:
        analysis = analyze(doc, ["en", "ru"])
        naive.append((analysis.language, rules.match_all(analysis, doc)))
    assert {m.rule for _, found in naive for m in found} >= {"0-0", "0-1", "0-4", "1-4", "2-4"}
    pool = MatchWorkers(workers, ["en", "ru"])
    try:
        assert pool.matches(rules, docs) == naive
    finally:
        pool.close()


@pytest.mark.parametrize("workers", WORKERS)
def test_hits_through_workers_show_the_text_as_analysed(tmp_path: Path, workers: int) -> None:
    """A worker sends a hit's offsets, not its text: the text is cut from the document again
    here, as analysed (HTML entities decoded, NFC), so that a headline with "&amp;" and a
    body written with combining accents show the words they matched, where they are."""
    rules = load_rules(rule_file(tmp_path / "rules.yaml", [
        {"id": "cafe", "query": "café AND navy"}, {"id": "ports", "query": "ports"}]),
        languages=["en"])
    docs = [Document(id=str(i), source="s", title=f"Navy &amp; ports {i}",
                     body="A cafe\u0301 by the navy's ports.", language="en") for i in range(4)]
    pool = MatchWorkers(workers, ["en"])
    try:
        results = pool.matches(rules, docs)
    finally:
        pool.close()
    for doc, result in zip(docs, results, strict=True):
        assert not isinstance(result, Exception), result
        _, found = result
        assert found == rules.match(analyze(doc, ["en"]), doc)
        shown = {(m.rule, h.field, h.text, h.start, h.end) for m in found for h in m.hits}
        assert ("cafe", "body", "café", 2, 6) in shown  # NFC: one character for é
        assert ("ports", "title", "ports", 7, 12) in shown  # after "&amp;" decoded
        assert ("ports", "body", "ports", 21, 26) in shown


def test_hits_and_matches_read_back_are_the_public_types() -> None:
    """A Hit read back from a worker is filled in without its frozen check and then made a
    Hit (models.made_hits), and a Match without its constructor: both are what the
    constructors make (equal, same hash and repr, frozen, read by asdict and pydantic)."""
    text = ("Navy title", "The navy's ports.")
    made = made_hits([(0, 0, -4, "navy"), (1, 11, -16, "ports")], text)
    hits = (Hit(term="navy", field="title", text="Navy", start=0, end=4),
            Hit(term="ports", field="body", text="ports", start=11, end=16))
    assert [type(h) for h in made] == [Hit, Hit]
    assert tuple(made) == hits and list(map(hash, made)) == list(map(hash, hits))
    assert list(map(repr, made)) == list(map(repr, hits))
    assert [dataclasses.asdict(h) for h in made] == [dataclasses.asdict(h) for h in hits]
    with pytest.raises(dataclasses.FrozenInstanceError):
        made[0].text = "other"  # type: ignore[misc]
    parts = (("prominence", 0.5),)
    match = made_matches(("a", "b"), [1, 0], [(tuple(made), 0.5, parts, (("navy", 1),))])[0]
    expected = Match(rule="b", hits=hits, score=0.5, score_parts=parts, counts=(("navy", 1),))
    assert type(match) is Match and match == expected and match.score == 0.5
    doc = Document(id="1", source="s", title=text[0], body=text[1])
    alert = Alert(id="x", rule="b", rule_title="b", document=doc, hits=match.hits)
    assert Alert.model_validate_json(alert.model_dump_json()).hits == hits


def test_plain_results_travel_by_marshal_and_others_by_pickle() -> None:
    """A document's plain matches (`Packed`) are written by marshal, and read back equal;
    a value marshal cannot write (a subclass of str) and an error are pickled."""
    tail = ((0,), (0.5, 0.1, 0.2, 0.3, 0.4), (("ports", 1),))
    packed: Packed = ("en", [(1, 4, -9, "ports")], [tail], array("I", [3, 0]).tobytes())
    sealed = _timed(packed, plain=True)
    assert type(sealed) is bytes and sealed[0] != PICKLED and _observed(sealed) == packed
    odd: Packed = ("en", [(1, 4, -9, _Term("ports"))], [], b"")
    sealed = _timed(odd, plain=True)
    assert sealed[0] == PICKLED and _observed(sealed) == odd
    error = _observed(_timed(ValueError("broken"), plain=True))
    assert isinstance(error, ValueError) and str(error) == "broken"
