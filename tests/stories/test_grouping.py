"""Which documents are copies of one story (pure: signatures and the decision)."""

from __future__ import annotations

import pytest

from monitor.stories.grouping import DEFAULT_THRESHOLD, containment, similarity
from monitor.stories.signature import MAX_SHINGLES, sign
from tests.stories.articles import (
    FOOTER,
    OTHER_EN,
    SAME_SUBJECT_EN,
    WIRE_EN,
    WIRE_RU,
    copies,
)


def copy_of(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return similarity(sign(*a).shingles, sign(*b).shingles, DEFAULT_THRESHOLD) > 0


ORIGINAL = ("China and Azerbaijan expand defence industry cooperation", WIRE_EN)


@pytest.mark.parametrize("kind", sorted(copies(WIRE_EN)))
def test_each_kind_of_copy_is_recognised_both_ways(kind: str) -> None:
    copy = copies(WIRE_EN)[kind]
    assert copy_of(ORIGINAL, copy)
    assert copy_of(copy, ORIGINAL)


def test_a_russian_copy_with_dateline_and_footer_is_recognised() -> None:
    copy = ("Китай и Азербайджан — ТАСС", "Москва. 2 декабря. ИНТЕРФАКС - " + WIRE_RU
            + "\n\nПодписывайтесь на наш канал в Telegram, чтобы первыми узнавать новости.")
    assert copy_of(("Китай и Азербайджан", WIRE_RU), copy)


def test_another_story_on_the_same_subject_stays_apart() -> None:
    assert not copy_of(ORIGINAL, ("Azerbaijan, China to build drones", SAME_SUBJECT_EN))
    assert not copy_of(ORIGINAL, ("Китай и Азербайджан", WIRE_RU))  # the same story, translated


def test_a_shared_footer_does_not_make_two_stories_one() -> None:
    a = ("Harbour bridge", OTHER_EN + "\n\n" + FOOTER)
    b = ("Defence deal", WIRE_EN + "\n\n" + FOOTER)
    footer_only = ("Newsletter", FOOTER)
    assert not copy_of(a, b)
    assert not copy_of(footer_only, a) and not copy_of(footer_only, b)


def test_too_little_text_is_never_a_copy() -> None:
    assert not sign("", "").usable
    assert not sign("Breaking news", "").usable
    repeated = ("Alert", "Markets are closed today. " * 50)
    assert not sign(*repeated).usable
    assert not copy_of(repeated, ("Alert", "Markets are closed today. " * 3))


def test_the_headline_counts_only_without_a_body() -> None:
    assert sign("One headline", WIRE_EN) == sign("Another headline entirely", WIRE_EN)
    title_only = ("China and Azerbaijan agree to expand defence industry cooperation and build "
                  "drones at a new plant near Baku")
    assert copy_of((title_only, ""), (title_only + " today", ""))


def test_a_huge_document_is_signed_with_bounded_state() -> None:
    huge = " ".join(f"word{n}" for n in range(100_000))
    assert len(sign("Huge", huge).shingles) == MAX_SHINGLES


def test_containment_measures_the_shorter_text() -> None:
    assert containment((1, 2, 3), (1, 2, 3, 4, 5, 6)) == 1.0
    assert containment((1, 2), (3, 4)) == 0.0
