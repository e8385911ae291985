"""The frequent workload: rules whose words documents have often, so that rules match often.

Where bench_matching's selective rules look like analysts' (rare words, ~0.05% of documents
each), these stress what a match costs: an OR of three frequent words, a two-word phrase
with a common word, `a AND b`, `a AND NOT b`, `a NEAR/5 b` and prefixes, the words drawn
from the corpus vocabulary ranked by how many articles have them, tuned so that a rule
matches about 4% of the documents (4 matches per document per 100 rules).

Each rule is kept as a small tree, written both in the rules' query syntax (`query`) and in
the prefix notation the Lucene harness reads (`lucene`, see benchmarks/lucene/Bench.java):
`W word`, `X prefix`, `P n w1 .. wn`, `O n q1 .. qn` (OR), `A n q1 .. qn` (AND), `N q` (NOT,
inside an AND), `R d q1 q2` (within d words, either order).
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from typing import Any

Tree = tuple[Any, ...]
SCRIPTS = {"en": re.compile(r"[a-zA-Z]{3,}"), "ru": re.compile(r"[а-яА-ЯёЁ]{3,}")}
HEAD = 300  # the most widespread words (function words) are left out of single-word terms
SPAN = 20000
OR_HEAD = 8000  # an OR of three, or a rule of one term, draws from rarer words
ONE_HEAD = 3000  # words drawn from below the head, log-uniformly by rank


class FrequentWords:
    """Per language: words ranked by how many articles have them, and the most common pairs
    of adjacent words that hold one of the 200 most widespread words."""

    def __init__(self, articles: dict[str, list[tuple[str, str]]], rng: random.Random) -> None:
        self.rng = rng
        self.words: dict[str, list[str]] = {}
        self.pairs: dict[str, list[str]] = {}
        for lang, items in articles.items():
            spread: Counter[str] = Counter()
            pairs: Counter[str] = Counter()
            script = SCRIPTS.get(lang, re.compile(r"[^\W\d_]{3,}"))
            for title, body in items:
                tokens = [w.lower() for w in script.findall(f"{title} {body}")]
                spread.update(list(dict.fromkeys(tokens)))  # in order: ties rank alike each run
                pairs.update(f"{a} {b}" for a, b in itertools.pairwise(tokens))
            self.words[lang] = [w for w, _ in spread.most_common()]
            common = set(self.words[lang][:200])
            self.pairs[lang] = [p for p, c in pairs.most_common(20000)
                                if c > 2 and common.intersection(p.split())][:3000]

    def word(self, lang: str, head: int) -> str:
        """A frequent word: rank head + r, r log-uniform in [0, SPAN)."""
        ranked = self.words[lang]
        r = head + int(SPAN ** self.rng.random()) - 1
        return ranked[min(r, len(ranked) - 1)]

    def leaf(self, lang: str, head: int = HEAD) -> Tree:
        """A word (80%), a two-word phrase with a common word (10%) or a prefix (10%)."""
        kind = self.rng.random()
        if kind < 0.1 and self.pairs[lang]:
            pair = self.pairs[lang][int(len(self.pairs[lang]) ** self.rng.random()) - 1]
            return ("P", *pair.split())
        word = self.word(lang, head)
        if kind < 0.2 and len(word) > 5:
            return ("X", word[: len(word) - 2])
        return ("W", word)


def frequent_rule(vocab: FrequentWords, i: int) -> dict[str, Any]:
    """One rule: its id, language, query and Lucene form."""
    rng = vocab.rng
    lang = rng.choice(sorted(vocab.words))
    shape = rng.random()
    tree: Tree
    if shape < 0.3:  # the ranks where each shape matches a few percent of the documents
        tree = ("O", *(vocab.leaf(lang, OR_HEAD) for _ in range(3)))
    elif shape < 0.55:
        tree = ("A", vocab.leaf(lang), vocab.leaf(lang))
    elif shape < 0.75:
        tree = ("A", vocab.leaf(lang), ("N", vocab.leaf(lang)))
    elif shape < 0.9:
        tree = ("R", 5, vocab.leaf(lang, 0), vocab.leaf(lang, 0))
    else:
        tree = vocab.leaf(lang, ONE_HEAD)
    return {"id": f"rule-{i}", "language": lang, "query": query(tree),
            "lucene": " ".join(lucene(tree))}


def query(tree: Tree, top: bool = True) -> str:
    """The tree in the rules' query syntax."""
    kind = tree[0]
    if kind == "W":
        return str(tree[1])
    if kind == "X":
        return f"{tree[1]}*"
    if kind == "P":
        return '"' + " ".join(tree[1:]) + '"'
    if kind == "N":
        return "NOT " + query(tree[1], False)
    if kind == "R":
        return f"{query(tree[2], False)} NEAR/{tree[1]} {query(tree[3], False)}"
    joined = (" OR " if kind == "O" else " AND ").join(query(t, False) for t in tree[1:])
    return joined if top else f"({joined})"


def lucene(tree: Tree) -> list[str]:
    """The tree in the harness's prefix notation, as tokens."""
    kind = tree[0]
    if kind in ("W", "X"):
        return [kind, str(tree[1])]
    if kind == "P":
        return ["P", str(len(tree) - 1), *tree[1:]]
    if kind == "N":
        return ["N", *lucene(tree[1])]
    if kind == "R":
        return ["R", str(tree[1]), *lucene(tree[2]), *lucene(tree[3])]
    return [kind, str(len(tree) - 1), *(t for child in tree[1:] for t in lucene(child))]


def frequent_rules(articles: dict[str, list[tuple[str, str]]], size: int) -> list[dict[str, Any]]:
    """`size` frequent rules, the same for the same corpus and size."""
    vocab = FrequentWords(articles, random.Random(size))
    return [frequent_rule(vocab, i) for i in range(size)]
