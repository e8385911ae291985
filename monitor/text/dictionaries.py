"""simplemma's dictionaries, decoded once and kept as tries in the cache folder.

simplemma ships each language's dictionary compressed, and its default factory decodes a
whole one into a dict the first time any word of the language is looked up: the Russian
one has 1.36 million entries (about 2 s and 150 MB), decoded even for a number or a Latin
name in a Russian text, which pymorphy3 leaves to it. With a cache folder, a dictionary is
decoded once and saved as a MARISA trie (simplemma's own TrieDictionaryFactory, with
marisa-trie); later processes load it in about 0.01 s and 10-25 MB. The trie holds the
same entries, so every word gets the same lemma. Small dictionaries (under LARGE bytes
compressed: English, French, Spanish...) decode in a few tenths of a second, less than
building their trie would cost the first process: they stay in memory, as before.

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
from simplemma.strategies.dictionaries.dictionary_factory import (
    DATA_FOLDER,
    MappingStrToByteString,
    _load_dictionary_from_disk,
)
from simplemma.strategies.dictionaries.trie_dictionary_factory import TrieDictionaryFactory

# compressed size from which a dictionary is kept as a trie: ru (700 KB, 1.36 million
# entries, 2.2 s to decode), de, pl, tr, fi...; en (250 KB) decodes in 0.27 s, and building
# its trie takes 0.75 s
LARGE = 500_000


class KeptTries(TrieDictionaryFactory):
    """simplemma's trie factory, writing each trie atomically into `folder`."""

    def __init__(self, folder: Path) -> None:
        super().__init__(disk_cache_dir=str(folder / "simplemma" / SIMPLEMMA_VERSION))

    def _get_dictionary_uncached(self, lang: str) -> Any:
        data = DATA_FOLDER / f"{lang}.plzma"
        if data.is_file() and data.stat().st_size < LARGE:
            return MappingStrToByteString(_load_dictionary_from_disk(lang))
        return super()._get_dictionary_uncached(lang)

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
