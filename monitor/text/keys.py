"""The keys of a document word and the feature of a rule word.

A document word carries keys: in Russian and Ukrainian the lemmas of all its dictionary
readings ("политики" → политика, политик), elsewhere one key, the lemma else the stem
(monitor.text.lemma), plus the singular of an English plural the lemmatiser keeps as
its own lemma ("sales" → sales, sale).

A rule word becomes one feature: a key, or, when it may be met in several shapes, the
alternatives it accepts joined under ALT_MARK. Its alternatives are the lemmas of its
base-form readings ("политика" → политика only, so "политик" is not asked for), a
capitalised word's name readings first ("Лавров" → the surname), the literal word for
short words and acronyms the analyser is not sure of (SURFACE_MARK: "Си", "ЕС"), and the
case forms of a name no dictionary knows (NAME_MARK: Пашинян, Пашиняна, Пашиняну...,
met only when written with a capital).
"""

from __future__ import annotations

from monitor.text.lemma import (
    compute_key,
    inflects_common_word,
    is_common_word,
    plural_singulars,
    strip_apostrophe,
)
from monitor.text.morph import ANALYSED, Reading, by_case, is_title, morph, title_wanted
from monitor.text.names import NAME_LANGUAGES, name_forms
from monitor.text.normalize import fold, unify
from monitor.text.tokens import HYPHENS

SURFACE_MARK = "\x03"  # the literal word, in any case
NAME_MARK = "\x04"  # a form of a name, written with a capital
# a name that is also a common word (Jobs, Brown), written with a capital where no sentence
# starts: the document word offers NAME_MARK + its form, and the place decides
MID_NAME_MARK = "\x06"
# an acronym that is also a common word (IT, US, WHO, AIDS): offered as a name, kept where it
# is written in capitals, or with a capital where no sentence starts ("It said" is not IT)
CAPS_NAME_MARK = "\x07"
ALT_MARK = "\x05"  # several alternatives for one rule word, separated by ALT_SEP
ALT_SEP = "\x1f"
# languages without an analyser where a capitalised rule word is a name, matched as written
# (with a capital) rather than by its lemma: Brown is not "brown", Bush not "bush" (German
# capitalises every noun, so not there)
NAMES_AS_WRITTEN = frozenset({"en"})
_CACHE_LIMIT = 300_000
_SHORT = 2  # words this short stay literal in rules (Си, ЕС)
_ACRONYM = 5  # the longest word in capitals taken for an acronym in rules (NATO, OPEC)


def _lemmas(readings: list[Reading], language: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(fold(r.lemma, language) for r in readings))


def doc_keys(word: str, language: str) -> tuple[str, ...]:
    """The keys a document word carries (at least one)."""
    if language in ANALYSED:
        # the dictionary has words of letters (and apostrophes: м'ясо) only; numbers and
        # hyphenated words get one key
        alpha = word.isalpha()
        lookup = word if alpha else unify(word)
        if alpha or lookup.replace("'", "").isalpha():
            lemmas = morph(language).lemmas(lookup.lower(), title_wanted(lookup, language))
            if lemmas:
                return lemmas
        return (compute_key(word, language),)
    key = compute_key(word, language)
    if language == "en" and key[-1:] == "s":
        singulars = plural_singulars(key)
        if singulars:
            return (key, *singulars)
    return (key,)


def name_offers(word: str, form: str, language: str) -> tuple[str, ...]:
    """NAME_MARK + the folded word, and + each of its hyphenated parts, for a word written
    with a capital ("China-based" offers china-based and china); `form` is the word folded."""
    if "'" not in form and "-" not in form and "‐" not in form and "‑" not in form:
        return (NAME_MARK + form,)  # most names: the form itself
    name = fold(strip_apostrophe(unify(word), language), language) if "'" in form else form
    offers = [NAME_MARK + name]
    if "-" in name or "‐" in name or "‑" in name:
        offers += [NAME_MARK + fold(p, language) for p in HYPHENS.split(word) if p[:1].isupper()]
    return tuple(offers)


