"""Relevance: how often concept rules alert on documents that are about their subject.

Six concept rules written the way analysts write them (benchmarks/data/relevance_rules.yaml:
a topic's vocabulary AND an entity, in English and Russian) are run in several forms on the
judged documents of benchmarks/data/relevance_judged.tsv (318 real news articles from
../shared/corpora/news, each judged by reading it; the policy is in that file's header):

    plain                 '@topic AND @entity'
    within: paragraph     both in one paragraph
    within: sentence      both in one sentence
    NEAR/30               both within 30 words
    min_score: S          plain, with matches scoring less than S dropped
    paragraph + 0.45      within: paragraph and min_score: 0.45

For each form it prints precision, recall and F1 averaged over the rules (a table, then one
JSON line per form with the per-rule figures). Recall counts the judged documents that are on
subject; the documents drawn as possible misses found none that the plain rule misses, so
the plain form's recall is 1 by construction and the others' recall is relative to it.

    .venv/bin/python benchmarks/bench_relevance.py [--corpus PATH]
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
from monitor.models import Document  # noqa: E402
from monitor.text.analysis import analyze  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
CORPUS = ROOT.parent / "shared" / "corpora" / "news"
LANGUAGES = ["en", "ru"]

Form = Callable[[str, str], dict[str, Any]]


def _scored(score: float, topic: str, entity: str) -> dict[str, Any]:
    return {"query": f"@{topic} AND @{entity}", "min_score": score}


FORMS: dict[str, Form] = {
    "plain": lambda t, e: {"query": f"@{t} AND @{e}"},
    "within: paragraph": lambda t, e: {"query": f"@{t} AND @{e}", "within": "paragraph"},
    "within: sentence": lambda t, e: {"query": f"@{t} AND @{e}", "within": "sentence"},
    "NEAR/30": lambda t, e: {"query": f"@{t} NEAR/30 @{e}"},
    **{f"min_score: {s}": partial(_scored, s) for s in (0.3, 0.4, 0.45, 0.5, 0.55, 0.6)},
    "paragraph + 0.45": lambda t, e: {"query": f"@{t} AND @{e}", "within": "paragraph",
                                      "min_score": 0.45},
}


def judgements() -> list[tuple[str, str, bool]]:
    """(rule, document, on subject) for every judged line of the data file."""
    out = []
    for line in (DATA / "relevance_judged.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rule, doc, judged, _ = line.split("\t")
            out.append((rule, doc, judged == "1"))
    return out


def variants(path: Path) -> list[str]:
    """Write every form of every concept rule to `path`; return the concept rules' ids."""
    data = yaml.safe_load((DATA / "relevance_rules.yaml").read_text(encoding="utf-8"))
    concepts = [r["id"] for r in data["rules"]]
    rules = []
    for rule in data["rules"]:
        topic, entity = (part.strip().lstrip("@") for part in rule["query"].split(" AND "))
        for i, form in enumerate(FORMS.values()):
            rules.append({"id": f"{rule['id']}--{i}", **form(topic, entity)})
    data["rules"] = rules
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return concepts


def scores(matched: set[str], judged: list[tuple[str, str, bool]], rule: str,
           form: int) -> tuple[float, float, float]:
    mine = [(doc, on) for r, doc, on in judged if r == rule]
    found = {doc for doc, _ in mine if f"{rule}--{form}|{doc}" in matched}
    tp = sum(1 for doc, on in mine if on and doc in found)
    precision = tp / len(found) if found else 1.0
    wanted = sum(1 for _, on in mine if on)
    recall = tp / wanted if wanted else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    judged = judgements()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rules.yaml"
        concepts = variants(path)
        rules = load_rules(path, languages=LANGUAGES)
    matched: set[str] = set()
    for doc_id in sorted({doc for _, doc, _ in judged}):
        title, _, body = (args.corpus / f"{doc_id}.txt").read_text(encoding="utf-8").partition(
            "\n")
        doc = Document(id=doc_id, source="news", title=title.strip(), body=body.strip())
        matched.update(f"{m.rule}|{doc_id}" for m in rules.match(analyze(doc, LANGUAGES), doc))
    print(f"{'form':20} {'precision':>9} {'recall':>6} {'F1':>5}   F1 per rule "
          f"({', '.join(concepts)})")
    lines = []
    for i, name in enumerate(FORMS):
        per = {rule: scores(matched, judged, rule, i) for rule in concepts}
        avg = [sum(v[k] for v in per.values()) / len(per) for k in range(3)]
        print(f"{name:20} {avg[0]:9.3f} {avg[1]:6.3f} {avg[2]:5.3f}   "
              + " ".join(f"{v[2]:.2f}" for v in per.values()))
        line = {"bench": "relevance", "form": name, "precision": round(avg[0], 3),
                "recall": round(avg[1], 3), "f1": round(avg[2], 3), "rules": len(per),
                "documents": len({d for _, d, _ in judged}),
                "per_rule_f1": {r: round(v[2], 3) for r, v in per.items()}}
        lines.append(line)
    for line in lines:
        print(json.dumps(line))


if __name__ == "__main__":
    main()
