"""Relevance: how often concept rules alert on documents that are about their subject.

Concept rules written the way analysts write them (a topic's vocabulary AND an entity, in
English and Russian) are run in several forms on real news articles from
../shared/corpora/news, each judged by reading it (the policy is in the data files' headers):

    tuning      the six rules of benchmarks/data/relevance_rules.yaml on the 332 documents
                of relevance_judged.tsv: the vocabularies and the recommended form were
                chosen here
    held-out    trade-china's 62 other matches and six more rules
                (relevance_heldout_rules.yaml, written before any of their documents was
                read) on relevance_heldout.tsv, judged after the vocabularies and forms were
                fixed; it has since been used to reject one change of the score
    held-out 2  eight more rules (relevance_heldout2_rules.yaml, written before any of their
                documents was read, never revised) on relevance_heldout2.tsv, all 166
                documents their plain form matches, judged before any other form was run
                on them
    held-out 3  eight more rules (relevance_heldout3_rules.yaml), each revised once after
                reading 5 of its matches as docs/rules.md teaches, on relevance_heldout3.tsv:
                the 152 other documents the draft or revised rules match, judged before any
                other form was run on them
    (each of the first four sets also holds, at its end, the documents that only the rules
    with `include: all` match, judged after those forms had been run on it: 43 in all)
    held-out 4  seven more rules (relevance_heldout4_rules.yaml, never revised) on
                relevance_heldout4.tsv: the 174 documents that the plain rule matches with its
                entity as written or with `include: all`, judged before any other form was
                run on them; the set for the "+ include" forms, which were chosen on the others
    held-out 5  six more rules (relevance_heldout5_rules.yaml, written in minutes, never
                revised) on relevance_heldout5.tsv: 105 documents in no earlier set, judged
                before any form but the plain one was run on them, after the recommended form
                had been chosen again on the five sets above; the set that checks that choice
                (strike-britain's documents that only its entity with include: all matches are
                not judged, so its "+ include" rows there count only the judged ones)
    held-out 6  five more rules (relevance_heldout6_rules.yaml), drafted in minutes and revised
                once from what `monitor test --terms` showed (the drafts are in its comments),
                on relevance_heldout6.tsv: 109 documents in no earlier set that the draft or
                the revised rule matches, judged before any form but the plain one ran on them
    held-out 7  three more rules (relevance_heldout7_rules.yaml) revised twice on one half of
                the unjudged corpus after reading all their matches there, judged on the other
                half (relevance_heldout7.tsv, 48 documents)
    held-out 8  six more rules (relevance_heldout8_rules.yaml) revised twice on half A of the
                unjudged corpus from what they match (`monitor test --terms`) and what they
                miss (`--misses`), each revision checked with `--compare`; judged on half B
                (relevance_heldout8.tsv, 198 documents: every one a draft or a revised rule
                matches, and one on its subject that none matches, found by reading the
                headlines of all the revised rules' misses); "held-out 8 drafts" scores the drafts
                (relevance_heldout8_drafts.yaml) on the same judgements

The forms:

    plain                 '@topic AND @entity'
    within: paragraph     both in one paragraph
    within: sentence      both in one sentence
    NEAR/30               both within 30 words
    min_score: S          plain, with matches scoring less than S dropped
    paragraph + S         within: paragraph and min_score: S (the shipped rule's form)
    ... + include         the same with the entity's shipped vocabularies (`include: all`)

For each set it prints precision, recall and F1 averaged over the rules with the F1 of each
rule, the ceiling of any threshold on the score (the plain form and `within: paragraph` with
the best min_score of each rule, chosen after the fact on the judgements), then
precision/recall/F1 per rule for the recommended form, then one JSON line per set and form.
With --errors [FORM], the form's false alerts and misses on every set, each with the plain
form's score and the reason it was judged so. Recall counts the judged documents that are on
subject: every document a plain rule matches is judged, so the plain form's recall is 1 by
construction and the others' recall is relative to it (the tuning set's 146 documents drawn
as possible misses held no on-subject document that its plain rule misses).

    .venv/bin/python benchmarks/bench_relevance.py [--corpus PATH] [--errors [FORM]]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from monitor.matching import load_rules  # noqa: E402
from monitor.matching.gazetteer import has_gazetteer  # noqa: E402
from monitor.models import Document  # noqa: E402
from monitor.text.analysis import analyze  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
CORPUS = ROOT.parent / "shared" / "corpora" / "news"
LANGUAGES = ["en", "ru"]
RULE_FILES = ("relevance_rules.yaml", "relevance_heldout_rules.yaml",
              "relevance_heldout2_rules.yaml", "relevance_heldout3_rules.yaml",
              "relevance_heldout4_rules.yaml", "relevance_heldout5_rules.yaml",
              "relevance_heldout6_rules.yaml", "relevance_heldout7_rules.yaml",
              "relevance_heldout8_rules.yaml", "relevance_heldout8_drafts.yaml")
SETS = {"tuning": "relevance_judged.tsv", "held-out": "relevance_heldout.tsv",
        "held-out 2": "relevance_heldout2.tsv", "held-out 3": "relevance_heldout3.tsv",
        "held-out 4": "relevance_heldout4.tsv", "held-out 5": "relevance_heldout5.tsv",
        "held-out 6": "relevance_heldout6.tsv", "held-out 7": "relevance_heldout7.tsv",
        "held-out 8": "relevance_heldout8.tsv"}
# sets scored with the drafts of their rules (rule ids with DRAFT added), on the same
# judgements: what the revision changed on documents it was not made on
DRAFT = "-draft"
DRAFTS = {"held-out 8 drafts": "held-out 8"}
RECOMMENDED = "paragraph + 0.45"

Form = Callable[[str, str], dict[str, Any]]
Judged = list[tuple[str, str, bool]]
Scores = tuple[float, float, float]  # precision, recall, F1


def _scored(score: float, within: str | None, topic: str, entity: str) -> dict[str, Any]:
    rule: dict[str, Any] = {"query": f"@{topic} AND @{entity}", "min_score": score}
    return {**rule, "within": within} if within else rule


FORMS: dict[str, Form] = {
    "plain": lambda t, e: {"query": f"@{t} AND @{e}"},
    "within: paragraph": lambda t, e: {"query": f"@{t} AND @{e}", "within": "paragraph"},
    "within: sentence": lambda t, e: {"query": f"@{t} AND @{e}", "within": "sentence"},
    "NEAR/30": lambda t, e: {"query": f"@{t} NEAR/30 @{e}"},
    **{f"min_score: {s}": partial(_scored, s, None) for s in (0.35, 0.4, 0.45, 0.5, 0.55)},
    **{f"paragraph + {s}": partial(_scored, s, "paragraph") for s in (0.4, 0.45, 0.5)},
}
# the same with the entity's shipped vocabularies (`include: all`, see monitor/matching/
# gazetteer.py) for the entities of a country that has them; the others as written
INCLUDED = "+ include"
FORMS.update({
    f"plain {INCLUDED}": FORMS["plain"],
    **{f"paragraph + {s} {INCLUDED}": partial(_scored, s, "paragraph")
       for s in (0.4, 0.45, 0.5, 0.55)},
    **{f"sentence + {s} {INCLUDED}": partial(_scored, s, "sentence") for s in (0.4, 0.45)},
})


def judgements(name: str) -> Judged:
    """(rule, document, on subject) for every judged line of a data file."""
    return [(rule, doc, on) for rule, doc, on, _ in reasons(name)]


def variants(path: Path) -> list[str]:
    """Write every form of every concept rule to `path`; return the concept rules' ids."""
    data: dict[str, Any] = {"topics": {}, "entities": {}, "rules": []}
    for name in RULE_FILES:
        part = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
        for key in data:
            data[key] = data[key] + part[key] if key == "rules" else {**data[key], **part[key]}
    concepts = [r["id"] for r in data["rules"]]
    for name, entity in list(data["entities"].items()):
        if has_gazetteer(entity.get("country") or ""):
            data["entities"][f"{name}--all"] = {**entity, "include": "all"}
    rules = []
    for rule in data["rules"]:
        topic, entity = (part.strip().lstrip("@") for part in rule["query"].split(" AND "))
        for i, (name, form) in enumerate(FORMS.items()):
            included = name.endswith(INCLUDED) and f"{entity}--all" in data["entities"]
            rules.append({"id": f"{rule['id']}--{i}",
                          **form(topic, f"{entity}--all" if included else entity)})
    data["rules"] = rules
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return concepts


