"""One matching key per word: the lemma when the lemmatiser knows the word, else its stem.

Documents and rule terms go through the same function, so "Китаем" in an article and
"Китай" in a rule both become "китай", while "кита" (whale) stays "кит". Never lemma OR
stem: that would merge unrelated words (francs/France).
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import simplemma
import Stemmer
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy

from monitor.text.english import all_lemmas  # lemminflect's table, read as needed
from monitor.text.normalize import fold, unify

LEMMA_LANGUAGES: frozenset[str] = frozenset(
    {
        "ar", "bg", "ca", "cs", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "ga",
        "hi", "hu", "hy", "id", "it", "ka", "lt", "lv", "nb", "nl", "pl", "pt", "ro", "ru",
        "sk", "sl", "sq", "sv", "tr", "uk",
    }
)
STEMMERS: dict[str, str] = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german",
    "el": "greek", "en": "english", "es": "spanish", "et": "estonian", "fa": "persian",
    "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian",
    "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian", "nb": "norwegian",
    "nl": "dutch", "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sr": "serbian", "sv": "swedish", "tr": "turkish",
}
ELISION_LANGUAGES = frozenset({"fr", "it", "ca"})
# languages where text routinely drops accents, and the accented letters to try for each
_ACUTE = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú"}
ACCENTS_DROPPED: dict[str, dict[str, str]] = {
    "fr": {"a": "àâ", "e": "éèê", "i": "îï", "o": "ô", "u": "ùû", "c": "ç"},
    "es": {**_ACUTE, "u": "úü", "n": "ñ"},
    "pt": {**_ACUTE, "a": "ãáâà", "o": "õóô", "e": "éê", "c": "ç"},
    "it": {"a": "à", "e": "èé", "i": "ì", "o": "ò", "u": "ù"},
    "ca": {"a": "à", "e": "èé", "i": "í", "o": "òó", "u": "ú", "c": "ç"},
}


class _Dictionaries:
    """simplemma's lookups, through the process's dictionary factory: its default one
    (each dictionary decoded in memory), or tries kept in the cache folder."""

    def __init__(self) -> None:
        self.lookup = DictionaryLookupStrategy()
        self.lemmatize: Any = simplemma.lemmatize
        self.folder: Path | None = None


_DICTS = _Dictionaries()


def keep_dictionaries(folder: Path) -> None:
    """From now on, read simplemma's dictionaries from tries kept in `folder`, made there
    the first time (monitor.text.dictionaries). The first folder a process is given stays
    its folder: the dictionaries already loaded stay in use."""
    if _DICTS.folder is not None:
        return
    from monitor.text.dictionaries import KeptTries

    factory = KeptTries(folder)
    _DICTS.folder = folder
    _DICTS.lookup = DictionaryLookupStrategy(factory)
    _DICTS.lemmatize = simplemma.Lemmatizer(
        lemmatization_strategy=DefaultStrategy(dictionary_factory=factory)).lemmatize


@cache
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    name = STEMMERS.get(language)
    if not name:
        return None
    stemmer = Stemmer.Stemmer(name)
    # its cache of stems would only miss (a word is stemmed once: the callers remember
    # what they keyed), and a miss costs twice the stemming itself (0.75 against 0.25 µs)
    stemmer.maxCacheSize = 0
    return stemmer


def strip_apostrophe(word: str, language: str) -> str:
    if "'" not in word:
        return word
    if language == "en":
        head, _, tail = word.rpartition("'")
        if tail in ("s", "S", ""):
            return head  # China's -> China, the states' -> states
    elif language in ELISION_LANGUAGES:
        head, _, tail = word.partition("'")
        if len(head) <= 7 and tail:
            return tail  # l'armée -> armée, qu'il -> il
    return word


def _known(word: str, language: str) -> str | None:
    """The lemma of a word the dictionary knows, else None.

    For a known word, simplemma's `lemmatize` returns the dictionary's lemma, so one lookup
    does what `is_known` then `lemmatize` would; words with an apostrophe or made of digits
    take that longer way, where `lemmatize` has rules of its own.
    """
    lemma = _DICTS.lookup.get_lemma(unicodedata.normalize("NFC", word), language)
    if lemma is None or "'" in word or word.isnumeric():
        return lemma and str(_DICTS.lemmatize(word, language))
    return str(lemma)


def _lemma(word: str, language: str) -> str | None:
    if language not in LEMMA_LANGUAGES:
        return None
    if word.isupper() and len(word) > 1:
        lemma = _known(word.title(), language)
        if lemma is not None:
            return lemma
    return _known(word, language)


def _accented(word: str, language: str) -> str | None:
    """The lemma of a word written without its accent ("cooperation" for "coopération"):
    the dictionary is asked for the word with one accented letter, left to right."""
    letters = ACCENTS_DROPPED[language]
    lower = word.lower()
    tries = [lower]
    if language == "pt" and "ca" in lower:  # cooperacao, cooperacoes: -ção, -ções
        tries.append(lower.replace("cao", "ção").replace("coes", "ções"))
    for candidate in tries:
        for i, c in enumerate(candidate):
            for accented in letters.get(c, ""):
                lemma = _DICTS.lookup.get_lemma(
                    candidate[:i] + accented + candidate[i + 1 :], language)
                if lemma is not None:
                    return str(lemma)
        lemma = _DICTS.lookup.get_lemma(candidate, language) if candidate != lower else None
        if lemma is not None:
            return str(lemma)
    return None


def plural_singulars(word: str) -> tuple[str, ...]:
    """The singulars of an English plural the lemmatiser keeps as its own lemma ("sales",
    "arms"), as keys; () for a word that is no such plural ("news")."""
    nouns = all_lemmas(word, upos="NOUN").get("NOUN", ())
    return tuple(compute_key(n, "en") for n in nouns if n != word)


def is_common_word(word: str, language: str) -> bool:
    """Whether a lower-case word is in the language's dictionary ("it", "aids"; not "nato")."""
    return _lemma(word, language) is not None


def inflects_common_word(word: str) -> bool:
    """Whether an English word (lower case) is an inflected form of a common word: "jobs"
    (job), "gates" (gate); not "brown", "china" or "howard"."""
    return any(lemma != word for lemmas in all_lemmas(word).values() for lemma in lemmas)


def compute_key(word: str, language: str) -> str:
    """The matching key of one word in a language (uncached)."""
    word = strip_apostrophe(unify(word), language)
    lemma = _lemma(word, language)
    if lemma is None and language in ACCENTS_DROPPED and word.isascii():
        lemma = _accented(word, language)
    if lemma is not None:
        return fold(lemma, language)
    stemmer = _stemmer(language)
    folded = fold(word, language)
    return str(stemmer.stemWord(folded)) if stemmer else folded
