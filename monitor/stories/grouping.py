"""Deciding that two documents are copies of one story (pure).

Two documents are copies when

* the shorter one's shingles are mostly in the longer one (containment at least
  `threshold`): a copy cut to its first paragraphs is wholly inside the original, while
  symmetric similarity (Jaccard) would call it a different text; and
* each one's lead is mostly in the other (`LEAD_MIN`): copies start with the same text,
  whereas two stories that only share a footer, a subscription line or a quoted sentence
  do not. This is what keeps a boilerplate-only page from gluing stories together.

Different stories on the same subject are written independently and share few 5-word
sequences, so they stay apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from monitor.stories.signature import LEAD, MIN_SHINGLES

DEFAULT_THRESHOLD = 0.4
LEAD_MIN = 0.4


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """A stored document that shares an LSH band with the new one."""

    document: str
    story: str
    shingles: tuple[int, ...]


def containment(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """The share of the smaller shingle set found in the larger one."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if not small:
        return 0.0
    inside = set(large)
    return sum(1 for s in small if s in inside) / len(small)


def lead_overlap(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """The smaller of: the share of a's lead found in b, of b's lead found in a (leads as
    long as the shorter document's, at most LEAD shingles)."""
    k = min(LEAD, len(a), len(b))
    if k == 0:
        return 0.0
    set_a, set_b = set(a), set(b)
    in_b = sum(1 for s in a[:k] if s in set_b)
    in_a = sum(1 for s in b[:k] if s in set_a)
    return min(in_a, in_b) / k


def similarity(a: tuple[int, ...], b: tuple[int, ...], threshold: float) -> float:
    """How surely b is a copy of a: its containment when both tests pass, else 0."""
    if len(a) < MIN_SHINGLES or len(b) < MIN_SHINGLES:
        return 0.0
    if lead_overlap(a, b) < LEAD_MIN:
        return 0.0
    score = containment(a, b)
    return score if score >= threshold else 0.0


def best_story(
    shingles: tuple[int, ...], candidates: Iterable[Candidate], threshold: float
) -> str | None:
    """The story of the candidate most surely copied by (or copying) `shingles`, if any."""
    best, best_score = None, 0.0
    for cand in candidates:
        score = similarity(shingles, cand.shingles, threshold)
        if score > best_score:
            best, best_score = cand.story, score
    return best
