"""What a rule set looks for in a document: the features its words carry.

A feature is what a word of some rule term stands for (`monitor.text.keys.rule_feature`:
a matching key, a literal word or a name's form, or several of these as alternatives),
PREFIX_MARK + a prefix that some rule term uses (`word*`), or CJK_MARK + a Chinese or
Japanese term (matched inside words). A document word carries a feature when one of its
keys, its literal form or, written with a capital, its name form is among the feature's
alternatives.
Each language's `Lexicon` learns, for every word on first sight, which features the word
carries, and remembers it: news repeats its words, so a document costs one lookup per
word (made in C), and the many words no rule uses carry nothing. A document's features say
which terms it can contain (the prefilter and most single-word terms need no more); where
a feature occurs follows from the tokens that carry something, read in the same pass.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import chain, compress

from monitor.text.analysis import Analysis, FieldAnalysis, word_entry
from monitor.text.keys import (
    CAPS_NAME_MARK,
    MID_NAME_MARK,
    NAME_MARK,
    SURFACE_MARK,
    alternatives_of,
)

PREFIX_MARK = "\x01"  # marks prefix features
CJK_MARK = "\x02"  # marks Chinese/Japanese substring features
NONE: tuple[str, ...] = ()
EMPTY: list[int] = []  # no positions (shared: callers only read position lists)
_CACHE_LIMIT = 300_000


class Lexicon(dict[str, tuple[str, ...]]):
    """word -> the features it carries, for one language and one rule set."""

    def __init__(
        self, language: str, keys: Iterable[str], prefixes: Iterable[str], needles: Iterable[str]
    ) -> None:
        super().__init__()
        self.language = language
        # what a document word may offer (a key, SURFACE_MARK or NAME_MARK + its form) ->
        # the features it then carries
        accepted: dict[str, list[str]] = defaultdict(list)
        positional, capitals = set(), set()
        for feature in set(keys):
            for alternative in alternatives_of(feature):
                if alternative.startswith(MID_NAME_MARK):  # offered as a name, kept by its place
                    alternative = NAME_MARK + alternative[1:]
                    positional.add(feature)
                elif alternative.startswith(CAPS_NAME_MARK):  # likewise, or in capitals
                    alternative = NAME_MARK + alternative[1:]
                    capitals.add(feature)
                accepted[alternative].append(feature)
        # features a word carries only where it is no common word written with a capital
        self.positional: frozenset[str] = frozenset(positional)
        # acronyms that are common words too: kept in capitals, or as above
        self.capitals: frozenset[str] = frozenset(capitals)
        self.placed = self.positional | self.capitals
        self._accepted = {k: tuple(v) for k, v in accepted.items()}
        self._literal = any(k.startswith(SURFACE_MARK) for k in self._accepted)
        self._prefixes = frozenset(prefixes)
        # the shortest prefix's length, and every prefix cut to it (its head) -> the
        # lengths of the prefixes under that head, ascending: most words start with no
        # head, which one lookup tells, and a word that does is cut only to those lengths
        # (one or two; the rule set's prefixes have a dozen)
        self._shortest = min(map(len, self._prefixes), default=0)
        heads: dict[str, set[int]] = defaultdict(set)
        for p in self._prefixes:
            heads[p[: self._shortest]].add(len(p))
        self._heads = {head: sorted(lengths) for head, lengths in heads.items()}
        self._needles = tuple(sorted(set(needles)))

    def __missing__(self, word: str) -> tuple[str, ...]:
        keys, form, also = word_entry(word, self.language)
        accepted = self._accepted
        offers = (*keys, *also) if also else keys
        if self._literal:
            offers = (*offers, SURFACE_MARK + form)
        found: list[str] = []
        for k in offers:  # a loop, not a comprehension: most words find nothing here
            if k in accepted:
                found += accepted[k]
        if len(found) > 1:
            found = list(dict.fromkeys(found))
        lengths = self._heads.get(form[: self._shortest])
        if lengths:
            for n in lengths:
                if n > len(form):
                    break  # longer prefixes would cut the whole word again
                if form[:n] in self._prefixes:
                    found.append(PREFIX_MARK + form[:n])
        if self._needles and not word.isascii():
            found.extend(CJK_MARK + needle for needle in self._needles if needle in word)
        carried = self[word] = tuple(found) if found else NONE
        return carried

    def read(self, analysis: Analysis) -> Features:
        """The features of a document analysed in this lexicon's language."""
        if len(self) > _CACHE_LIMIT:
            self.clear()
        return Features(self, analysis)


