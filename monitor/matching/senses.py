"""English words with a second sense common in the news, found behind false alerts.

Each word here brought alerts off the subject of a judged rule because it is also used in
another sense (benchmarks/data: the relevance sets and the notes on how their rules were
revised): a strikes topic's "strikers" matched footballers (14 of 27 matches of a strikes
rule on 4,784 articles), "try" matched "trying" and "tried" (every inflected form of a term
matches), "campaign" advertising campaigns, "poll" the polls of music magazines and awards,
"judge" the judges of prizes, "trial" drug trials, "court" a tennis court, "lock" and "prop"
a door and a prop, "pound" and "sterling" any sum of money and the money supply.
The list is keyed by the word's matching key, so every form of it is caught ("strikers",
"striker's"). `monitor check` warns about a one-word English term found here; a phrase
("on strike", "opinion poll") is not a word of the list.
"""

from __future__ import annotations

from functools import cache

# the word (its dictionary form) -> the other sense, in a few words
SECOND_SENSES = {
    "striker": "a football forward",
    "try": "the verb: trying, tried",
    "campaign": "advertising and other campaigns",
    "poll": "polls of magazines, awards and viewers",
    "voter": "the voters of an award",
    "judge": "the judges of a prize or a show",
    "trial": "trials of drugs and products, sports trials",
    "court": "a tennis court",
    "lock": "a lock and to lock",
    "prop": "to prop up",
    "pound": "any sum in pounds, and a weight",
    "sterling": "sterling work, sterling M3 (the money supply)",
}


@cache
def _keys() -> dict[str, tuple[str, str]]:
    from monitor.text.lemma import compute_key

    return {compute_key(word, "en"): (word, sense) for word, sense in SECOND_SENSES.items()}


def second_sense(term: str) -> tuple[str, str] | None:
    """(word, its other sense) when a one-word English term is a form of a word of the list;
    None for phrases, names (capitalised) and other words."""
    if not term.isascii() or " " in term.strip() or term[:1].isupper():
        return None
    from monitor.text.lemma import compute_key

    return _keys().get(compute_key(term.strip(), "en"))
