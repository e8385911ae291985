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
from typing import Any, NamedTuple

ANALYSED: frozenset[str] = frozenset({"ru", "uk"})
# Languages whose dictionary tags places and organisations too (the Ukrainian one tags
# people only: Київ is a plain noun there, and "Києві" is also a form of the name Кий), so
# that a capitalised word may be taken for a name first.
_CAPITALS_NAME = frozenset({"ru"})
# grammemes of proper names: people, places, organisations, trade marks
_NAME_GRAMMEMES = ("Name", "Surn", "Patr", "Geox", "Orgn", "Trad")


class Reading(NamedTuple):
    """One reading of a word: its lemma (lower case, ё kept) and what kind of form it is."""

    lemma: str
    tag: str
    name: bool  # a proper name (person, place, organisation)
    base: bool  # the form is a lemma itself, or a nominative


class Morph:
    """The dictionary part of one language's pymorphy3 analyser."""

    def __init__(self, language: str) -> None:
        import pymorphy3  # loaded here: only Russian and Ukrainian text pay for it

        analyzer = pymorphy3.MorphAnalyzer(lang=language)
        self._dictionary = analyzer.dictionary
        self._similar = analyzer.dictionary.words.similar_items
        self._substitutes = analyzer.char_substitutes  # е in text is also ё in the dictionary
        self._kinds: dict[tuple[int, int], tuple[str, bool, bool]] = {}

    def _kind(self, para_id: int, idx: int) -> tuple[str, bool, bool]:
        kind = self._kinds.get((para_id, idx))
        if kind is None:
            tag = str(self._dictionary.build_tag_info(para_id, idx))
            name = any(g in tag for g in _NAME_GRAMMEMES)
            kind = self._kinds[para_id, idx] = (tag, name, idx == 0 or "nomn" in tag)
        return kind

    def readings(self, word: str) -> list[Reading]:
        """Every dictionary reading of a lower-case word; [] for a word it does not know."""
        out: list[Reading] = []
        normal_form = self._dictionary.build_normal_form
        for fixed, parses in self._similar(word, self._substitutes):
            for para_id, idx in parses:
                out.append(Reading(normal_form(para_id, idx, fixed), *self._kind(para_id, idx)))
        return out

    def memory(self) -> Any:
        """The loaded dictionary (for measuring its size)."""
        return self._dictionary


@cache
def morph(language: str) -> Morph:
    """The analyser of a language in ANALYSED, loaded on first use."""
    return Morph(language)


def is_title(word: str) -> bool:
    """Capitalised, not all capitals: "Лавров", not "ЛАВРОВ" nor "лавров"."""
    return word[:1].isupper() and not word.isupper()


def by_case(word: str, readings: list[Reading], language: str) -> list[Reading]:
    """The readings a word's capitalisation allows: a capitalised word is a name when it can
    be one ("Баку" is the city, not бак; Russian only), a lower-case word is not ("лавровым"
    is laurel, not the surname); words in capitals, and words with only one kind of
    reading, keep all."""
    if word.isupper() or not word[:1].isalpha():
        return readings
    wanted = is_title(word)
    if wanted and language not in _CAPITALS_NAME:
        return readings
    kept = [r for r in readings if r.name == wanted]
    return kept or readings
