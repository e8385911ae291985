"""A match's score from the parts of its rule's query, worked out once per document and
part (parts, and the leaves under them, are shared between rules: topics, common words);
the formula itself is in relevance.py."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable

from monitor.matching import nodes as n
from monitor.matching.explainers import Explainers
from monitor.matching.lexicon import EMPTY
from monitor.matching.relevance import (
    NO_HITS,
    TITLE,
    PartStats,
    Place,
    body_prominence,
    part_stats,
    places,
    score_and_parts,
    two_parts,
)
from monitor.models import ScoreParts

Scored = tuple[float, ScoreParts]


def score_of(
    parts: tuple[n.Exec, ...], ctx: n.Context, explainers: Explainers | None, root: n.Exec
) -> Scored:
    """A match's relevance score and its parts (see relevance.py)."""
    if len(parts) == 2:  # most rules of several parts: without the general case's list
        known: dict[object, PartStats | None] = ctx.parts
        first, second = parts
        a = known[first] if first in known else stats_of(first, ctx, explainers)
        if a is not None:
            b = known[second] if second in known else stats_of(second, ctx, explainers)
            if b is not None:
                pair = (id(a), id(b))  # as the general case keys them
                memo: dict[object, tuple[float, ScoreParts]] = ctx.scores
                scored = memo.get(pair)
                if scored is None:
                    scored = memo[pair] = two_parts(ctx.analysis, a, b)
                return scored
    stats: list[PartStats] = []
    for part in parts:
        found = stats_of(part, ctx, explainers)
        if found is None:  # a part without hits of its own: weigh the rule as one part
            stats = []
            break
        stats.append(found)
    if not stats:
        whole = stats_of(root, ctx, explainers)
        stats = [whole] if whole is not None else []
    if not stats:
        return NO_HITS.score, NO_HITS.parts()
    # the score depends on the parts' stats only: one part's on its prominence and count,
    # several parts' on the stats themselves, made once per document per part node
    key = (stats[0][2], stats[0][3]) if len(stats) == 1 else tuple(map(id, stats))
    memo = ctx.scores
    scored = memo.get(key)
    if scored is None:
        scored = memo[key] = score_and_parts(ctx.analysis, stats)
    return scored


def stats_of(part: n.Exec, ctx: n.Context, explainers: Explainers | None) -> PartStats | None:
    """A part's occurrences as the score needs them, once per document (parts are shared),
    from those of its leaves (shared more still), when the leaves that explain it are known."""
    memo: dict[object, PartStats | None] = ctx.parts
    if part in memo:
        return memo[part]
    if isinstance(part, n.TermLeaf):
        word = part.word(ctx)
        if word is not None:
            # one word or prefix: from where it occurs, without its hits or places
            found = memo[part] = word_stats(part, word, ctx)
            return found
        if part.slop is None:  # a phrase: from where its occurrences start
            found = memo[part] = _phrase_stats(part, ctx)
            return found
    leaves = None if explainers is None else explainers.of(part)
    if leaves is None:
        where = places(ctx.analysis, part.hits(ctx))
    else:
        present = ctx.present
        wanted = [leaf for leaf, need in leaves if need is None or need in present]
        words = _words_of(wanted, ctx)
        if words is not None:  # words only (a topic of words): from their positions
            found = memo[part] = _words_stats(words, ctx)
            return found
        where = frozenset().union(*[places_of(leaf, ctx) for leaf in wanted])
    found = memo[part] = part_stats(ctx.analysis, where) if where else None
    return found


def _words_of(leaves: list[n.Exec], ctx: n.Context) -> list[tuple[n.TermLeaf, str]] | None:
    """The leaves with their words, when each is one word or prefix (None otherwise)."""
    out = []
    for leaf in leaves:
        if not isinstance(leaf, n.TermLeaf):
            return None
        word = leaf.word(ctx)
        if not word:
            return None
        out.append((leaf, word))
    return out


