"""The compiled rule set, kept in the cache folder between runs (monitor.cache).

Compiling rules keys every term in each language it meets, which loads that language's
dictionaries, and verifying the examples detects their language: seconds, each time a
command or the daemon starts. The compiled set (with the prefilters built so far, the
examples' outcome and `monitor check`'s warnings) is stored under a key made of everything
it depends on: the rule files' paths and contents, the languages, notifiers and sources of
config.yaml, this program's code and version, the versions of the dictionaries, and the
Python version. Any change to one of them makes a new entry; invalid rules are never kept.
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

from monitor import __version__
from monitor.cache import Cache
from monitor.errors import RuleError
from monitor.matching.files import rule_files
from monitor.matching.loader import load_rules
from monitor.matching.ruleset import RuleSet, quiet_gc, settle
from monitor.text.lemma import keep_dictionaries

# the code a compiled set is made by, and the data it reads, besides the rule files
_CODE = ("matching/*.py", "text/*.py", "models.py", "errors.py")
_DATA = ("simplemma", "pymorphy3", "pymorphy3_dicts_ru", "pymorphy3_dicts_uk", "lemminflect",
         "pystemmer", "lingua_language_detector", "sentencex", "marisa_trie")


@dataclass(frozen=True, kw_only=True)
class Compiled:
    """A cache entry: the rule set, whether its examples were verified, its warnings."""

    rules: RuleSet
    examples_checked: bool
    warnings: tuple[RuleError, ...]


@dataclass(kw_only=True)
class _Kept:
    cache: Cache
    name: str
    key: str
    entry: Compiled
    prepared: tuple[str, ...]


_last: list[_Kept] = []  # where the last rule set read or made is kept (`keep_prepared`)


def load_cached(
    paths: Sequence[Path],
    *,
    folder: Path | None,
    languages: Sequence[str],
    notifiers: Collection[str] | None = None,
    sources: Collection[str] | None = None,
    check_examples: bool = True,
    warnings: list[RuleError] | None = None,
) -> RuleSet:
    """`load_rules` with the result kept in `folder` (no cache when None): the same rule
    set, errors and warnings, read back when nothing it depends on changed."""
    load = partial(load_rules, paths, languages=languages, notifiers=notifiers,
                   sources=sources, check_examples=check_examples)
    if folder is None:
        return load(warnings=warnings)
    try:
        files = [f for p in paths for f in rule_files(p)]
        key = _key(files, languages, notifiers, sources)
    except (OSError, RuleError):  # load_rules says what is wrong with them
        return load(warnings=warnings)
    keep_dictionaries(folder / "dictionaries")
    cache = Cache(folder)
    name = "rules-" + _digest(*(str(f.resolve()) for f in files))[:16]
    with quiet_gc():
        entry = cache.get(name, key)
    if not isinstance(entry, Compiled) or (check_examples and not entry.examples_checked):
        found: list[RuleError] = []
        rules = load(warnings=found)
        entry = Compiled(rules=rules, examples_checked=check_examples, warnings=tuple(found))
        cache.put(name, key, entry)
    else:
        settle(len(entry.rules))
    if warnings is not None:
        warnings.extend(entry.warnings)
    _last[:] = [_Kept(cache=cache, name=name, key=key, entry=entry,
                      prepared=entry.rules.prepared)]
    return entry.rules


def keep_prepared(rules: RuleSet) -> None:
    """Write the entry of `rules` again if prefilters were built since it was read (the
    languages documents came in), so the next run finds them built."""
    kept = next((k for k in _last if k.entry.rules is rules), None)
    if kept is None or set(rules.prepared) <= set(kept.prepared):
        return
    kept.prepared = rules.prepared
    kept.cache.put(kept.name, kept.key, kept.entry)


def _key(
    files: Sequence[Path], languages: Sequence[str], notifiers: Collection[str] | None,
    sources: Collection[str] | None,
) -> str:
    parts = [_program(), repr(list(languages)),
             repr(None if notifiers is None else sorted(notifiers)),
             repr(None if sources is None else sorted(sources))]
    for f in files:
        parts += [str(f.resolve()), _digest_bytes(f.read_bytes())]
    return _digest(*parts)


@cache
def _program() -> str:
    """This program's version and code, the dictionaries' versions, the Python version."""
    root = Path(__file__).resolve().parent.parent
    code = hashlib.sha256()
    for pattern in _CODE:
        for path in sorted(root.glob(pattern)):
            code.update(path.read_bytes())
    return _digest(__version__, code.hexdigest(), *_installed(), sys.version,
                   platform.python_implementation())


def _installed() -> list[str]:
    """The names (with versions) of the installed distributions of the data packages:
    one look at each folder of sys.path, not a metadata lookup per package."""
    found: list[str] = []
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        found += sorted(n for n in names if n.endswith(".dist-info")
                        and n.split("-")[0].lower() in _DATA)
    return found


def _digest(*parts: str) -> str:
    return _digest_bytes("\0".join(parts).encode())


def _digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
