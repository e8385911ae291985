"""Built-in country names (CLDR, through babel) in every configured language."""

from __future__ import annotations

import re
from functools import lru_cache

import babel

_PARENS = re.compile(r"\s*\([^)]*\)")


@lru_cache(maxsize=4096)
def country_name(code: str, language: str) -> str | None:
    """The name of a country (ISO 3166 alpha-2) in a language, without parenthesised notes."""
    try:
        names = babel.Locale.parse(language).territories
    except (ValueError, babel.UnknownLocaleError):
        return None
    name = names.get(code.upper())
    if not name:
        return None
    return _PARENS.sub("", str(name)).strip() or None


def is_country(code: str) -> bool:
    """True for a known ISO 3166 alpha-2 country code (as CLDR names it in English)."""
    return len(code) == 2 and country_name(code, "en") is not None and code.isalpha()