_TITLES = frozenset({"Mr", "Mrs", "Ms", "Dr", "St", "Sen", "Gen", "Rep", "Gov", "Prof"})


def mid_sentence_name(fa: FieldAnalysis, p: int) -> bool:
    """Whether token p is written with a capital (not in capitals) where no sentence starts:
    there a word that is also a common word ("Jobs", "Brown") is a name."""
    word = fa.parts[2 * p + 1]
    if word.isupper() or p == 0:
        return False
    before = fa.parts[2 * p]
    if any(c in before for c in ".!?\n"):
        previous = fa.parts[2 * p - 1]  # Mr. Jobs, George W. Bush
        return "\n" not in before and (previous in _TITLES or (
            len(previous) == 1 and previous.isupper()))
    return True


def in_capitals(fa: FieldAnalysis, p: int) -> bool:
    """Whether token p is written in capitals (IT), or with a capital where no sentence
    starts (a style that writes acronyms so: Aids, Nato)."""
    return fa.parts[2 * p + 1].isupper() or mid_sentence_name(fa, p)


class Features:
    """One document's features (`present`) and where each one occurs."""

    __slots__ = ("_body", "_carried", "_title", "_where", "present")

    def __init__(self, lexicon: Lexicon, analysis: Analysis) -> None:
        # where each feature occurs is worked out at once: the prefilter's phrases and the
        # rules' terms ask for it in nearly every document that has candidates, and a
        # document whose tokens carry little costs little; the features are then those
        # that occur somewhere
        title, title_carried = _where_in(lexicon, analysis.title)
        body, body_carried = _where_in(lexicon, analysis.body)
        self._where = {"title": title, "body": body}
        self._carried = {"title": title_carried, "body": body_carried}
        self._title, self._body = title, body
        self.present: frozenset[str] = frozenset(chain(self._title, self._body))

    def where(self, field: str) -> Mapping[str, list[int]]:
        """feature -> its positions in `field`, ascending (only features that occur): for
        callers that look up several features of a field, one call for all."""
        return self._where[field]

    def carried(self, field: str) -> list[tuple[str, ...]]:
        """What each token of `field` carries, by position, and one more empty entry after
        the last (so a position's next one can always be read): every feature, including
        those `where` does not keep at that place (`Lexicon.positional`, `.capitals`)."""
        return self._carried[field]

    def title_and_body(self, feature: str) -> tuple[list[int], list[int]]:
        """`positions` of `feature` in the title and in the body, in one call (a word's
        first hits: the commonest look-up of a document with many matches)."""
        return self._title.get(feature, EMPTY), self._body.get(feature, EMPTY)

    def positions(self, field: str, feature: str) -> list[int]:
        """The positions, ascending, of the tokens of `field` that carry `feature`."""
        return self._where[field].get(feature, EMPTY)


def _where_in(
    lexicon: Lexicon, fa: FieldAnalysis
) -> tuple[dict[str, list[int]], list[tuple[str, ...]]]:
    """feature -> the positions of the tokens of `fa` that carry it, ascending, and what
    each token carries (`Features.carried`): what each
    token carries is looked up in C (one lookup per token costs less than making a set of
    the field's words to look each up once), then only the tokens that carry something are
    looked at. A feature kept by its place (`Lexicon.positional`, `.capitals`) keeps only
    the positions where it is in its place, and goes if it has none."""
    carried = list(map(lexicon.__getitem__, fa.words))
    found: dict[str, list[int]] = {}
    for p, features in compress(enumerate(carried), carried):
        for feature in features:
            if feature in found:
                found[feature].append(p)
            else:
                found[feature] = [p]
    if lexicon.placed and not lexicon.placed.isdisjoint(found):
        for feature in lexicon.positional.intersection(found):
            _keep(found, feature, [p for p in found[feature] if mid_sentence_name(fa, p)])
        for feature in lexicon.capitals.intersection(found):
            _keep(found, feature, [p for p in found[feature] if in_capitals(fa, p)])
    carried.append(NONE)
    return found, carried


def _keep(found: dict[str, list[int]], feature: str, kept: list[int]) -> None:
    if kept:
        found[feature] = kept
    else:
        del found[feature]