def _words_stats(words: list[tuple[n.TermLeaf, str]], ctx: n.Context) -> PartStats | None:
    """`part_stats` of the places of one-word leaves (`places_of` each, joined), from the
    positions of their words: a body position once, the title as one place at word 0."""
    present = ctx.present
    positions = ctx.features.positions
    title = False
    body: set[int] = set()
    for leaf, word in words:
        if word in present:
            fields = leaf.fields
            if not title and "title" in fields and positions("title", word):
                title = True
            if "body" in fields:
                body.update(positions("body", word))
    return _positions_stats(title, sorted(body), ctx)


def _phrase_stats(leaf: n.TermLeaf, ctx: n.Context) -> PartStats | None:
    """`part_stats` of the places of a phrase without slop (`places_of`: one an occurrence,
    a body one at the token it starts at), from its occurrences, without its hits: a title
    occurrence is the title's one place at word 0."""
    title = False
    body: list[int] = []  # ascending and distinct: one occurrence a start
    for field, start, _, _, _ in leaf.occurrences(ctx):
        if field == "body":
            body.append(start)
        else:
            title = True
    return _positions_stats(title, body, ctx)


def _positions_stats(title: bool, ordered: list[int], ctx: n.Context) -> PartStats | None:
    """`part_stats` of places in the title (`title`: one place, at word 0) and at these
    body positions (ascending, distinct)."""
    if not ordered:
        return ([0], frozenset((TITLE,)), 1.0, 1) if title else None
    passages = frozenset(map(ctx.analysis.body.units("paragraph").__getitem__, ordered))
    if title:
        return ([0, *ordered[1:]] if ordered[0] == 0 else [0, *ordered], passages | {TITLE},
                1.0, 1 + len(ordered))
    first = ordered[0]
    return ordered, passages, body_prominence(first, ctx.analysis.body), len(ordered)


def places_of(leaf: n.Exec, ctx: n.Context) -> frozenset[Place]:
    """Where a leaf occurs, as the score counts it, once per document."""
    memo: dict[object, frozenset[Place]] = ctx.places
    found = memo.get(leaf)
    if found is None:
        hits = ctx.hits.get(leaf)
        if hits is None and isinstance(leaf, n.TermLeaf) and (word := leaf.word(ctx)):
            title, body, paragraph = _word_places(leaf, word, ctx)
            found = frozenset(zip(body, map(paragraph, body), strict=True))
            if title:
                found |= {(0, TITLE)}
            memo[leaf] = found
        elif hits is None and type(leaf) is n.TermLeaf and leaf.slop is None:
            found = memo[leaf] = _phrase_places(leaf, ctx)
        else:
            found = memo[leaf] = places(ctx.analysis,
                                        hits if hits is not None else leaf.hits(ctx))
    return found


def _phrase_places(leaf: n.TermLeaf, ctx: n.Context) -> frozenset[Place]:
    """`places` of the hits of a phrase without slop, from its occurrences, without its
    hits: a body occurrence is at the token it starts at, in that token's paragraph (the
    one of its first character, as `places` finds it), a title one at (0, TITLE)."""
    units = ctx.analysis.body.units("paragraph")
    title = False
    body: list[Place] = []
    for field, start, _, _, _ in leaf.occurrences(ctx):
        if field == "body":
            body.append((start, units[start]))
        else:
            title = True
    return frozenset((*body, (0, TITLE))) if title else frozenset(body)


def word_stats(leaf: n.TermLeaf, word: str, ctx: n.Context) -> PartStats | None:
    """`part_stats` of the places of a one-word leaf (`word`: its feature), from the
    positions of the word: the same figures without making its hits or places."""
    # _word_places, inline (once per word and document, ~60 a document), its positions in
    # one call (`TermLeaf.first` asked for them before: the commonest part is a term that fired)
    if word not in ctx.present:
        return None
    title, body = ctx.features.title_and_body(word)
    fields = leaf.fields
    if len(fields) == 1:  # title: or body: only
        if fields[0] == "title":
            body = EMPTY
        else:
            title = EMPTY
    return positions_stats(title, body, ctx)


