"""The languages the project can analyse, by ISO 639-1 code."""

from __future__ import annotations

# Languages for which both lemmatisation (simplemma) or stemming (Snowball) and detection
# (lingua) are available; zh and ja are matched as literal substrings (no spaces).
SUPPORTED: frozenset[str] = frozenset(
    {
        "ar", "bg", "ca", "cs", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "ga",
        "hi", "hu", "hy", "id", "it", "ja", "ka", "kk", "ko", "lt", "lv", "nl", "nb", "pl",
        "pt", "ro", "ru", "sk", "sl", "sq", "sr", "sv", "tr", "uk", "zh",
    }
)
