"""Bytes -> text for article files: BOMs, UTF-8, and legacy encodings guessed within limits.

Unrestricted detection is unreliable on short texts (a 63-byte KOI8-R headline came out as
garbage), so the legacy code pages tried are only those used for the configured languages,
and the detector's candidates are re-ranked by how plausible the decoded words look.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable, Sequence

from charset_normalizer import from_bytes

# Legacy (non-Unicode) encodings by language, most common first.
_CYRILLIC = ("cp1251", "koi8_r", "koi8_u", "iso8859_5", "cp866", "mac_cyrillic")
_WESTERN = ("cp1252", "iso8859_15", "iso8859_1")
_CENTRAL = ("cp1250", "iso8859_2")
_BALTIC = ("cp1257", "iso8859_13", "iso8859_4")
LEGACY_ENCODINGS: dict[str, tuple[str, ...]] = {
    **{lang: _CYRILLIC for lang in ("ru", "uk", "bg", "sr", "kk", "be", "mk")},
    **{lang: _WESTERN for lang in ("en", "de", "fr", "es", "it", "pt", "nl", "ca", "da",
                                   "sv", "nb", "fi", "ga", "id", "sq", "et")},
    **{lang: _CENTRAL for lang in ("pl", "cs", "sk", "sl", "hu", "ro", "hr")},
    **{lang: _BALTIC for lang in ("lt", "lv")},
    "el": ("cp1253", "iso8859_7"),
    "tr": ("cp1254", "iso8859_9"),
    "ar": ("cp1256", "iso8859_6"),
    "fa": ("cp1256",),
    "zh": ("gb18030", "big5"),
    "ja": ("shift_jis", "euc_jp", "iso2022_jp"),
    "ko": ("euc_kr",),
    "hy": (),
    "ka": (),
    "hi": (),
}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WORD = re.compile(r"[^\W\d_]+")
_SAMPLE = 4096  # characters scored per candidate


class NotText(ValueError):
    """The bytes are binary or in no encoding we could recognise."""


def candidate_encodings(languages: Iterable[str]) -> list[str]:
    """The legacy encodings worth trying for documents in these languages (Western by default)."""
    out: list[str] = []
    for lang in languages:
        for enc in LEGACY_ENCODINGS.get(lang.split("-")[0].lower(), ()):
            if enc not in out:
                out.append(enc)
    return out or list(_WESTERN)


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KB (BOM-less UTF-16 counts too)."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > max(8, len(head) // 100)


def decode_bytes(data: bytes, languages: Sequence[str] = ()) -> tuple[str, str]:
    """Decode a text file to (text, encoding); NotText for binary or undecodable data."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise NotText(f"invalid {encoding} after a byte-order mark") from exc
    if looks_binary(data):
        raise NotText("binary content")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _guess(data, candidate_encodings(languages))


def _guess(data: bytes, candidates: list[str]) -> tuple[str, str]:
    results = list(from_bytes(data, cp_isolation=candidates))
    if not results:
        raise NotText(f"not UTF-8 and not in any of {', '.join(candidates)}")
    best = max(results, key=lambda m: (round(plausibility(str(m)[:_SAMPLE]), 2), -m.chaos))
    return str(best), best.encoding


def plausibility(text: str) -> float:
    """Share of words with a normal letter case (lower, UPPER, Title) and a single script.

    A text decoded with the wrong Cyrillic code page has mixed-case words ("ЅЮТЮбвШ"),
    and a wrong multi-byte guess mixes scripts within a word.
    """
    words = _WORD.findall(text)
    if not words:
        return 0.0
    good = sum(1 for w in words if _normal_case(w) and _one_script(w))
    return good / len(words)


def _normal_case(word: str) -> bool:
    return word.islower() or word.isupper() or word.istitle() or not word.isalpha()


def _one_script(word: str) -> bool:
    scripts = set()
    for ch in word[:12]:
        name = unicodedata.name(ch, "")
        scripts.add(name.split(" ", 1)[0])
    return len(scripts) <= 1
