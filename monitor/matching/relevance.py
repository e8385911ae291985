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
from monitor.models import ScoreParts
from monitor.text.analysis import Analysis, FieldAnalysis

WEIGHTS = {"prominence": 0.3, "mentions": 0.3, "closeness": 0.3, "concentration": 0.1}
_PROMINENCE, _MENTIONS, _CLOSENESS, _CONCENTRATION = WEIGHTS.values()
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

    def parts(self) -> tuple[tuple[str, float], ...]:
        """The four parts by name, as shown to users."""
        return (("prominence", self.prominence), ("mentions", self.mentions),
                ("closeness", self.closeness), ("concentration", self.concentration))


# a match without hits (on filters only, under NOT): nothing to weigh
NO_HITS = Relevance(score=0.0, prominence=0.0, mentions=0.0, closeness=0.0, concentration=0.0)

# what one part contributes, worked out once per document (parts are shared: topics):
# its occurrences' word positions (title ones at 0, body ones at their body word), sorted;
# the passages holding them (TITLE, or the body paragraph's number); its prominence; and
# how many occurrences it has
PartStats = tuple[list[int], frozenset[int], float, int]


Place = tuple[int, int]  # word position (title occurrences at 0), passage


def places(analysis: Analysis, hits: Sequence[RawHit]) -> frozenset[Place]:
    """Where hits are, as the score counts them: word position and passage."""
    body = analysis.body
    bounds = body.bounds
    starts = body.paragraph_starts
    return frozenset(
        (0, TITLE) if number == 0 else (
            (bisect_right(bounds, start) - 1) >> 1, bisect_right(starts, start) - 1)
        for number, start, _, _ in hits
    )


def body_prominence(first: int, body: FieldAnalysis) -> float:
    """The prominence of a part first found at body word `first`: 0.8 in the lead, then
    falling with how far into the body it comes."""
    if first < LEAD_WORDS:
        return 0.8
    return 0.6 * (1.0 - first / max(len(body.parts) >> 1, 1))


def part_stats(analysis: Analysis, where: frozenset[Place]) -> PartStats:
    """What one part (occurring at `where`, not empty) contributes to the score."""
    first, passage = min(where)
    prominence = 1.0 if passage == TITLE else body_prominence(first, analysis.body)
    positions, passages = zip(*where, strict=True)
    return sorted(set(positions)), frozenset(passages), prominence, len(where)


def relevance(analysis: Analysis, parts: Sequence[PartStats]) -> Relevance:
    """The relevance of a match from the stats of its parts (one or more)."""
    score, prominence, mentions, closeness, concentration, distance = _figures(analysis, parts)
    return Relevance(score=score, prominence=prominence, mentions=mentions,
                     closeness=closeness, concentration=concentration, distance=distance)


def score_and_parts(analysis: Analysis, parts: Sequence[PartStats]) -> tuple[float, ScoreParts]:
    """`relevance`'s score and `parts()`, without the Relevance (made per match)."""
    if len(parts) == 1:
        return one_part(analysis, parts[0][2], parts[0][3])
    score, prominence, mentions, closeness, concentration, _ = _figures(analysis, parts)
    return score, (("prominence", prominence), ("mentions", mentions),
                   ("closeness", closeness), ("concentration", concentration))


def one_part(analysis: Analysis, prominence: float, count: int) -> tuple[float, ScoreParts]:
    """`score_and_parts` of one part (its prominence and count), in fewer steps (as
    `two_parts`; closeness and concentration are 1.0, as round3 gives them)."""
    score, shown_prominence, shown_mentions, _, _ = one_figures(
        words_of(analysis), prominence, count)
    return score, (("prominence", shown_prominence), ("mentions", shown_mentions),
                   ("closeness", 1.0), ("concentration", 1.0))


def words_of(analysis: Analysis) -> int:
    """The words of a document (title and body), as `mentions` counts them."""
    return (len(analysis.title.parts) >> 1) + (len(analysis.body.parts) >> 1)


def one_figures(words: int, prominence: float, count: int
                ) -> tuple[float, float, float, float, float]:
    """`one_part`'s score and its parts' values in their order, without their names (what
    a matching worker sends back: monitor.matching.rows), in a document of `words` words
    (`words_of`, once per document). Rounded as `two_figures` rounds."""
    found = _MENTIONS_OF.get((count, words))
    mentions, shown_mentions = found if found is not None else _mentions(count, words)
    score = (_PROMINENCE * prominence + _MENTIONS * mentions + _CLOSENESS * 1.0
             + _CONCENTRATION * 1.0)
    scaled = score * 1000.0
    whole = (scaled + 0.5) // 1.0
    score = whole / 1000.0 if abs(scaled - whole) <= 0.49999 else round(score, 3)
    if prominence != 1.0 and prominence != 0.8:
        scaled = prominence * 1000.0
        whole = (scaled + 0.5) // 1.0
        prominence = (whole / 1000.0 if abs(scaled - whole) <= 0.49999
                      else round(prominence, 3))
    return score, prominence, shown_mentions, 1.0, 1.0


