"""Messages in the user's words: validation errors without the validator's internals,
paths written as the docs write them (`sources[1].interval`), and every "unknown X" with
the valid names and a "did you mean" when one is close.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

if TYPE_CHECKING:  # (imported where used: the commands' messages need no pydantic)
    from pydantic import BaseModel

# what a pattern of the schemas allows, in words
PATTERNS = {
    r"^[a-z0-9][a-z0-9-]*$": "lower-case letters, digits and -, starting with a letter or digit",
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$": "letters, digits, '.', '_' and '-', starting with a "
                                      "letter or digit",
}
MAX_LISTED = 16  # names listed in an "unknown X" message (a rule has 13 keys); more are counted


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`1 match`, `2 matches`: a count with its noun in the right number."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a choice is close to `word`, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_zone(name: str) -> str:
    """"unknown time zone 'Europe/Berlim' (did you mean 'Europe/Berlin'?); use ..."."""
    from zoneinfo import available_timezones

    return (f"unknown time zone {name!r}{did_you_mean(name, available_timezones())}; use a name "
            "of the IANA time zone database, e.g. UTC, Europe/Berlin")


def listing(names: Collection[str]) -> str:
    """'a, b, c' (sorted), or the first MAX_LISTED and how many more."""
    ordered = sorted(names)
    if not ordered:
        return "none"
    shown = ", ".join(ordered[:MAX_LISTED])
    rest = len(ordered) - MAX_LISTED
    return f"{shown} and {rest} more" if rest > 0 else shown


def unknown(noun: str, value: str, known: Collection[str], where: str = "") -> str:
    """"unknown notifier 'emial' (did you mean 'email'?); the notifiers are: atom, email"."""
    plural = noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"
    place = f" {where}" if where else ""
    return (f"unknown {noun} {value!r}{did_you_mean(value, known)}; the {plural}{place} are: "
            f"{listing(known)}")


def dotted(loc: Sequence[str | int]) -> str:
    """A validation path as the docs write it: ('sources', 1, 'interval') -> sources[1].interval."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _members(annotation: Any) -> list[Any]:
    """The types an annotation may hold: Optional, unions and Annotated unwrapped."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [m for a in get_args(annotation) for m in _members(a)]
    return [annotation]


def _tags(model: type[BaseModel]) -> tuple[Any, ...]:
    field = model.model_fields.get("type")
    return get_args(field.annotation) if field and get_origin(field.annotation) is Literal else ()


def _step(annotation: Any, part: str | int) -> list[Any]:
    from pydantic import BaseModel

    out: list[Any] = []
    for member in _members(annotation):
        origin = get_origin(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            if isinstance(part, str) and part in member.model_fields:
                out.append(member.model_fields[part].annotation)
            elif isinstance(part, str) and (part in _tags(member) or part == member.__name__):
                out.append(member)
        elif origin in (list, tuple) and isinstance(part, int):
            out.extend(get_args(member)[:1])
        elif origin is dict and isinstance(part, str):
            out.extend(get_args(member)[1:2])
    return out


def keys_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The keys allowed in the mapping at `loc` (the path of a key found there) in `model`."""
    from pydantic import BaseModel

    current: list[Any] = [model]
    for part in loc:
        current = [a for c in current for a in _step(c, part)]
    keys: set[str] = set()
    for c in current:
        for member in _members(c):
            if isinstance(member, type) and issubclass(member, BaseModel):
                keys.update(f.alias or name for name, f in member.model_fields.items())
    return sorted(keys)


_ARM = re.compile(r"(str|int|float|bool|list\[.*\]|dict\[.*\]|[A-Z]\w*)")


def is_arm(part: object) -> bool:
    """Whether a validation path part names a member of a union (`str`, `ExampleDoc`)
    rather than a key (keys are lower case) or an index."""
    return isinstance(part, str) and _ARM.fullmatch(part) is not None


def closest_arms(errors: Sequence[Any]) -> list[Any]:
    """The errors without those of union members the value plainly is not: for a mapping
    given where text or a mapping may be, only what is wrong in the mapping."""
    deep: set[tuple[Any, ...]] = set()  # union paths with an error inside a member
    for err in errors:
        loc = tuple(err["loc"])
        for i, part in enumerate(loc):
            if is_arm(part) and i + 1 < len(loc):
                deep.add(loc[:i])
    return [
        err for err in errors
        if not (err["loc"] and is_arm(err["loc"][-1]) and tuple(err["loc"][:-1]) in deep)
    ]


def _ctx(err: Any, key: str) -> Any:
    return (err.get("ctx") or {}).get(key)


# pydantic error types -> what to tell the user about the value at the path
_PHRASES = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number, not {value!r}",
    "int_from_float": "must be a whole number, not {value!r}",
    "float_type": "must be a number",
    "float_parsing": "must be a number, not {value!r}",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false, not {value!r}",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of keys",
    "model_type": "must be a mapping of keys",
    "model_attributes_type": "must be a mapping of keys",
    "url_parsing": "must be a URL, not {value!r}",
    "string_too_long": "is too long (at most {max_length} characters)",
    "greater_than_equal": "must be at least {ge}, not {value!r}",
    "greater_than": "must be more than {gt}, not {value!r}",
    "less_than_equal": "must be at most {le}, not {value!r}",
    "less_than": "must be less than {lt}, not {value!r}",
    "union_tag_not_found": "needs a type: (it says what kind of item this is)",
}


def friendly(err: Any, loc: Sequence[str | int]) -> str:
    """One pydantic error (a dict from `ValidationError.errors()`) in the user's words;
    `loc` is its path without pydantic's union tags."""
    kind = err["type"]
    value = err.get("input")
    path = dotted(loc) or "the file"
    if kind == "missing":
        parent = dotted(loc[:-1])
        return f"{parent + ': ' if parent else ''}the key {str(loc[-1])!r} is required"
    if kind in _PHRASES:
        given = err.get("ctx") or {}
        ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in given.items()}
        return f"{path}: " + _PHRASES[kind].format(value=value, **ctx)
    if kind == "string_pattern_mismatch":
        allowed = PATTERNS.get(str(_ctx(err, "pattern")), "the characters allowed here")
        return f"{path}: {value!r} is not valid: use {allowed}"
    if kind == "literal_error":
        expected = str(_ctx(err, "expected") or "").replace(" or ", ", ")
        names = [x.strip(" '") for x in expected.split(",") if x.strip(" '")]
        return (f"{path}: {str(value)!r} is not one of the choices"
                f"{did_you_mean(str(value), names)}; use one of: {listing(names)}")
    if kind == "union_tag_invalid":
        tags = [t.strip(" '") for t in str(_ctx(err, "expected_tags") or "").split(",")]
        section = str(loc[0]) if loc else ""
        noun = {"sources": "source type", "notifiers": "notifier type"}.get(section, "type")
        return f"{path}: " + unknown(noun, str(_ctx(err, "tag")), tags)
    message = str(err.get("msg", ""))
    for internal in ("Value error, ", "Assertion failed, "):
        message = message.replace(internal, "")
    return f"{path}: {message}"
