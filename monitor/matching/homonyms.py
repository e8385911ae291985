"""Russian terms with a form that is more often another word ("сталь": "стали", became).

The monitor matches every inflected form of a term, so a form that is also a form of a verb
or a function word matches that word too: "сталь" (steel) finds "они стали" (they became).
pymorphy3's dictionary says which readings a form has and how often each is seen in its
corpus; a form is flagged when readings of such other words make up at least half of that.
Two nouns sharing a form ("выбор", "выборы") are not flagged: too many do.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from monitor.text.morph import morph_analyzer

OTHER_SHARE = 0.5
_KINDS = {"NOUN", "ADJF"}  # the terms looked at: nouns and adjectives, one word each
# the other words that count: verbs, short adjectives and participles, adverbs, function words
_OTHER = {"VERB", "INFN", "ADJS", "PRTS", "ADVB", "PRED", "COMP", "CONJ", "PRCL", "PREP", "NPRO"}


def _dictionary(parse: Any) -> bool:
    return type(parse.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"


@cache
def other_words(term: str) -> tuple[tuple[str, str], ...]:
    """(form, other word) for each form of a one-word Russian term that is more often a form
    of another word; () for phrases, names and words the dictionary does not know."""
    word = term.lower()
    if not word.isalpha() or term[:1].isupper():
        return ()
    analyzer = morph_analyzer("ru")  # loaded here: only Russian terms pay for it
    own = [p for p in analyzer.parse(word) if p.tag.POS in _KINDS and _dictionary(p)]
    if not own:
        return ()
    lemma = own[0].normal_form
    out: dict[str, str] = {}
    for form in own[0].lexeme:
        readings = [p for p in analyzer.parse(form.word) if _dictionary(p)]
        if not any(p.normal_form == lemma for p in readings):
            continue  # a form the dictionary does not list for this word
        others = [p for p in readings if p.normal_form != lemma and p.tag.POS in _OTHER
                  and analyzer.word_is_known(p.normal_form)]
        total = sum(p.score for p in readings)
        if others and total and sum(p.score for p in others) / total >= OTHER_SHARE:
            best = max(others, key=lambda p: p.score)
            out.setdefault(form.word, best.normal_form)
    return tuple(out.items())