def rule_alternatives(word: str, language: str) -> tuple[str, ...]:
    """What a rule word accepts: keys, SURFACE_MARK + a literal word, NAME_MARK + a form."""
    if language not in ANALYSED:
        if language in NAMES_AS_WRITTEN and _is_acronym(word):
            # as written, with a capital (NATO, Nato, the plural NGOs), not by its lemma:
            # VW is not "view", AIDS not "aid", SAP not "sapping"
            form = fold(strip_apostrophe(unify(word), language), language)
            if is_common_word(form, language):
                return (CAPS_NAME_MARK + form,)
            return (NAME_MARK + form, NAME_MARK + form + "s")
        if language in NAMES_AS_WRITTEN and is_title(word):
            # as written only: a plural -s would also meet other names (Owens, Frances)
            name = fold(strip_apostrophe(unify(word), language), language)
            common = inflects_common_word(name)  # Jobs, Gates: plurals of common nouns
            return ((MID_NAME_MARK if common else NAME_MARK) + name,)
        return (compute_key(word, language),)
    unified = strip_apostrophe(unify(word), language)
    if len(unified) <= _SHORT:
        return (SURFACE_MARK + fold(unified, language),)
    readings = morph(language).readings(unified.lower())
    base = [r for r in readings if r.base]
    if unified.isupper():  # an acronym: itself, and its lemma when the dictionary has it
        return (SURFACE_MARK + fold(unified, language), *_lemmas(base, language))
    if is_title(unified):
        for chosen in ([r for r in base if r.name], base, [r for r in readings if r.name]):
            if chosen:
                return _lemmas(chosen, language)
        if language in NAME_LANGUAGES:
            return tuple(NAME_MARK + fold(f, language) for f in name_forms(unified, language))
    elif readings:
        return _lemmas(by_case(unified, base or readings, language), language)
    return (compute_key(word, language),)


def _is_acronym(word: str) -> bool:
    """Capitals only, two to five letters: a longer word in capitals ("DEFENCE") is taken
    for the word shouted."""
    return 1 < len(word) <= _ACRONYM and word.isalpha() and word.isupper()


def rule_feature(word: str, language: str) -> str:
    """The one feature a rule word stands for."""
    alternatives = rule_alternatives(word, language)
    if len(alternatives) == 1:
        return alternatives[0]
    return ALT_MARK + ALT_SEP.join(sorted(alternatives))


def alternatives_of(feature: str) -> tuple[str, ...]:
    """The alternatives a feature made by `rule_feature` accepts."""
    if feature.startswith(ALT_MARK):
        return tuple(feature[1:].split(ALT_SEP))
    return (feature,)


class Keyer:
    """Memoised `doc_keys` for one language: the parts of hyphenated words, which recur
    ("Russian-backed", "Russian-made"), and `word_key` (a document word's own keys are
    remembered with its entry, monitor.text.analysis)."""

    __slots__ = ("_cache", "language")

    def __init__(self, language: str) -> None:
        self.language = language
        self._cache: dict[str, tuple[str, ...]] = {}

    def __call__(self, word: str) -> tuple[str, ...]:
        keys = self._cache.get(word)
        if keys is None:
            if len(self._cache) > _CACHE_LIMIT:
                self._cache.clear()
            keys = self._cache[word] = doc_keys(word, self.language)
        return keys


_KEYERS: dict[str, Keyer] = {}


def keyer(language: str) -> Keyer:
    """The shared memoised keyer of a language."""
    k = _KEYERS.get(language)
    if k is None:
        k = _KEYERS[language] = Keyer(language)
    return k


def word_key(word: str, language: str) -> str:
    """A document word's first key, cached (its only one outside Russian and Ukrainian)."""
    return keyer(language)(word)[0]