def scores(matched: dict[str, float], judged: Judged, rule: str, form: int) -> Scores:
    mine = [(doc, on) for r, doc, on in judged if r == rule]
    found = {doc for doc, _ in mine if f"{rule}--{form}|{doc}" in matched}
    tp = sum(1 for doc, on in mine if on and doc in found)
    precision = tp / len(found) if found else 1.0
    wanted = sum(1 for _, on in mine if on)
    recall = tp / wanted if wanted else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def match_all(corpus: Path, docs: set[str]) -> dict[str, float]:
    """'variant id|document' -> score for every match of every form on the judged documents."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rules.yaml"
        variants(path)
        rules = load_rules(path, languages=LANGUAGES)
    matched: dict[str, float] = {}
    for doc_id in sorted(docs):
        title, _, body = (corpus / f"{doc_id}.txt").read_text(encoding="utf-8").partition("\n")
        doc = Document(id=doc_id, source="news", title=title.strip(), body=body.strip())
        matched.update((f"{m.rule}|{doc_id}", m.score)
                       for m in rules.match(analyze(doc, LANGUAGES), doc))
    return matched


def ceiling(judged: Judged, matched: dict[str, float], form: int) -> Scores:
    """The form (one without a min_score) with the best min_score of each rule, chosen after
    the fact on its judgements: what no single threshold on the score can beat."""
    per = []
    for rule in dict.fromkeys(r for r, _, _ in judged):
        mine = [(matched.get(f"{rule}--{form}|{doc}"), on) for r, doc, on in judged
                if r == rule]
        wanted = sum(1 for _, on in mine if on)
        best = (0.0, 0.0, -1.0)
        for cut in sorted({s for s, _ in mine if s is not None} | {2.0}):
            found = [on for s, on in mine if s is not None and s >= cut]
            tp = sum(found)
            p = tp / len(found) if found else 1.0
            r = tp / wanted if wanted else 1.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            best = max(best, (p, r, f), key=lambda x: x[2])
        per.append(best)
    return tuple(sum(v[k] for v in per) / len(per) for k in range(3))  # type: ignore[return-value]


def errors(name: str, judged: Judged, matched: dict[str, float], form: str) -> None:
    """The form's false alerts and misses on a set, with the judgement's reason."""
    i = list(FORMS).index(form)
    why = {(r + DRAFT if name in DRAFTS else r, d): w
           for r, d, _, w in reasons(SETS[DRAFTS.get(name, name)])}
    print(f"\n{name}, {form}: false alerts (+) and misses (-)")
    for rule, doc, on in judged:
        found = f"{rule}--{i}|{doc}" in matched
        if found != on:
            score = matched.get(f"{rule}--{list(FORMS).index('plain')}|{doc}")
            print(f"  {'+' if found else '-'} {rule:18} {doc:40} "
                  f"{'' if score is None else f'{score:.2f}':>5}  {why[(rule, doc)]}")


def reasons(name: str) -> list[tuple[str, str, bool, str]]:
    """Every judged line of a data file with its reason."""
    out = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rule, doc, judged, why = line.split("\t")
            out.append((rule, doc, judged == "1", why))
    return out


def report(name: str, judged: Judged, matched: dict[str, float]) -> list[dict[str, Any]]:
    """Print one set's tables; return its JSON lines."""
    concepts = list(dict.fromkeys(r for r, _, _ in judged))
    docs = len({d for _, d, _ in judged})
    print(f"\n{name}: {len(concepts)} rules, {docs} documents, {len(judged)} judgements")
    print(f"{'form':26} {'precision':>9} {'recall':>6} {'F1':>5}   "
          f"F1 per rule ({', '.join(concepts)})")
    lines: list[dict[str, Any]] = []
    for i, form in enumerate(FORMS):
        per = {rule: scores(matched, judged, rule, i) for rule in concepts}
        avg = [sum(v[k] for v in per.values()) / len(per) for k in range(3)]
        print(f"{form:26} {avg[0]:9.3f} {avg[1]:6.3f} {avg[2]:5.3f}   "
              + " ".join(f"{v[2]:.2f}" for v in per.values()))
        lines.append({"bench": "relevance", "set": name, "form": form,
                      "precision": round(avg[0], 3), "recall": round(avg[1], 3),
                      "f1": round(avg[2], 3), "rules": len(per), "documents": docs,
                      "per_rule": {r: [round(x, 3) for x in v] for r, v in per.items()}})
    for form in ("plain", "within: paragraph"):
        p, r, f = ceiling(judged, matched, list(FORMS).index(form))
        print(f"{form + ', best min_score':26} {p:9.3f} {r:6.3f} {f:5.3f}   (per rule, "
              "chosen after the fact: the ceiling of any threshold on the score)")
        lines.append({"bench": "relevance", "set": name, "form": f"{form}, best min_score",
                      "precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3),
                      "rules": len(per), "documents": docs})
    best = next(line for line in lines if line["form"] == RECOMMENDED)
    print(f"per rule, {RECOMMENDED} (precision / recall / F1):")
    for rule, (p, r, f) in best["per_rule"].items():
        print(f"  {rule:18} {p:.3f} / {r:.3f} / {f:.3f}")
    return lines


