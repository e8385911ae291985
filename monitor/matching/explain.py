"""Explanations: short excerpts of a document around the words that made a rule fire."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.models import Document, Hit, Snippet
from monitor.text.normalize import normalize_text

MAX_BODY_SNIPPETS = 3
ELLIPSIS = "…"


def field_texts(doc: Document) -> tuple[str, str]:
    """The normalised title and body, which hits' offsets refer to: give them to `snippets`
    when explaining several matches of one document (each would normalise them again)."""
    return normalize_text(doc.title), normalize_text(doc.body)


def snippets(doc: Document, hits: Sequence[Hit], width: int = 160,
             texts: tuple[str, str] | None = None) -> tuple[Snippet, ...]:
    """Excerpts of about `width` characters around the hits, the title's first.

    Offsets in hits refer to the normalised field text (`field_texts`), which is what is
    excerpted here.
    """
    out: list[Snippet] = []
    title, body = texts or field_texts(doc)
    for field in ("title", "body"):
        text = title if field == "title" else body
        spans = sorted({(h.start, h.end) for h in hits if h.field == field})
        spans = [(s, e) for s, e in spans if 0 <= s < e <= len(text)]
        limit = 1 if field == "title" else MAX_BODY_SNIPPETS
        for group in _groups(spans, width)[:limit]:
            out.append(Snippet(field=field, segments=_segments(text, group, width)))
    return tuple(out)


def _groups(spans: list[tuple[int, int]], width: int) -> list[list[tuple[int, int]]]:
    # hits close enough to share one excerpt
    groups: list[list[tuple[int, int]]] = []
    for span in spans:
        if groups and span[1] - groups[-1][0][0] <= width * 3 // 4:
            if span[0] >= groups[-1][-1][1]:  # skip overlapping hits
                groups[-1].append(span)
        else:
            groups.append([span])
    return groups


def _window(text: str, group: list[tuple[int, int]], width: int) -> tuple[int, int]:
    first, last = group[0][0], group[-1][1]
    room = max(0, width - (last - first))
    start = max(0, first - room // 2)
    end = min(len(text), last + room - (first - start))
    start = max(0, min(start, end - width))
    # cut at whitespace so no word is split
    if start > 0:
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", last, end)
        end = space if space >= 0 else end
    return start, end


def _segments(
    text: str, group: list[tuple[int, int]], width: int
) -> tuple[tuple[str, bool], ...]:
    start, end = _window(text, group, width)
    segments: list[tuple[str, bool]] = []
    pos = start
    for s, e in group:
        if s > pos:
            segments.append((text[pos:s], False))
        segments.append((text[s:e], True))
        pos = e
    if end > pos:
        segments.append((text[pos:end], False))
    segments = [(" ".join(t.split("\n")), hit) for t, hit in segments]
    if start > 0:
        segments.insert(0, (ELLIPSIS, False))
    if end < len(text):
        segments.append((ELLIPSIS, False))
    return tuple(segments)