def two_parts(analysis: Analysis, a: PartStats, b: PartStats) -> tuple[float, ScoreParts]:
    """`score_and_parts` of two parts (most rules of several), in fewer steps (see
    `two_figures`)."""
    score, prominence, mentions, closeness, concentration = two_figures(
        words_of(analysis), a, b)
    return score, (("prominence", prominence), ("mentions", mentions),
                   ("closeness", closeness), ("concentration", concentration))


def two_figures(words: int, a: PartStats, b: PartStats
                ) -> tuple[float, float, float, float, float]:
    """`two_parts`' score and its parts' values in their order, without their names (what
    a matching worker sends back: monitor.matching.rows), in a document of `words` words
    (`words_of`, once per document). The figures other than the score are each a function
    of a few whole numbers of the document (the count, the words, the gap, the passages),
    rounded once per value (`_mentions`, ...). The score and prominence are rounded as
    round3 does, inline (~75 calls a document at 10,000 frequent rules), its floor a
    float's floor division; a score and a prominence are in (0, 1], so their range is not
    checked."""
    few, sa, prominence, count = a
    many, sb, other, more = b
    if other < prominence:
        prominence = other
    if more < count:
        count = more
    found = _MENTIONS_OF.get((count, words))
    mentions, shown_mentions = found if found is not None else _mentions(count, words)
    if len(many) < len(few):
        few, many = many, few
    if len(few) == 1:  # `_apart`'s commonest case, inline
        position = few[0]
        if len(many) == 1:
            gap = many[0] - position if many[0] > position else position - many[0]
        else:
            k = bisect_right(many, position)
            if not k:
                gap = many[0] - position
            elif k < len(many) and many[k] - position < position - many[k - 1]:
                gap = many[k] - position
            else:
                gap = position - many[k - 1]
    else:
        gap = _apart(few, many)
    near = _CLOSENESS_OF.get(gap)
    if near is None:
        if len(_CLOSENESS_OF) >= _KEPT:
            _CLOSENESS_OF.clear()
        near = _CLOSENESS_OF[gap] = _rounded(1.0 / (1.0 + gap / CLOSE_WORDS))
    closeness, shown_closeness = near
    if len(sa) == 1:  # most parts are in one passage: told without a set made
        both = 1 if sa <= sb else 0
        every = len(sb) + 1 - both
    elif len(sb) == 1:
        both = 1 if sb <= sa else 0
        every = len(sa) + 1 - both
    else:
        both = len(sa & sb)
        every = len(sa) + len(sb) - both
    if both == every:  # every passage holds both: as both / every, and round3 of it
        concentration = shown_concentration = 1.0
    else:
        concentration = both / every
        shown = _SHOWN_OF.get(concentration)
        if shown is None:
            if len(_SHOWN_OF) >= _KEPT:
                _SHOWN_OF.clear()
            shown = _SHOWN_OF[concentration] = round3(concentration)
        shown_concentration = shown
    score = (_PROMINENCE * prominence + _MENTIONS * mentions + _CLOSENESS * closeness
             + _CONCENTRATION * concentration)
    scaled = score * 1000.0
    whole = (scaled + 0.5) // 1.0
    score = whole / 1000.0 if abs(scaled - whole) <= 0.49999 else round(score, 3)
    if prominence != 1.0 and prominence != 0.8:
        scaled = prominence * 1000.0
        whole = (scaled + 0.5) // 1.0
        prominence = (whole / 1000.0 if abs(scaled - whole) <= 0.49999
                      else round(prominence, 3))
    return score, prominence, shown_mentions, shown_closeness, shown_concentration