def summary(lines: list[dict[str, Any]], sets: list[str]) -> None:
    """Every form on every set in one table: precision / recall / F1 averaged over rules."""
    print("\nall sets, precision / recall / F1 averaged over the rules:")
    print(f"{'form':26}" + "".join(f"{s:>24}" for s in sets))
    for form in [*FORMS, "plain, best min_score", "within: paragraph, best min_score"]:
        row = {line["set"]: line for line in lines if line["form"] == form}
        cells = (f"{row[s]['precision']:.3f} / {row[s]['recall']:.3f} / {row[s]['f1']:.3f}"
                 for s in sets)
        print(f"{form[:26]:26}" + "".join(f"{c:>24}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--errors", metavar="FORM", nargs="?", const=RECOMMENDED,
                        choices=list(FORMS), help="also list the form's false alerts and "
                        f"misses on every set, with the plain form's score and the reason "
                        f"judged (default form: {RECOMMENDED})")
    args = parser.parse_args()
    sets = {name: judgements(path) for name, path in SETS.items()}
    sets.update({name: [(r + DRAFT, d, on) for r, d, on in sets[of]]
                 for name, of in DRAFTS.items()})
    matched = match_all(args.corpus, {d for judged in sets.values() for _, d, _ in judged})
    lines = [line for name, judged in sets.items() for line in report(name, judged, matched)]
    summary(lines, list(sets))
    if args.errors:
        for name, judged in sets.items():
            errors(name, judged, matched, args.errors)
    print()
    for line in lines:
        print(json.dumps(line))


if __name__ == "__main__":
    main()
