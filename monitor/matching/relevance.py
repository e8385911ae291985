"""A match's relevance score in [0, 1]: how prominently the rule's subject is in the document.

The formula is part of the interface (rules' `min_score` is on its scale); changing it is a
breaking change. docs/rules.md explains it to analysts.

The rule's *parts* are the children of its query's top-level AND that must be present (or
of a top-level NEAR, SENT or PARA, or of the one such group joined by `within:`); any other
query is one part. Words are counted in the title and the body together.

    prominence    the weakest part's: 1 when it is in the title, 0.8 when it first occurs
                  in the first 60 words of the body (the lead), else 0.6 * (1 - w / N), w
                  the body word where it first occurs and N the body's words
    mentions      1 - exp(-(m - 1) / 2), m the occurrences of the least-mentioned part, times
                  400 / words for a document longer than 400 words (0 for m <= 1)
    closeness     1 / (1 + g / 40), g the fewest words between occurrences of two different
                  parts (a title occurrence counts as just before the body's first word);
                  1 for one part
    concentration of the passages (the title, the body's paragraphs) with an occurrence, the
                  share that hold every part; 1 for one part

    score = 0.3 prominence + 0.3 mentions + 0.3 closeness + 0.1 concentration (3 decimals)
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.matching.context import RawHit
from monitor.text.analysis import Analysis

WEIGHTS = {"prominence": 0.3, "mentions": 0.3, "closeness": 0.3, "concentration": 0.1}
LEAD_WORDS = 60
MENTION_WORDS = 400
CLOSE_WORDS = 40
TITLE = -1  # the passage number of the title


@dataclass(frozen=True, slots=True)
class Relevance:
    """The score and its parts, each in [0, 1]; `distance`: the fewest words between two
    parts (None for a one-part rule)."""

    score: float
    prominence: float
    mentions: float
    closeness: float
    concentration: float
    distance: int | None = None

    def parts(self) -> dict[str, float]:
        """The four parts by name, as shown to users."""
        return {"prominence": self.prominence, "mentions": self.mentions,
                "closeness": self.closeness, "concentration": self.concentration}


# an occurrence: word position (title occurrences at 0, body ones at their body word) and
# passage (TITLE, or the body paragraph's number)
_Place = tuple[int, int]


def relevance(analysis: Analysis, parts: Sequence[Sequence[RawHit]]) -> Relevance:
    """The relevance of a match whose parts have these hits (each part's non-empty)."""
    body = analysis.body
    body_words = len(body.parts) >> 1
    words = (len(analysis.title.parts) >> 1) + body_words
    bounds = body.bounds
    starts = body.paragraph_starts
    places: list[list[_Place]] = []
    for hits in parts:
        found = {
            (0, TITLE) if number == 0 else (
                (bisect_right(bounds, start) - 1) >> 1, bisect_right(starts, start) - 1)
            for number, start, _, _ in hits
        }
        places.append(sorted(found))
    prominence = min(_prominence(p, body_words) for p in places)
    least = min(len(p) for p in places) * min(1.0, MENTION_WORDS / max(words, 1))
    mentions = 1.0 - math.exp(-(least - 1.0) / 2.0) if least > 1.0 else 0.0
    distance = _distance(places) if len(places) > 1 else None
    closeness = 1.0 if distance is None else 1.0 / (1.0 + distance / CLOSE_WORDS)
    concentration = _concentration(places)
    score = (WEIGHTS["prominence"] * prominence + WEIGHTS["mentions"] * mentions
             + WEIGHTS["closeness"] * closeness + WEIGHTS["concentration"] * concentration)
    return Relevance(score=round(score, 3), prominence=round(prominence, 3),
                     mentions=round(mentions, 3), closeness=round(closeness, 3),
                     concentration=round(concentration, 3), distance=distance)


def _prominence(places: list[_Place], body_words: int) -> float:
    if places[0][1] == TITLE:
        return 1.0
    first = places[0][0]
    if first < LEAD_WORDS:
        return 0.8
    return 0.6 * (1.0 - first / max(body_words, 1))


def _distance(places: list[list[_Place]]) -> int:
    """The fewest words spanned by occurrences of every part (the smallest window)."""
    merged = sorted((position, part) for part, p in enumerate(places) for position, _ in p)
    need = len(places)
    count = [0] * need
    have = 0
    best = merged[-1][0] - merged[0][0]
    left = 0
    for position, part in merged:
        count[part] += 1
        have += count[part] == 1
        while have == need:
            best = min(best, position - merged[left][0])
            gone = merged[left][1]
            count[gone] -= 1
            have -= count[gone] == 0
            left += 1
    return best


def _concentration(places: list[list[_Place]]) -> float:
    if len(places) < 2:
        return 1.0
    passages = [{passage for _, passage in p} for p in places]
    every = set.intersection(*passages)
    return len(every) / len(set.union(*passages))
