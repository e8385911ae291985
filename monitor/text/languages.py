"""The languages the project can analyse, by ISO 639-1 code."""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any

# Languages for which both lemmatisation (simplemma) or stemming (Snowball) and detection
# (lingua) are available; zh and ja are matched as literal substrings (no spaces).
SUPPORTED: frozenset[str] = frozenset(
    {
        "ar", "bg", "ca", "cs", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "ga",
        "hi", "hu", "hy", "id", "it", "ja", "ka", "kk", "ko", "lt", "lv", "nl", "nb", "pl",
        "pt", "ro", "ru", "sk", "sl", "sq", "sr", "sv", "tr", "uk", "zh",
    }
)

# Detection looks at the start of the text only: enough to be accurate, cheap on long articles.
# lingua's cost grows with the length (about 0.4 µs a character, two thirds of it before any
# language model is asked), so it looks in steps: a first look at GLANCE_CHARS decides when
# lingua is all but sure (confidence GLANCE_CONFIDENCE), a second at QUICK_CHARS when it is
# fairly sure (QUICK_CONFIDENCE); otherwise the DETECTION_CHARS prefix decides.
# Before those steps, a text longer than the glance gets two cheap looks (`_agreed`): CLD2
# (compiled, ~15 times cheaper than lingua a character) must find the glance's characters
# reliably in one language, at least SCAN_SHARE percent of their bytes, and lingua's
# low-accuracy mode (trigrams only) must name the same language for the first PEEK_CHARS,
# with PEEK_CONFIDENCE. If they agree, that language is taken; else the steps decide.
# Neither look is enough alone: on the shared news corpus lingua's on 100 characters reads
# 35 English texts as French, German or Spanish (names, datelines), and CLD2 reads 3 Reuters
# tables of figures as English where lingua's steps say French. CLD2 must read the whole
# glance, and most of it must be one language, because the steps read a text's language
# from its body when the headline is in another: with an English headline over a Russian
# body or the reverse (2,000 such texts made from the corpus), CLD2 on 100 characters made
# 266 answers differ, and without SCAN_SHARE 54 did.
# On the 4,783 texts of the corpus (headline and first 1,000 characters) this gives the
# same language as the steps alone for every text, with the seven languages of the
# benchmark and with en and ru only (3 texts differ from their folder's language, as
# before), and for those 2,000 mixed texts. The two looks decide 89% of the texts longer
# than the glance (94% with en and ru), and detection takes 0.69 of the CPU of the steps
# alone (0.087 instead of 0.125 ms a text; with en and ru 0.054 instead of 0.079; in one
# process, alternating).
# Texts no longer than the glance (headlines, a sentence or two) are read by lingua whole,
# as before: there CLD2 and lingua disagree most.
DETECTION_CHARS = 1000
QUICK_CHARS = 400
QUICK_CONFIDENCE = 0.9
GLANCE_CHARS = 250
GLANCE_CONFIDENCE = 0.99
SCAN_SHARE = 80
PEEK_CHARS = 100
PEEK_CONFIDENCE = 0.99

_DETECTORS: dict[tuple[frozenset[str], bool], Any] = {}
_LOCK = threading.Lock()


def _detector(languages: frozenset[str], low_accuracy: bool = False) -> Any:
    """A lingua detector for exactly these languages, built once (`low_accuracy`: trigrams
    only, lingua's low-accuracy mode).

    Its language models are loaded on first use, those of the languages a text can be in
    only (lingua rules out the others by their letters first): a Russian text loads the
    Cyrillic languages' models (~0.03 s), an English one the Latin ones' (~0.9 s for en,
    de, fr, es), instead of every model at once (~1-3 s and ~230 MB for seven languages).
    The same models decide, so the answers are the same.
    """
    key = (languages, low_accuracy)
    det = _DETECTORS.get(key)
    if det is None:
        with _LOCK:
            det = _DETECTORS.get(key)
            if det is None:
                from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

                langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper()))
                         for c in sorted(languages)]
                builder = LanguageDetectorBuilder.from_languages(*langs)
                if low_accuracy:
                    builder = builder.with_low_accuracy_mode()
                det = _DETECTORS[key] = builder.build()
    return det


def _agreed(text: str, languages: frozenset[str]) -> str | None:
    """The language of `text` when CLD2 and a short low-accuracy look of lingua agree on it
    (see above), None when they do not."""
    pycld2 = _cld2()
    try:
        reliable, _, found = pycld2.detect(text[:GLANCE_CHARS], isPlainText=True)
    except (pycld2.error, UnicodeEncodeError):  # CLD2 refuses NUL and non-characters
        return None
    _, code, share, _ = found[0]
    if not reliable or share < SCAN_SHARE or code not in languages:
        return None
    values = _detector(languages, low_accuracy=True).compute_language_confidence_values(
        text[:PEEK_CHARS])
    if values and values[0].value >= PEEK_CONFIDENCE and _code(values[0].language) == code:
        return str(code)
    return None


@functools.cache
def _cld2() -> Any:
    """The pycld2 module, imported on first use (commands that detect nothing never load it)."""
    import pycld2

    return pycld2


def _code(language: Any) -> str:
    return str(language.iso_code_639_1.name.lower())


def detect_language(text: str, languages: Sequence[str]) -> str:
    """The most likely of `languages` for `text` (the first one when nothing can be told).

    Raises ValueError for an unsupported language code.
    """
    if not languages:
        raise ValueError("no languages configured")
    unknown = [code for code in languages if code not in SUPPORTED]
    if unknown:
        raise ValueError(f"unsupported language(s): {', '.join(unknown)}")
    if len(languages) == 1:
        return languages[0]
    allowed = frozenset(languages)
    if len(text) > GLANCE_CHARS and (agreed := _agreed(text, allowed)) is not None:
        return agreed
    detector = _detector(allowed)
    for chars, confidence in ((GLANCE_CHARS, GLANCE_CONFIDENCE), (QUICK_CHARS, QUICK_CONFIDENCE)):
        if len(text) > chars:
            values = detector.compute_language_confidence_values(text[:chars])
            if values and values[0].value >= confidence:
                return _code(values[0].language)
    result = detector.detect_language_of(text[:DETECTION_CHARS])
    if result is None:
        return languages[0]
    return _code(result)
