"""simplemma's dictionaries, decoded once and kept as tries in the cache folder.

simplemma ships each language's dictionary compressed, and its default factory decodes a
whole one into a dict the first time any word of the language is looked up: the Russian
one has 1.36 million entries (about 2 s and 150 MB), decoded even for a number or a Latin
name in a Russian text, which pymorphy3 leaves to it. With a cache folder, a dictionary is
decoded once and saved as a MARISA trie (simplemma's own TrieDictionaryFactory, with
marisa-trie); later processes load it in about 0.01 s and 10-25 MB. The trie holds the
same entries, so every word gets the same lemma.

A trie is written to a temporary file and renamed into place, so processes building the
same language at once cannot leave a partial file; a file that does not load is rebuilt
(by simplemma). They are not pickles: nothing in them is executed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from simplemma.__metadata__ import __version__ as SIMPLEMMA_VERSION
from simplemma.strategies.dictionaries.trie_dictionary_factory import TrieDictionaryFactory


class KeptTries(TrieDictionaryFactory):
    """simplemma's trie factory, writing each trie atomically into `folder`."""

    def __init__(self, folder: Path) -> None:
        super().__init__(disk_cache_dir=str(folder / "simplemma" / SIMPLEMMA_VERSION))

    def _write_trie_to_disk(self, lang: str, trie: Any) -> None:
        folder: Path = self._cache_dir
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{lang}.", suffix=".tmp")
        os.close(fd)
        try:
            trie.save(tmp)
            os.replace(tmp, folder / f"{lang}.dic")
        finally:
            Path(tmp).unlink(missing_ok=True)
