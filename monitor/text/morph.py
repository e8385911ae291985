"""Every reading of a word, for the languages with a full morphological analyser (ru, uk).

pymorphy3 with its OpenCorpora (ru) and VESUM (uk) dictionaries knows surnames, first
names, patronymics, places and organisations, and returns every reading of a form:
"политики" is политика (policy) or политик (politician), "Лаврова" is the surname
Лавров. Only the dictionary is asked (one lookup in a compiled word graph, a few µs):
words it does not know fall back to a stem, like words of languages without an analyser.

The dictionaries ship inside their wheels; an analyser is loaded (about 0.3 s, 20 MB) the
first time a word of its language is met, never at import.
"""

from __future__ import annotations

from functools import cache
from itertools import accumulate
from typing import Any, NamedTuple

ANALYSED: frozenset[str] = frozenset({"ru", "uk"})
# Languages whose dictionary tags places and organisations too (the Ukrainian one tags
# people only: Київ is a plain noun there, and "Києві" is also a form of the name Кий), so
# that a capitalised word may be taken for a name first.
_CAPITALS_NAME = frozenset({"ru"})
# grammemes of proper names: people, places, organisations, trade marks
_NAME_GRAMMEMES = ("Name", "Surn", "Patr", "Geox", "Orgn", "Trad")


# tag, name, base form, prefix and suffix lengths to cut, lemma prefix and suffix
_Kind = tuple[str, bool, bool, int, int, str, str]


class Reading(NamedTuple):
    """One reading of a word: its lemma (lower case, ё kept) and what kind of form it is."""

    lemma: str
    tag: str
    name: bool  # a proper name (person, place, organisation)
    base: bool  # the form is a lemma itself, or a nominative


