"""Warnings about rules that load but probably do not do what their author meant.

`monitor check` prints them (and exits 0 unless --strict): a lower-case and/or/not between
terms (a word that must be present, not an operator), a term that can never match in the
rule's languages (Cyrillic under `en:`), a term made only of very common words (it matches
nearly every document), a Russian word with a form that is more often another word
("сталь": "стали", became; see homonyms.py), and an example that passes only through a
topic defined with other rules, not through the rule's own words (a change there silently
changes what the example checks).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from monitor.errors import Location, QuerySyntaxError, RuleError
from monitor.matching import query as q
from monitor.matching.compiler import Vocabulary
from monitor.matching.examples import ExampleCase
from monitor.matching.ruleset import Rule, RuleSet
from monitor.text.analysis import analyze

OPERATORS = {"and": "AND", "or": "OR", "not": "NOT"}

# the words that make up a large share of any text: a term of only these matches nearly
# every document in its language
COMMON = {
    "en": "a an and are as at be but by for from had has have he her his i in is it its not of "
          "on or our she that the their they this to was we were which will with you",
    "ru": "а без бы в во вот все вы да для до его ее если же за и из или им их к как ко ли "
          "мы на не нет но о об он она они от по при с со так то ты у что это я",
    "uk": "а аби б без бо вві він вона вони все де для до за з і із й к на не ні по при та "
          "то у це чи що як я",
    "de": "aber als am an auch auf aus bei das dass dem den der des die ein eine er es für hat "
          "ich im in ist mit nach nicht noch oder sich sie so und von vor war wie zu zum zur",
    "fr": "à au aux avec ce ces dans de des du elle en est et il ils je la le les leur mais "
          "ne par pas pour qu que qui sa se son sur un une",
    "es": "a al como con de del el en es esta este la las lo los más no o para pero por que "
          "se su sus un una y",
}
_COMMON = {lang: frozenset(words.split()) for lang, words in COMMON.items()}

# scripts that only some languages are written in: a term in one of them, matched only in
# other languages, never matches
SCRIPTS = {
    "Cyrillic": (re.compile(r"[\u0400-\u04ff]"), {"ru", "uk", "bg", "sr", "kk", "be", "mk"}),
    "Greek": (re.compile(r"[\u0370-\u03ff]"), {"el"}),
    "Arabic": (re.compile(r"[\u0600-\u06ff]"), {"ar", "fa", "ur"}),
    "Chinese or Japanese": (re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]"), {"zh", "ja"}),
    "Georgian": (re.compile(r"[\u10a0-\u10ff]"), {"ka"}),
    "Armenian": (re.compile(r"[\u0530-\u058f]"), {"hy"}),
    "Devanagari": (re.compile(r"[\u0900-\u097f]"), {"hi"}),
}


@dataclass(frozen=True, kw_only=True)
class LintRule:
    """What the checks need of one loaded rule."""

    rule: Rule
    node: q.Node
    where: Location
    at: Callable[[int], Location]  # the place of a character of the query
    examples: tuple[ExampleCase, ...]


Leaf = tuple[str, tuple[str, ...], Location, str]  # text, languages, place, " (in @topic)"


def lint(
    rules: Sequence[LintRule],
    vocab: dict[str, Vocabulary],
    ruleset: RuleSet,
    languages: Sequence[str],
) -> list[RuleError]:
    """Every warning, one RuleError each ("warning: ..." messages with the rule's id)."""
    terms = _Terms(vocab)
    out: list[RuleError] = []
    for r in rules:
        what = f"(rule {r.rule.id})"
        langs = tuple(r.rule.languages or languages)
        for message, where in [
            *_lower_case_operators(r),
            *terms.warnings(r, langs),
            *_borrowed_examples(r, terms, ruleset, languages),
        ]:
            out.append(RuleError(f"warning: {message} {what}", where))
    return out


def _lower_case_operators(r: LintRule) -> list[tuple[str, Location]]:
    try:
        tokens = q.tokens(r.rule.query)
    except QuerySyntaxError:
        return []
    out = []
    for i, (kind, text, pos) in enumerate(tokens):
        if kind != "word" or text.lower() not in OPERATORS or i in (0, len(tokens) - 1):
            continue
        upper = OPERATORS[text.lower()]
        out.append((f"{text!r} in lower case is a word that must be in the document, not an "
                    f"operator (did you mean {upper}?)", r.at(pos)))
    return out


class _Terms:
    """The words and phrases rules look for, with each topic's expanded and checked once
    per set of languages (ten thousand rules naming the same few topics)."""

    def __init__(self, vocab: dict[str, Vocabulary]) -> None:
        self.vocab = vocab
        self._expanded: dict[tuple[str, tuple[str, ...]], list[Leaf]] = {}
        self._checked: dict[tuple[str, tuple[str, ...]], list[tuple[Leaf, str]]] = {}
        self._files: dict[str, tuple[dict[str, str], set[str]]] = {}

    def own(self, node: q.Node, langs: tuple[str, ...], where: Location
            ) -> tuple[list[Leaf], list[tuple[str, tuple[str, ...]]]]:
        """The words and phrases written in `node` itself, and the topics it names."""
        if isinstance(node, q.Word | q.Phrase):
            keep = not (isinstance(node, q.Word) and node.prefix)
            return ([(node.text, langs, where, "")] if keep else []), []
        if isinstance(node, q.Ref):
            return [], ([(node.name, langs)] if node.name in self.vocab else [])
        leaves: list[Leaf] = []
        refs: list[tuple[str, tuple[str, ...]]] = []
        children = (node.children if isinstance(node, q.And | q.Or | q.Near | q.Same)
                    else (node.child,) if isinstance(node, q.Scoped) else ())
        for child in children:  # NOT: its words are not what the rule looks for
            more, named = self.own(child, langs, where)
            leaves += more
            refs += named
        return leaves, refs

    def of_topic(self, name: str, langs: tuple[str, ...]) -> list[Leaf]:
        """Every word and phrase of a topic or entity (and of those it names), in `langs`."""
        key = (name, langs)
        if key not in self._expanded:
            self._expanded[key] = []  # (cycles are rejected before rules are linted)
            v = self.vocab[name]
            out: list[Leaf] = []
            for term in v.terms:
                term_langs = tuple(x for x in langs
                                   if term.languages is None or x in term.languages)
                leaves, refs = self.own(term.node, term_langs, term.location)
                out += [(text, ls, where, f" (in @{v.name})") for text, ls, where, _ in leaves]
                for ref in refs:
                    out += self.of_topic(*ref)
            self._expanded[key] = out
        return self._expanded[key]

    def leaves(self, node: q.Node, langs: tuple[str, ...], where: Location) -> list[Leaf]:
        own, refs = self.own(node, langs, where)
        return own + [leaf for ref in refs for leaf in self.of_topic(*ref)]

    def warnings(self, r: LintRule, langs: tuple[str, ...]) -> list[tuple[str, Location]]:
        own, refs = self.own(r.node, langs, r.where)
        found = _checked(own)
        for ref in dict.fromkeys(refs):
            if ref not in self._checked:
                self._checked[ref] = _checked(self.of_topic(*ref))
            found += self._checked[ref]
        out, seen = [], set()
        for (text, _, where, origin), message in found:
            if (text, origin) not in seen:
                seen.add((text, origin))
                out.append((message, where))
        return out

    def of_file(self, file: str) -> tuple[dict[str, str], set[str]]:
        """The terms of topics defined in other files (term -> topic) and in `file`."""
        if file not in self._files:
            vocab = self.vocab.values()
            self._files[file] = (
                {t.text: v.name for v in vocab if v.location.file != file for t in v.terms},
                {t.text for v in vocab if v.location.file == file for t in v.terms},
            )
        return self._files[file]


def _checked(leaves: list[Leaf]) -> list[tuple[Leaf, str]]:
    """The leaves that deserve a warning, with it."""
    out = []
    for leaf in leaves:
        text, used, _, origin = leaf
        scripts = [name for name, (pattern, own) in SCRIPTS.items()
                   if pattern.search(text) and not own & set(used)]
        if used and scripts:
            out.append((leaf, f"the term {text!r}{origin} is written in {scripts[0]} script "
                              f"and can never match in {', '.join(used)}"))
            continue
        words = text.lower().split()
        common = [x for x in used if x in _COMMON]
        if words and common and all(all(w in _COMMON[x] for w in words) for x in common):
            out.append((leaf, f"the term {text!r}{origin} is only very common words: it "
                              f"matches nearly every document"))
            continue
        if "ru" in used and len(words) == 1 and SCRIPTS["Cyrillic"][0].search(text):
            from monitor.matching.homonyms import other_words

            found = other_words(text)
            if found:
                form, other = found[0]
                out.append((leaf, f"the term {text!r}{origin} also matches {form!r}, more "
                                  f"often a form of {other!r}: put it in phrases or ask for "
                                  f"the words around it (NEAR, SENT)"))
                continue
        if "en" in used and len(words) == 1:
            from monitor.matching.senses import second_sense

            sense = second_sense(text)
            if sense:
                out.append((leaf, f"the term {text!r}{origin} often has another sense in "
                                  f"the news ({sense[1]}): put it in phrases or ask for the "
                                  f"words around it (NEAR, SENT)"))
    return out


def _borrowed_examples(
    r: LintRule, terms: _Terms, ruleset: RuleSet, languages: Sequence[str]
) -> list[tuple[str, Location]]:
    if not any(case.expect for case in r.examples):
        return []
    borrowed, mine = terms.of_file(r.rule.file)
    if not borrowed:
        return []
    leaves = terms.leaves(r.node, tuple(languages), r.where)
    if not any(not origin or text in mine for text, _, _, origin in leaves):
        return []  # the rule has no words of its own for an example to pass through
    out = []
    for case in r.examples:
        if not case.expect:
            continue
        found = ruleset.match_rule(r.rule.id, analyze(case.doc, languages), case.doc)
        if found is None or not found.hits:
            continue
        hit = {h.term for h in found.hits}
        if all(t in borrowed and t not in mine for t in hit):
            names = ", ".join(sorted({f"@{borrowed[t]}" for t in hit}))
            out.append((f"the example passes only through {names}, defined with other rules "
                        f"in {terms.vocab[borrowed[next(iter(hit))]].location.file}: a change "
                        f"there changes what it checks", case.where))
    return out
