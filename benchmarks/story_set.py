"""The labelled set of bench_stories.py: real news articles, copies made of them as outlets
make them, and for each article its most similar other real article (a hard negative).

Copies use these transformations, alone and combined: `tag` (an outlet's tag in the
headline), `dateline` (a dateline or credit before the text), `boilerplate` (lines
appended), `truncate` (the first paragraphs only), `edit` (a few words changed, a phrase
added), `headline` (a rewritten headline).
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

KINDS = ("edit", "truncate", "dateline", "boilerplate", "tag", "headline")  # applied in this order
TRUNCATE_WORDS = 40  # a cut copy keeps whole paragraphs, at least this many words
TAGS = {"en": ["UPDATE 2-", "EXCLUSIVE-", "{} | Daily Star", "{} - The Herald", "WRAPUP 1-"],
        "ru": ["{} — ТАСС", "{} | РБК", "МОЛНИЯ: {}", "{} - Интерфакс", "ОБНОВЛЕНО: {}"]}
DATELINES = {
    "en": ["MOSCOW, Dec 2 (Reuters) - ", "LONDON (AP) — ", "By Jane Doe, Staff Writer\n\n",
           "WASHINGTON, Dec 2 (Reuters) - ", "Updated 14:05 GMT\n\n"],
    "ru": ["Москва. 2 декабря. ИНТЕРФАКС - ", "МОСКВА, 2 дек — РИА Новости. ",
           "Автор: Иван Петров\n\n", "САНКТ-ПЕТЕРБУРГ, 2 декабря. /ТАСС/. ",
           "Фото: РИА Новости\n\n"],
}
BOILERPLATE = {
    "en": ["Reporting by John Smith; Editing by Mark Potter",
           "Our Standards: The Thomson Reuters Trust Principles.",
           "Sign up for our morning newsletter to get the day's top stories in your inbox.",
           "Copyright 2026 The Associated Press. All rights reserved. This material may not "
           "be published, broadcast, rewritten or redistributed."],
    "ru": ["Подписывайтесь на наш канал в Telegram, чтобы первыми узнавать главные новости.",
           "Читайте также: главные события дня в нашей ленте.",
           "При использовании материалов ссылка на источник обязательна.",
           "Если вы заметили ошибку, выделите её и нажмите Ctrl+Enter."],
}
INSERTS = {"en": ["officials said", "according to sources", "on Tuesday", "it said"],
           "ru": ["сообщили источники", "по данным агентства", "во вторник", "как стало известно"]}
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, kw_only=True)
class Doc:
    """One document of the set, labelled with its true story and how it was made."""

    id: str
    story: str
    kind: str  # "base", "negative", or the transformations joined by "+"
    language: str
    title: str
    body: str
    source: str = "wire"


def load(root: Path) -> list[Doc]:
    """Every article of the corpus (headline on the first line)."""
    docs = []
    for path in sorted(root.glob("*/*.txt")):
        text = path.read_text(encoding="utf-8")
        title, _, body = text.partition("\n")
        lang = "en" if path.parent.name in ("bbc", "reuters") else "ru"
        doc_id = f"{path.parent.name}/{path.stem}"
        docs.append(Doc(id=doc_id, story=doc_id, kind="base", language=lang,
                        title=title.strip(), body=body.strip()))
    return docs


def paragraphs(body: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", body) if p.strip()]


def transform(doc: Doc, kind: str, rng: random.Random) -> Doc:
    """`doc` changed by one transformation."""
    lang, title, body = doc.language, doc.title, doc.body
    if kind == "tag":
        tag = rng.choice(TAGS[lang])
        title = tag.format(title) if "{}" in tag else tag + title
    elif kind == "dateline":
        body = rng.choice(DATELINES[lang]) + body
    elif kind == "boilerplate":
        body = body + "\n\n" + "\n\n".join(rng.sample(BOILERPLATE[lang], 2))
    elif kind == "truncate":
        body = _truncate(body, rng)
    elif kind == "edit":
        body = _edit(body, lang, rng)
    elif kind == "headline":
        words = _WORD.findall(paragraphs(body)[0])[:12] if body else []
        title = " ".join(words[: rng.randint(6, 12)]).capitalize() or "News"
    return replace(doc, title=title, body=body)


def _truncate(body: str, rng: random.Random) -> str:
    """The first paragraphs: one or two more than needed for TRUNCATE_WORDS words."""
    paras = paragraphs(body)
    kept, count = [], 0
    for para in paras[:-1]:
        kept.append(para)
        count += len(_WORD.findall(para))
        if count >= TRUNCATE_WORDS:
            break
    extra = rng.randint(0, 1)
    return "\n\n".join(paras[: min(len(kept) + extra, len(paras) - 1)] or paras[:1])


def _edit(body: str, lang: str, rng: random.Random) -> str:
    """Three light edits: a word dropped, a phrase inserted, a number or word changed."""
    tokens = body.split(" ")
    for _ in range(3):
        if len(tokens) < 10:
            break
        at = rng.randrange(len(tokens))
        action = rng.choice(("drop", "insert", "change"))
        if action == "drop":
            del tokens[at]
        elif action == "insert":
            tokens.insert(at, rng.choice(INSERTS[lang]))
        else:
            tokens[at] = str(rng.randint(2, 99)) if rng.random() < 0.5 else tokens[at].upper()
    return " ".join(tokens)


def copies(base: Doc, rng: random.Random, combined: int = 3) -> list[Doc]:
    """One copy per transformation, and `combined` copies made by 2 to 4 of them."""
    plans = [(k,) for k in KINDS]
    for _ in range(combined):
        chosen = set(rng.sample(KINDS, rng.randint(2, 4)))
        plans.append(tuple(k for k in KINDS if k in chosen))
    out = []
    for n, plan in enumerate(plans):
        doc = base
        for kind in plan:
            doc = transform(doc, kind, rng)
        out.append(replace(doc, id=f"{base.id}#copy{n}", kind="+".join(plan),
                           source=f"outlet{n}"))
    return out


def tfidf_neighbours(docs: list[Doc], bases: list[Doc]) -> dict[str, Doc]:
    """For each base, the other article of the corpus most similar to it by TF-IDF cosine."""
    tfs = [Counter(_WORD.findall((d.title + " " + d.body).lower())) for d in docs]
    df: Counter[str] = Counter()
    for tf in tfs:
        df.update(tf.keys())
    idf = {w: math.log(len(docs) / n) for w, n in df.items()}
    vectors = []
    for tf in tfs:
        vec = {w: c * idf[w] for w, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({w: v / norm for w, v in vec.items()})
    postings: dict[str, list[int]] = {}
    for i, vec in enumerate(vectors):
        for w in vec:
            postings.setdefault(w, []).append(i)
    index = {d.id: i for i, d in enumerate(docs)}
    out = {}
    for base in bases:
        mine = vectors[index[base.id]]
        scores: Counter[int] = Counter()
        for w, v in mine.items():
            if idf[w] < 3.0:  # common words add little but cost the most
                continue
            for j in postings[w]:
                scores[j] += v * vectors[j][w]
        for j, _ in scores.most_common(3):
            other = docs[j]
            # Reuters-21578 holds a few articles twice under two ids: a real copy, no negative
            if other.id != base.id and other.body[:300] != base.body[:300]:
                out[base.id] = replace(other, kind="negative")
                break
    return out


def build(root: Path, stories: int, seed: int = 20261202) -> list[Doc]:
    """Bases (articles of 3+ paragraphs, half ru, half en), their copies and hard negatives,
    shuffled (a copy may come before its original)."""
    rng = random.Random(seed)
    docs = load(root)
    eligible = [d for d in docs if len(paragraphs(d.body)) >= 3 and len(d.body) > 600]
    by_lang = {lang: [d for d in eligible if d.language == lang] for lang in ("en", "ru")}
    bases = rng.sample(by_lang["en"], stories // 2) + rng.sample(by_lang["ru"], stories // 2)
    out = list(bases)
    taken = {d.id for d in bases}
    for neg in tfidf_neighbours(docs, bases).values():
        if neg.id not in taken:
            taken.add(neg.id)
            out.append(neg)
    for base in bases:
        out += copies(base, rng)
    rng.shuffle(out)
    return out
