"""Name rules on real news: per-rule precision, recall and F1 against labelled documents.

The rules and their labels are in benchmarks/data/names.yaml (how they were made is written
there): person names written in base form as an analyst would (surnames and full names,
Russian and English), and places and organisations. Every rule runs over every document of
its language in ../shared/corpora/news (ru: nerel, factru, seed; en: bbc, reuters), loaded
with `load_rules` and matched with `RuleSet.match`, as the daemon does.

One JSON line per rule (tp, fp, fn, precision, recall, f1, and the same for a plain
case-insensitive regex of the written name as a word prefix, for comparison), then one line
per kind: micro precision, recall and F1 over all its rules, and the worst rule.

    .venv/bin/python benchmarks/bench_names.py [--kind person|place] [--errors]

--errors also prints, per rule, the documents it gets wrong, with the words around them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from monitor.matching import load_rules  # noqa: E402
from monitor.models import Document  # noqa: E402
from monitor.text.analysis import analyze  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "names.yaml"
CORPUS = ROOT.parent / "shared" / "corpora" / "news"
CORPORA = {"ru": ("nerel", "factru", "seed"), "en": ("bbc", "reuters")}
WORD = re.compile(r"\w+")


def expand(notation: str | list[str]) -> set[str]:
    """ "stem|ending|..." (or a list of them) -> the forms, ё as е, also in capitals."""
    out: set[str] = set()
    for item in [notation] if isinstance(notation, str) else notation:
        stem, *endings = item.split("|")
        for ending in endings or [""]:
            form = (stem + ending).replace("ё", "е").replace("Ё", "Е")
            out |= {form, form.upper()}
    return out


def read_documents() -> dict[str, list[Document]]:
    docs: dict[str, list[Document]] = {}
    for lang, names in CORPORA.items():
        for name in names:
            for path in sorted((CORPUS / name).glob("*.txt")):
                title, _, body = path.read_text(encoding="utf-8").partition("\n")
                docs.setdefault(lang, []).append(Document(
                    id=f"{name}/{path.stem}", source="news", title=title.strip(),
                    body=body.strip(), language=lang))
    return docs


def labels(rule: dict[str, Any], rules: dict[str, dict[str, Any]], docs: list[Document],
           read: dict[str, dict[str, list[str]]]) -> set[str]:
    """The documents holding the rule's name (see names.yaml)."""
    not_name = set(read["not_name"].get(rule["id"], []))
    as_name = set(read["read_as_name"].get(rule["id"], []))
    last = expand(rules[rule["of"]]["forms"] if "of" in rule else rule["forms"])
    first = expand(rule["first"]) if "first" in rule else None
    found = set()
    for doc in docs:
        words = WORD.findall(f"{doc.title}\n{doc.body}".replace("ё", "е").replace("Ё", "Е"))
        if first is None:
            hit = not last.isdisjoint(words)
        else:
            hit = any(a in first and b in last for a, b in pairwise(words))
        if (hit and doc.id not in not_name) or doc.id in as_name:
            found.add(doc.id)
    return found


def regex_matches(rule: dict[str, Any], docs: list[Document]) -> set[str]:
    """A plain case-insensitive regex: the written words, each as a word prefix."""
    words = [re.escape(w.replace("ё", "е")) + r"\w*" for w in WORD.findall(rule["query"])]
    pattern = re.compile(r"\b" + r"\W+".join(words), re.IGNORECASE)
    return {d.id for d in docs
            if pattern.search(f"{d.title}\n{d.body}".replace("ё", "е").replace("Ё", "Е"))}


def scores(found: set[str], truth: set[str]) -> dict[str, Any]:
    tp, fp, fn = len(found & truth), len(found - truth), len(truth - found)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def context(doc: Document, forms: set[str]) -> str:
    text = f"{doc.title} | {doc.body}".replace("\n", " ")
    for m in WORD.finditer(text):
        if m.group().replace("ё", "е") in forms or m.group()[:4].lower() in {
                f[:4].lower() for f in forms}:
            return text[max(0, m.start() - 60): m.end() + 60]
    return text[:120]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=("person", "place"))
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 1
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    kinds = [args.kind] if args.kind else ["person", "place"]
    every = {r["id"]: r for kind in ("person", "place") for r in data[kind]}
    docs = read_documents()
    chosen = [r for kind in kinds for r in data[kind]]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "names.yaml"
        path.write_text(yaml.safe_dump({"rules": [
            {"id": r["id"], "query": r["query"], "languages": [r["lang"]]} for r in chosen
        ]}, allow_unicode=True), encoding="utf-8")
        ruleset = load_rules(path, languages=sorted(CORPORA))
    matched: dict[str, set[str]] = {r["id"]: set() for r in chosen}
    by_id = {d.id: d for lang in docs for d in docs[lang]}
    for lang, items in docs.items():
        for doc in items:
            for m in ruleset.match(analyze(doc, [lang]), doc):
                matched[m.rule].add(doc.id)
    for kind in kinds:
        totals = {"tp": 0, "fp": 0, "fn": 0}
        worst: tuple[float, str] = (2.0, "")
        for rule in data[kind]:
            lang_docs = docs[rule["lang"]]
            truth = labels(rule, every, lang_docs, data)
            line = {"rule": rule["id"], "kind": kind, "query": rule["query"],
                    "documents": len(lang_docs), "labelled": len(truth),
                    **scores(matched[rule["id"]], truth)}
            baseline = scores(regex_matches(rule, lang_docs), truth)
            line["regex_f1"] = baseline["f1"]
            print(json.dumps(line, ensure_ascii=False), flush=True)
            for k in totals:
                totals[k] += line[k]
            worst = min(worst, (line["f1"], rule["id"]))
            if args.errors:
                forms = expand(every[rule.get("of", rule["id"])]["forms"])
                for doc_id in sorted(matched[rule["id"]] ^ truth):
                    side = "fp" if doc_id in matched[rule["id"]] else "fn"
                    print(f"  {side} {doc_id}: {context(by_id[doc_id], forms)}")
        tp, fp, fn = totals["tp"], totals["fp"], totals["fn"]
        p, r = tp / (tp + fp), tp / (tp + fn)
        print(json.dumps({"kind": kind, "rules": len(data[kind]), **totals,
                          "micro_precision": round(p, 4), "micro_recall": round(r, 4),
                          "micro_f1": round(2 * p * r / (p + r), 4),
                          "worst_rule": worst[1], "worst_f1": worst[0]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
