"""Body and boilerplate phrases of a page with ground truth, and whether a text contains them.

A body phrase is five consecutive words of the page's true article text; a boilerplate
phrase is five consecutive words of the page's whole text that occur nowhere in the article
text or its title (navigation, "most read" lists, footers). Phrases are picked with a fixed
seed, so every extractor is judged on the same ones.
"""

from __future__ import annotations

import random
import re

WORDS = re.compile(r"\w+")
N = 5


def words(text: str) -> list[str]:
    return WORDS.findall(text.lower())


def joined(text: str) -> str:
    """The text's words joined by single spaces, padded, for containment tests."""
    return " " + " ".join(words(text)) + " "


def contains(haystack: str, phrase: str) -> bool:
    """Whether `haystack` (made by `joined`) holds the phrase as whole words."""
    return f" {phrase} " in haystack


def body_phrases(body: str, seed: str, count: int = 5) -> list[str]:
    toks = words(body)
    if len(toks) < N:
        return []
    rng = random.Random(f"body:{seed}")
    starts = rng.sample(range(len(toks) - N + 1), min(count, len(toks) - N + 1))
    return [" ".join(toks[i : i + N]) for i in starts]


def boilerplate_phrases(page_text: str, body: str, title: str, seed: str,
                        count: int = 3) -> list[str]:
    inside = joined(body) + " " + joined(title)
    toks = words(page_text)
    candidates = sorted({" ".join(toks[i : i + N]) for i in range(len(toks) - N + 1)})
    outside = [p for p in candidates if not contains(inside, p) and not p.isdigit()]
    if not outside:
        return []
    rng = random.Random(f"boilerplate:{seed}")
    return rng.sample(outside, min(count, len(outside)))
