"""One matching key per word: the lemma when the lemmatiser knows the word, else its stem.

Documents and rule terms go through the same function, so "Китаем" in an article and
"Китай" in a rule both become "китай", while "кита" (whale) stays "кит". Never lemma OR
stem: that would merge unrelated words (francs/France).
"""

from __future__ import annotations

import unicodedata
from functools import cache

import simplemma
import Stemmer
from simplemma.strategies import DictionaryLookupStrategy

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
_CACHE_LIMIT = 300_000
_LOOKUP = DictionaryLookupStrategy()


@cache
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    name = STEMMERS.get(language)
    return Stemmer.Stemmer(name) if name else None


def _strip_apostrophe(word: str, language: str) -> str:
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
    lemma = _LOOKUP.get_lemma(unicodedata.normalize("NFC", word), language)
    if lemma is None or "'" in word or word.isnumeric():
        return lemma and str(simplemma.lemmatize(word, lang=language))
    return str(lemma)


def _lemma(word: str, language: str) -> str | None:
    if language not in LEMMA_LANGUAGES:
        return None
    if word.isupper() and len(word) > 1:
        lemma = _known(word.title(), language)
        if lemma is not None:
            return lemma
    return _known(word, language)


def compute_key(word: str, language: str) -> str:
    """The matching key of one word in a language (uncached)."""
    word = _strip_apostrophe(unify(word), language)
    lemma = _lemma(word, language)
    if lemma is not None:
        return fold(lemma, language)
    stemmer = _stemmer(language)
    folded = fold(word, language)
    return str(stemmer.stemWord(folded)) if stemmer else folded


class Keyer:
    """Memoised `compute_key` for one language (words repeat a lot across news)."""

    __slots__ = ("_cache", "language")

    def __init__(self, language: str) -> None:
        self.language = language
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        key = self._cache.get(word)
        if key is None:
            if len(self._cache) > _CACHE_LIMIT:
                self._cache.clear()
            key = self._cache[word] = compute_key(word, self.language)
        return key


_KEYERS: dict[str, Keyer] = {}


def keyer(language: str) -> Keyer:
    """The shared memoised keyer of a language."""
    k = _KEYERS.get(language)
    if k is None:
        k = _KEYERS[language] = Keyer(language)
    return k


def word_key(word: str, language: str) -> str:
    """The matching key of one word, cached."""
    return keyer(language)(word)