def positions_stats(title: list[int], body: list[int], ctx: n.Context) -> PartStats | None:
    """`word_stats` from a word's title and body positions (ascending, distinct)."""
    if not body:
        return ([0], frozenset((TITLE,)), 1.0, 1) if title else None
    units = ctx.analysis.body.units("paragraph")
    passages = (frozenset((units[body[0]],)) if len(body) == 1 else  # most words: once
                frozenset(map(units.__getitem__, body)))
    if title:  # title places are all (0, TITLE): one place, first, at word 0
        return ([0, *body[1:]] if body[0] == 0 else [0, *body], passages | {TITLE}, 1.0,
                1 + len(body))
    first = body[0]  # body: read only, not copied
    return body, passages, body_prominence(first, ctx.analysis.body), len(body)


def alone_key(leaf: n.Exec, ctx: n.Context, explainers: Explainers | None,
              shown: tuple[list[n.RawHit], int]) -> tuple[float, int]:
    """The prominence and count of a leaf's places, all that the score of a match explained
    by this leaf alone depends on (`score_of` keys it so); `shown`: the leaf's first hits
    and count (`shown.leaf_first`), from which most keys are read without the passages
    that only a rule of several parts needs."""
    first, count = shown
    if type(leaf) is n.TermLeaf and leaf.slop is None:
        # a word or a phrase without slop has one hit a token: its places are its body
        # hits and one for the title (title hits come first), the first its first hit's
        if first[0][0]:  # no title hit: the first hit's token, as `places` finds it
            body = ctx.analysis.body
            return body_prominence((bisect_right(body.bounds, first[0][1]) - 1) >> 1, body), count
        word = leaf.word(ctx)
        if word is not None:  # the title, and the word's body positions
            return 1.0, 1 + len(ctx.features.positions("body", word)
                                if "body" in leaf.fields else EMPTY)
    if leaf not in ctx.parts and explainers is not None:
        # a phrase (or substring) explained by itself: its places' first and count, as
        # `part_stats` finds them, without the positions and passages a part keeps
        explained = explainers.of(leaf)
        if explained is not None and len(explained) == 1 and explained[0][0] is leaf and (
                explained[0][1] is None or explained[0][1] in ctx.present):
            where = places_of(leaf, ctx)
            if where:
                place, passage = min(where)
                if passage == TITLE:
                    return 1.0, len(where)
                return body_prominence(place, ctx.analysis.body), len(where)
    stats = stats_of(leaf, ctx, explainers)
    assert stats is not None  # the leaf has hits
    return stats[2], stats[3]


def _word_places(leaf: n.TermLeaf, word: str, ctx: n.Context
                 ) -> tuple[bool, list[int], Callable[[int], int]]:
    """Whether a one-word leaf occurs in the title, its body positions (ascending,
    distinct: `places` of its hits, whose body word is the token's position) and a
    function from a body position to its paragraph."""
    title, body = _word_positions(leaf, word, ctx)
    if not body:
        return title, [], _no_paragraph
    # the paragraph of every body token, once per document: the paragraph of a token is
    # that of its first character (bisect_right(paragraph_starts, start) - 1)
    return title, body, ctx.analysis.body.units("paragraph").__getitem__


def _word_positions(leaf: n.TermLeaf, word: str, ctx: n.Context) -> tuple[bool, list[int]]:
    """Whether a one-word leaf occurs in the title, and its body positions."""
    if word not in ctx.present:
        return False, []
    fields = leaf.fields
    positions = ctx.features.positions
    title = "title" in fields and bool(positions("title", word))
    return title, positions("body", word) if "body" in fields else []


def _no_paragraph(p: int) -> int:  # pragma: no cover - never called: no body positions
    return 0


def parts_of(node: n.Exec) -> tuple[n.Exec, ...]:
    """The parts of a rule's query for its relevance score: the children of the top-level
    AND that must be present, or of a top-level NEAR, SENT or PARA (also when it is the
    only such child of the AND, as `within:` makes it); () for a query of one part."""
    if isinstance(node, n.NearNode):
        return tuple(node.children)
    if isinstance(node, n.AndNode) and not isinstance(node, n.OrNode):
        present = [c for c in node.children if not isinstance(c, n.NotNode | n.FilterLeaf)]
        if len(present) == 1:
            return parts_of(present[0])
        return tuple(present) if len(present) > 1 else ()
    return ()
