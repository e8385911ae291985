"""English lemmas read from lemminflect's table answer as lemminflect itself does."""

from __future__ import annotations

from lemminflect import getAllLemmas

from monitor.text.english import _overrides, _table, all_lemmas
from monitor.text.lemma import inflects_common_word, plural_singulars


def test_every_word_of_the_table_has_lemminflects_lemmas() -> None:
    words = sorted({line.partition(b"\0")[0].decode() for line in _table()} | set(_overrides()))
    assert len(words) > 70_000
    differ = [w for w in words if all_lemmas(w) != getAllLemmas(w)]
    assert not differ


def test_capitals_unknown_words_and_overrides_as_lemminflect() -> None:
    words = [line.partition(b"\0")[0].decode() for line in _table()][::25]
    words += ["Arms", "ARMS", "Sales", "Jobs", "GATES", "US", "It", "everyone", "zzzq", "",
              "états", "o'clock", "'d", "Fish"]
    for word in words:
        for upos in (None, "NOUN"):
            assert all_lemmas(word, upos) == getAllLemmas(word, upos=upos), (word, upos)


def test_what_the_keys_ask() -> None:
    assert plural_singulars("arms") == ("arm",)
    assert plural_singulars("news") == ()
    assert inflects_common_word("jobs") and inflects_common_word("gates")
    assert not inflects_common_word("china") and not inflects_common_word("brown")