class Morph:
    """The dictionary part of one language's pymorphy3 analyser."""

    def __init__(self, language: str) -> None:
        analyzer = morph_analyzer(language)
        self._dictionary = analyzer.dictionary
        self._similar = analyzer.dictionary.words.similar_items
        self._get = analyzer.dictionary.words.get
        self._substitutes = analyzer.char_substitutes  # е in text is also ё in the dictionary
        # the letters that stand for others (е, г): a word without them needs no
        # similar_items, which costs about twice a plain lookup
        self._stand_ins = tuple(c.decode() for c in self._substitutes)
        # every slot of the dictionary numbered, paradigm by paradigm (slot i of paradigm p
        # is number _first[p] + i), and its kind, made on first sight: a list read by index
        # (140,000 slots, 1.1 MB for Russian), where a dict keyed by (paradigm, index)
        # hashed a pair and compared the key's tuple and ints, apart in memory
        self._first = list(accumulate((len(p) // 3 for p in self._dictionary.paradigms), initial=0))
        self._kinds: list[_Kind | None] = [None] * self._first[-1]
        self._tags: dict[int, tuple[str, bool, bool]] = {}

    def _kind(self, para_id: int, idx: int) -> _Kind:
        """A paradigm slot's tag, whether it is a name and a base form, and how its lemma
        is made from a form: (prefix and suffix lengths to cut, lemma prefix and suffix)."""
        kind = self._kinds[self._first[para_id] + idx]
        if kind is None:
            d = self._dictionary
            paradigm = d.paradigms[para_id]
            n = len(paradigm) // 3
            tag, name, nominative = self._tag(paradigm[n + idx])
            cut = (len(d.paradigm_prefixes[paradigm[2 * n + idx]]), len(d.suffixes[paradigm[idx]]))
            lemma = (d.paradigm_prefixes[paradigm[2 * n]], d.suffixes[paradigm[0]])
            kind = self._kinds[self._first[para_id] + idx] = (
                tag, name, idx == 0 or nominative, cut[0], cut[1], *lemma)
        return kind

    def _tag(self, tag_id: int) -> tuple[str, bool, bool]:
        """A tag of the dictionary's table, whether it is a name's and a nominative's: a
        few hundred tags serve its hundreds of thousands of slots, which news keeps
        meeting for the first time (every new slot asked the grammemes again)."""
        found = self._tags.get(tag_id)
        if found is None:
            tag = str(self._dictionary.gramtab[tag_id])
            found = self._tags[tag_id] = (
                tag, any(g in tag for g in _NAME_GRAMMEMES), "nomn" in tag)
        return found

    def _found(self, word: str) -> list[tuple[str, list[tuple[int, int]]]]:
        """The dictionary's spellings of a lower-case word (ёлка for елка), each with its
        paradigm slots: what pymorphy's similar_items returns."""
        for letter in self._stand_ins:
            if letter in word:
                found: list[tuple[str, list[tuple[int, int]]]] = self._similar(
                    word, self._substitutes)
                return found
        slots = self._get(word)
        return [(word, slots)] if slots else []

    def _parses(self, word: str) -> list[tuple[str, _Kind]]:
        """(lemma, kind) of every dictionary reading of a lower-case word."""
        kinds, first = self._kinds, self._first
        out = []
        for fixed, slots in self._found(word):
            for para_id, idx in slots:
                kind = kinds[first[para_id] + idx] or self._kind(para_id, idx)
                if idx == 0:
                    out.append((fixed, kind))
                else:  # pymorphy's build_normal_form, with the slot's parts looked up once
                    stem = fixed[kind[3] : len(fixed) - kind[4]]
                    out.append((kind[5] + stem + kind[6], kind))
        return out

    def readings(self, word: str) -> list[Reading]:
        """Every dictionary reading of a lower-case word; [] for a word it does not know."""
        return [Reading(lemma, *kind[:3]) for lemma, kind in self._parses(word)]

    def lemmas(self, word: str, title: bool | None) -> tuple[str, ...]:
        """The distinct lemmas (lower case, ё as е) of a lower-case word's readings, those
        of names only when `title` (if it has any), of other words only when `title` is
        False (if it has any), all when None: `by_case` without making Readings (documents
        call this for every new word); () for a word the dictionary does not know."""
        found = self._found(word)
        if not found:
            return ()
        named: list[str] = []
        plain: list[str] = []
        kinds, first = self._kinds, self._first
        for fixed, slots in found:  # _parses' loop, without its pairs
            for para_id, idx in slots:
                kind = kinds[first[para_id] + idx] or self._kind(para_id, idx)
                lemma = fixed if idx == 0 else (
                    kind[5] + fixed[kind[3] : len(fixed) - kind[4]] + kind[6])
                (named if kind[1] else plain).append(lemma)
        if title is None or not (named and plain):
            lemmas = named + plain
        else:
            lemmas = named if title else plain
        if len(lemmas) == 1:
            return (lemmas[0].replace("ё", "е"),)
        return tuple(dict.fromkeys([lemma.replace("ё", "е") for lemma in lemmas]))


@cache
def morph_analyzer(language: str) -> Any:
    """The language's pymorphy3 analyser, loaded once in a process (text analysis and the
    check for Russian second senses share it)."""
    import pymorphy3  # loaded here: only Russian and Ukrainian text pay for it

    return pymorphy3.MorphAnalyzer(lang=language)


@cache
def morph(language: str) -> Morph:
    """The analyser of a language in ANALYSED, loaded on first use."""
    return Morph(language)


def is_title(word: str) -> bool:
    """Capitalised, not all capitals: "Лавров", not "ЛАВРОВ" nor "лавров"."""
    return word[:1].isupper() and not word.isupper()


def title_wanted(word: str, language: str) -> bool | None:
    """What `by_case` keeps for a word: names (True), other words (False) or all (None)."""
    if word.isupper() or not word[:1].isalpha():
        return None
    if word[:1].isupper():  # is_title, its second test just made
        return True if language in _CAPITALS_NAME else None
    return False


def by_case(word: str, readings: list[Reading], language: str) -> list[Reading]:
    """The readings a word's capitalisation allows: a capitalised word is a name when it can
    be one ("Баку" is the city, not бак; Russian only), a lower-case word is not ("лавровым"
    is laurel, not the surname); words in capitals, and words with only one kind of
    reading, keep all."""
    wanted = title_wanted(word, language)
    if wanted is None:
        return readings
    kept = [r for r in readings if r.name == wanted]
    return kept or readings
