"""simplemma's dictionaries, decoded once and kept as tries in the cache folder.

simplemma ships each language's dictionary compressed, and its default factory decodes a
whole one into a dict the first time any word of the language is looked up: the Russian
one has 1.36 million entries (about 2 s and 150 MB), decoded even for a number or a Latin
name in a Russian text, which pymorphy3 leaves to it. With a cache folder, a large
dictionary (LARGE bytes compressed or more: ru, de, pl, tr, fi...) is kept as a MARISA
trie (simplemma's own TrieDictionaryFactory, with marisa-trie) that later processes load
in about 0.01 s and 10-25 MB. The trie holds the same entries: every word gets the same
lemma. Small dictionaries (English: 0.27 s) stay in memory, as before.

Building a trie costs more than decoding (Russian: ~4 s more), so a process that finds no
trie decodes the dictionary as before and leaves the building to a background process at
the lowest priority (`python -m monitor.text.dictionaries FOLDER LANG`): the command or
the first alert waits no longer than without the cache, and the next process finds it.
A trie is written to a temporary file and renamed into place, so builders racing each
other cannot leave a partial file; a file that does not load is rebuilt (by simplemma).
Tries are not pickles: nothing in them is executed.
"""

from __future__ import annotations

import os
import subprocess
import sys
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
    """simplemma's trie factory for the large dictionaries, the tries in `folder`: one
    that is there is loaded; one that is not is built in the background (`build=False`)
    or here (`build=True`, what the background process does)."""

    def __init__(self, folder: Path, *, build: bool = False) -> None:
        self.folder = folder
        self.build = build
        super().__init__(disk_cache_dir=str(folder / "simplemma" / SIMPLEMMA_VERSION))

    def _get_dictionary_uncached(self, lang: str) -> Any:
        data = DATA_FOLDER / f"{lang}.plzma"
        small = data.is_file() and data.stat().st_size < LARGE
        if small or not (self.build or (self._cache_dir / f"{lang}.dic").is_file()):
            if not small:
                build_in_background(self.folder, lang)
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


def build_in_background(folder: Path, lang: str) -> None:
    """Start building the trie of `lang` in `folder` in a process of its own, which
    outlives this one if need be (a failure there only means no trie next time)."""
    subprocess.Popen(
        [sys.executable, "-m", "monitor.text.dictionaries", str(folder), lang],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def main(argv: list[str]) -> None:
    """Build the trie of one language: `python -m monitor.text.dictionaries FOLDER LANG`."""
    os.nice(19)  # after whatever the machine is doing
    folder, lang = argv
    KeptTries(Path(folder), build=True).get_dictionary(lang)


if __name__ == "__main__":
    main(sys.argv[1:])