def _figures(analysis: Analysis, parts: Sequence[PartStats]
             ) -> tuple[float, float, float, float, float, int | None]:
    words = (len(analysis.title.parts) >> 1) + (len(analysis.body.parts) >> 1)
    if len(parts) == 1:  # most matches: without min()'s generators
        prominence, count = parts[0][2], parts[0][3]
    else:
        prominence, count = min([p[2] for p in parts]), min([p[3] for p in parts])
    mentions, shown_mentions = _mentions(count, words)
    distance: int | None = None
    if len(parts) == 2:  # the common case, without the general case's generators
        a, b = parts
        distance = gap = _apart(a[0], b[0]) if len(a[0]) <= len(b[0]) else _apart(b[0], a[0])
        closeness = 1.0 / (1.0 + gap / CLOSE_WORDS)
        both = len(a[1] & b[1])
        concentration = both / (len(a[1]) + len(b[1]) - both)
    elif len(parts) > 1:
        distance = gap = _distance([p[0] for p in parts])
        closeness = 1.0 / (1.0 + gap / CLOSE_WORDS)
        every = frozenset.intersection(*(p[1] for p in parts))
        concentration = len(every) / len(frozenset.union(*(p[1] for p in parts)))
    else:  # one part: closeness and concentration 1.0, as round3 gives them
        shown, named = one_part(analysis, prominence, count)
        return shown, named[0][1], shown_mentions, 1.0, 1.0, None
    score = (_PROMINENCE * prominence + _MENTIONS * mentions + _CLOSENESS * closeness
             + _CONCENTRATION * concentration)
    return (round3(score), _shown_prominence(prominence), shown_mentions, round3(closeness),
            round3(concentration), distance)


# the figures of few whole numbers, and round3 of them, worked out once per value (the
# gap and the count repeat within a document and between documents; the words of a
# document between its matches): dicts cleared at 4,096 values (~6 new ones a document at
# 10,000 frequent rules; 50,000 values would hold ~12 MB in each process)
_CLOSENESS_OF: dict[int, tuple[float, float]] = {}
_MENTIONS_OF: dict[tuple[int, int], tuple[float, float]] = {}
_SHOWN_OF: dict[float, float] = {}  # a concentration (a share of passages): round3 of it
_KEPT = 4_096


def _mentions(count: int, words: int) -> tuple[float, float]:
    """The mentions figure of the least-mentioned part's count in a document of `words`
    words, and round3 of it."""
    key = (count, words)
    found = _MENTIONS_OF.get(key)
    if found is None:
        least = count * min(1.0, MENTION_WORDS / max(words, 1))
        mentions = 1.0 - math.exp(-(least - 1.0) / 2.0) if least > 1.0 else 0.0
        if len(_MENTIONS_OF) >= _KEPT:
            _MENTIONS_OF.clear()
        found = _MENTIONS_OF[key] = _rounded(mentions)
    return found


def _rounded(value: float) -> tuple[float, float]:
    return value, round3(value)


def _shown_prominence(prominence: float) -> float:
    """round3 of a prominence: 1.0 (title) and 0.8 (lead) are their own."""
    return prominence if prominence == 1.0 or prominence == 0.8 else round3(prominence)


_floor = math.floor


def round3(value: float) -> float:
    """round(value, 3), 3-4x faster (five a match): n / 1000 for the whole n nearest to
    value * 1000 is the float nearest to the decimal n/1000, as round() gives it; only when
    value * 1000 lies near a half (where the product's own rounding could pick the wrong
    n), or outside (0, 1e6), is round() asked."""
    scaled = value * 1000.0
    whole = _floor(scaled + 0.5)
    if not 0.0 < value < 1e6 or abs(scaled - whole) > 0.49999:
        return round(value, 3)
    return whole / 1000.0


def _apart(few: list[int], many: list[int]) -> int:
    """The fewest words between a position of `few` and one of `many` (both ascending)."""
    last = len(many)
    if len(few) == 1:  # the most common case (a word once in the document): one lookup
        position = few[0]
        k = bisect_right(many, position)
        if not k:
            return many[0] - position
        if k < last and many[k] - position < position - many[k - 1]:
            return many[k] - position
        return position - many[k - 1]
    best = abs(few[0] - many[0])
    for position in few:
        k = bisect_right(many, position)
        if k < last and many[k] - position < best:
            best = many[k] - position
        if k and position - many[k - 1] < best:
            best = position - many[k - 1]
            if not best:
                break
    return best


def _distance(positions: list[list[int]]) -> int:
    """The fewest words spanned by occurrences of every part (the smallest window)."""
    if len(positions) == 2:  # the common case: each of the fewer looked up among the others
        few, many = sorted(positions, key=len)
        best = abs(few[0] - many[0])
        last = len(many)
        for position in few:
            k = bisect_right(many, position)
            if k < last:
                best = min(best, many[k] - position)
            if k:
                best = min(best, position - many[k - 1])
        return best
    merged = sorted((position, part) for part, p in enumerate(positions) for position in p)
    need = len(positions)
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
