"""The case forms of a name no dictionary knows, from the language's nominal endings.

A surname such as Пашинян, Токаев or Мирзиёев is declined as a whole word: the endings of
its paradigm (chosen by how the name ends) are added to it, and a document word matches
when it is one of these forms, written with a capital. Nothing is cut off the name but a
final vowel or soft sign the paradigm replaces, so Алиев never reaches "Аля", and a name
ending in -о, -у, -и or -ых (Кастро, Шойгу, Черных) is indeclinable in Russian.
"""

from __future__ import annotations

# (ending of the name, how much of it the forms replace, the endings of the forms)
Paradigm = tuple[str, int, tuple[str, ...]]

_RU_SURNAME = ("", "а", "у", "ым", "ом", "е", "ой", "ы", "ых", "ыми")
_RU_CONSONANT = ("", "а", "у", "ом", "ем", "е", "ы", "и", "ов", "ев", "ам", "ами", "ах", "ей")
_RU: tuple[Paradigm, ...] = (
    ("ских", 0, ("",)), ("ых", 0, ("",)), ("их", 0, ("",)),
    ("ский", 2, ("ий", "ого", "ому", "им", "ом", "ая", "ой", "ую", "ие", "их", "ими")),
    ("цкий", 2, ("ий", "ого", "ому", "им", "ом", "ая", "ой", "ую", "ие", "их", "ими")),
    ("ская", 2, ("ая", "ой", "ую", "ий", "ого", "ому", "им", "ом", "ие", "их", "ими")),
    ("цкая", 2, ("ая", "ой", "ую", "ий", "ого", "ому", "им", "ом", "ие", "их", "ими")),
    ("ова", 1, _RU_SURNAME), ("ева", 1, _RU_SURNAME), ("ёва", 1, _RU_SURNAME),
    ("ина", 1, _RU_SURNAME), ("ына", 1, _RU_SURNAME),
    ("ов", 0, _RU_SURNAME), ("ев", 0, _RU_SURNAME), ("ёв", 0, _RU_SURNAME),
    ("ин", 0, _RU_SURNAME), ("ын", 0, _RU_SURNAME),
    ("ий", 1, ("й", "я", "ю", "ем", "е", "и", "ев", "ям", "ями", "ях")),
    ("й", 1, ("й", "я", "ю", "ем", "е", "и", "ев", "ям", "ями", "ях")),
    ("ь", 1, ("ь", "я", "ю", "ем", "ём", "е", "и", "ей", "ям", "ями", "ях")),
    ("а", 1, ("а", "ы", "и", "е", "у", "ой", "ей", "ою")),
    ("я", 1, ("я", "и", "е", "ю", "ей", "ёй")),
)
_RU_VOWELS = "оеиуюэыё"

_UK_SURNAME = ("", "а", "у", "ові", "им", "ім", "і", "ої", "ою", "ій", "и", "их", "ими")
_UK_CONSONANT = ("", "а", "у", "ові", "ом", "ем", "е", "і", "и", "ів", "ам", "ами", "ах")
_UK: tuple[Paradigm, ...] = (
    ("ський", 2, ("ий", "ого", "ому", "им", "ім", "а", "ої", "ій", "у", "ою", "і", "их", "ими")),
    ("цький", 2, ("ий", "ого", "ому", "им", "ім", "а", "ої", "ій", "у", "ою", "і", "их", "ими")),
    ("ська", 1, ("а", "ої", "ій", "у", "ою", "ий", "ого", "ому", "им", "ім", "і", "их", "ими")),
    ("цька", 1, ("а", "ої", "ій", "у", "ою", "ий", "ого", "ому", "им", "ім", "і", "их", "ими")),
    ("ова", 1, _UK_SURNAME), ("ева", 1, _UK_SURNAME), ("іна", 1, _UK_SURNAME),
    ("ов", 0, _UK_SURNAME), ("ев", 0, _UK_SURNAME), ("єв", 0, _UK_SURNAME),
    ("ін", 0, (*_UK_SURNAME, "ом")), ("ин", 0, (*_UK_SURNAME, "ом")),
    ("ко", 1, ("о", "а", "ові", "у", "ом", "і")),  # Шевченко, Шевченка, Шевченкові
    ("й", 1, ("й", "я", "ю", "єві", "єм", "ї", "їв")),
    ("ь", 1, ("ь", "я", "ю", "еві", "ем", "ю", "і", "ів")),
    ("а", 1, ("а", "и", "і", "у", "ою", "ей")),
    ("я", 1, ("я", "і", "ю", "ею", "єю")),
)
_UK_VOWELS = "оеиіуюєї"

_TABLES: dict[str, tuple[tuple[Paradigm, ...], tuple[str, ...], str]] = {
    "ru": (_RU, _RU_CONSONANT, _RU_VOWELS),
    "uk": (_UK, _UK_CONSONANT, _UK_VOWELS),
}
NAME_LANGUAGES = frozenset(_TABLES)


def name_forms(name: str, language: str) -> tuple[str, ...]:
    """The case forms (lower case) of a name in a language of NAME_LANGUAGES, the name first."""
    name = name.lower()
    table, consonant, vowels = _TABLES[language]
    for ending, cut, endings in table:
        if name.endswith(ending) and len(name) > len(ending) + 1:
            stem = name[: len(name) - cut] if cut else name
            return (name, *dict.fromkeys(stem + e for e in endings if stem + e != name))
    if not name or name[-1] in vowels:
        return (name,)  # Кастро, Шойгу: indeclinable
    return (name, *(name + e for e in consonant if e))
