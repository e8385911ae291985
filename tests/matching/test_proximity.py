"""SENT and PARA, `within:`, and the sentence and paragraph boundaries they rely on."""

from __future__ import annotations

import random
import textwrap
from itertools import pairwise
from pathlib import Path

import pytest

from monitor.errors import QuerySyntaxError, RuleError
from monitor.matching import load_rules, nodes, spans
from monitor.matching import query as q
from monitor.models import Document
from monitor.text.analysis import analyze
from monitor.text.segments import paragraph_starts, sentence_starts, unit_of, units_of


def sentences(text: str, lang: str) -> list[str]:
    starts = [*sentence_starts(text, lang), len(text)]
    return [text[a:b].strip() for a, b in pairwise(starts)]


def test_sent_and_para_parse_like_near() -> None:
    assert q.parse_query("@a SENT (b OR c)") == q.Same(
        (q.Ref("a"), q.Or((q.Word("b"), q.Word("c")))), "sentence")
    assert q.parse_query("a PARA b PARA c") == q.Same(
        (q.Word("a"), q.Word("b"), q.Word("c")), "paragraph")
    assert q.parse_query("x AND a SENT b") == q.And((q.Word("x"), q.Same(
        (q.Word("a"), q.Word("b")), "sentence")))
    with pytest.raises(QuerySyntaxError, match="SENT and PARA in a row need parentheses"):
        q.parse_query("a SENT b PARA c")
    with pytest.raises(QuerySyntaxError, match="NEAR/5 and SENT in a row need parentheses"):
        q.parse_query("a NEAR/5 b SENT c")
    assert q.parse_term("sent para") == q.Phrase("sent para")  # lower case: words


def test_within_joins_the_top_level_and_leaving_not_and_filters() -> None:
    node = q.within(q.parse_query("@a AND (b OR c) NOT d AND lang:en"), "sentence")
    assert node == q.And((q.Same((q.Ref("a"), q.Or((q.Word("b"), q.Word("c")))), "sentence"),
                          q.Not(q.Word("d")), q.Filter("lang", "en")))
    with pytest.raises(ValueError, match="within: paragraph needs a query whose top level"):
        q.within(q.parse_query("a OR b"), "paragraph")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


RULES = """
    topics:
      sanctions: {terms: {en: [sanctions, embargo], ru: [санкции]}}
    entities:
      russia: {terms: {en: [Russia, Moscow], ru: [Россия, Москва]}}
    rules:
      - id: anywhere
        query: '@sanctions AND @russia'
      - id: sentence
        query: '@sanctions AND @russia NOT football'
        within: sentence
        examples:
          match: ["EU news\\nThe EU imposed sanctions on Russia. Prices rose."]
          no_match: ["EU news\\nThe EU imposed sanctions. Russia said no."]
      - id: paragraph
        query: '@sanctions AND @russia'
        within: paragraph
"""


def matched(path: Path, title: str, body: str) -> list[str]:
    rules = load_rules(path, languages=["en", "ru"])
    doc = Document(id="d", source="s", title=title, body=body)
    analysis = analyze(doc, ["en", "ru"])
    found = [m.rule for m in rules.match(analysis, doc)]
    assert found == [m.rule for m in rules.match_all(analysis, doc)]  # the prefilter agrees
    return found


def test_within_sentence_and_paragraph(tmp_path: Path) -> None:
    path = write(tmp_path, RULES)
    assert matched(path, "EU", "The EU imposed sanctions on Russia.") == [
        "anywhere", "sentence", "paragraph"]
    assert matched(path, "EU", "The EU imposed sanctions. Russia said no.") == [
        "anywhere", "paragraph"]
    assert matched(path, "EU", "The EU imposed sanctions.\n\nRussia said no.") == ["anywhere"]
    assert matched(path, "EU sanctions on Russia", "Football sanctions on Russia.") == [
        "anywhere", "paragraph"]


def test_within_on_a_query_without_a_top_level_and_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, """
        rules:
          - id: r
            query: 'a OR b'
            within: sentence
        """)
    with pytest.raises(RuleError) as info:
        load_rules(path, languages=["en"])
    assert str(info.value) == (
        f"{path}:5:13: within: sentence needs a query whose top level is an AND of two or more "
        "words, phrases, @references or OR-groups of them (like '@topic AND @entity') (rule r)")


def test_within_must_be_sentence_or_paragraph(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  - {id: r, query: a b, within: sentense}\n")
    with pytest.raises(RuleError, match="'sentense' is not one of the choices \\(did you mean "
                                        "'sentence'\\?\\); use one of: paragraph, sentence"):
        load_rules(path, languages=["en"])


def test_sent_on_an_and_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  - {id: r, query: '(a AND b) SENT c'}\n")
    with pytest.raises(RuleError, match="SENT works on words, phrases"):
        load_rules(path, languages=["en"])


def test_paragraphs_from_blank_lines_else_from_lines_ending_a_sentence() -> None:
    text = "One. Two\n\nThree\nfour."
    assert [text[s:s + 3] for s in paragraph_starts(text)] == ["One", "Thr"]
    text = "One line.\nAnother line\nwrapped."
    assert [text[s:s + 3] for s in paragraph_starts(text)] == ["One", "Ano"]


@pytest.mark.parametrize(("lang", "text", "expected"), [
    ("en", "Mr. Smith met Dr. Jones in the U.S. on Monday. They talked.",
     ["Mr. Smith met Dr. Jones in the U.S. on Monday.", "They talked."]),
    ("en", '"We will act," he said. Then he left.', ['"We will act," he said.', "Then he left."]),
    ("en", "The list:\n- first item\n- second item\nEnd.",
     ["The list:", "- first item", "- second item", "End."]),
    ("en", "Main Points\nThe economy grew.\n1. Tariffs\n2) Quotas",
     ["Main Points", "The economy grew.", "1. Tariffs", "2) Quotas"]),
    ("en", "The company said on\nMonday that it would sell.",
     ["The company said on\nMonday that it would sell."]),
    ("ru", "В 2020 г. ООО «Ромашка» выросла. Т.е. всё хорошо. По словам В. В. Путина, «всё "
     "идёт по плану».", ["В 2020 г. ООО «Ромашка» выросла.", "Т.е. всё хорошо.",
                         "По словам В. В. Путина, «всё идёт по плану»."]),
    ("ru", "«Мы победим!» — сказал он. Затем ушёл.", ["«Мы победим!» — сказал он.", "Затем ушёл."]),
    ("ru", "Меры:\n1. санкции\n2. визы", ["Меры:", "1. санкции", "2. визы"]),
])
def test_sentences(lang: str, text: str, expected: list[str]) -> None:
    assert sentences(text, lang) == expected


def test_near_of_many_occurrences_finds_the_same_spans_and_hits_as_every_pair() -> None:
    """Frequent words have hundreds of occurrences: NEAR then looks only at nearby ones
    (sorted, bisected), which must give exactly what trying every pair gives."""


    rng = random.Random(1)

    def occurrences(k: int) -> list[nodes.Occurrence]:
        out = []
        for _ in range(k):
            t0 = rng.randrange(60)
            t1 = t0 + rng.randrange(4)
            out.append((rng.choice(["title", "body"]), t0, t1, t0 * 5, t1 * 5 + 4))
        return out

    for _ in range(500):
        a, b, distance = occurrences(rng.randrange(20, 40)), occurrences(20), rng.randrange(6)
        pairs = [(x[0], min(x[1], y[1]), max(x[2], y[2]), min(x[3], y[3]), max(x[4], y[4]))
                 for x in a for y in b if x[0] == y[0] and spans.gap(x, y) <= distance]
        assert spans.near(a, b, distance) == pairs
        hits = [(nodes.FIELD_NUMBER[o[0]], o[3], -o[4], "t") for o in occurrences(30)]
        inside = [h for h in hits if any(nodes.FIELD_NUMBER[s[0]] == h[0] and s[3] <= h[1]
                                         and -h[2] <= s[4] for s in pairs)]
        assert spans.inside(hits, pairs) == inside


def test_near_of_two_words_from_positions_gives_what_its_spans_give() -> None:
    """NEAR of two one-word terms finds its hits from the words' positions, never making
    the spans of its pairs: the same match and hits as the spans give, in the same order
    (scoped fields, the same word twice, a word and a prefix of it, distance 0, words in the
    title and the body)."""
    from monitor.matching.lexicon import Lexicon
    from monitor.matching.shown import shown

    rng = random.Random(2)
    vocabulary = ["alpha", "beta", "gamma", "delta", "omega"]

    def text(k: int) -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(k))

    scopes = [("title", "body"), ("body",), ("title",)]
    tried = matched = 0
    for _ in range(300):
        doc = Document(id="d", source="s", title=text(rng.randrange(1, 6)),
                       body=f"{text(rng.randrange(60))}\n\n{text(rng.randrange(60))}",
                       language="en")
        analysis = analyze(doc, ["en"])
        words = [rng.choice(vocabulary), rng.choice(vocabulary)]
        prefixes = set()
        if rng.random() < 0.2:  # a prefix of the other word: both at one token
            prefixes.add(words[0][:3])
            words[1] = words[0][:3] + "*"
        leaves = tuple(nodes.TermLeaf(w, rng.choice(scopes), (w,), frozenset({"en"}))
                       for w in words)
        if rng.random() < 0.1:  # one term twice, as rules written alike share it
            leaves = (leaves[0], leaves[0])
        distance = rng.randrange(4)
        fast, slow = nodes.NearNode(leaves, distance), nodes.NearNode(leaves, distance)
        slow._words["en"] = None  # the spans of every pair, as for any other NEAR
        slow._placed["en"] = None
        lexicon = Lexicon("en", set(words) - {words[1]} if prefixes else set(words), prefixes,
                          set())
        ctx = nodes.Context(analysis, doc, lexicon.read(analysis))
        assert fast.words(ctx) is not None
        tried += 1
        matched += slow.matches(ctx)
        assert fast.matches(ctx) == slow.matches(ctx)
        assert fast.hits(ctx) == slow.hits(ctx)
        if slow.matches(ctx):  # what the match shows: the first hits of each, the counts
            assert shown(fast, ctx, None) == shown(slow, ctx, None)
    assert tried == 300 and 50 < matched < 290


def test_near_of_a_phrase_and_a_word_shows_what_its_spans_give() -> None:
    """A match of NEAR of a phrase and a word shows each term's first places inside the
    spans of its pairs and their counts, found from the two terms' places without the
    spans: the same as `_capped` of the hits inside the spans (scoped fields, either
    order, the word inside the phrase, phrases of two and three words); whether it
    matches, told from the phrase's places and the word's positions, is what the spans
    say."""
    from monitor.matching.lexicon import Lexicon
    from monitor.matching.shown import _capped, shown

    rng = random.Random(3)
    vocabulary = ["alpha", "beta", "gamma", "delta"]

    def text(k: int) -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(k))

    scopes = [("title", "body"), ("body",), ("title",)]
    matched = 0
    for _ in range(400):
        doc = Document(id="d", source="s", title=text(rng.randrange(1, 8)),
                       body=f"{text(rng.randrange(80))}\n\n{text(rng.randrange(80))}",
                       language="en")
        analysis = analyze(doc, ["en"])
        words = tuple(rng.choice(vocabulary) for _ in range(rng.choice((2, 2, 3))))
        phrase = nodes.TermLeaf(" ".join(words), rng.choice(scopes), words, frozenset({"en"}))
        word = rng.choice(vocabulary)
        leaf = nodes.TermLeaf(word, rng.choice(scopes), (word,), frozenset({"en"}))
        children = (phrase, leaf) if rng.random() < 0.5 else (leaf, phrase)
        distance = rng.randrange(4)
        node, slow = nodes.NearNode(children, distance), nodes.NearNode(children, distance)
        slow._words["en"] = slow._placed["en"] = None  # the spans of every pair
        lexicon = Lexicon("en", {*words, word}, set(), set())
        ctx = nodes.Context(analysis, doc, lexicon.read(analysis))
        assert node.matches(ctx) == slow.matches(ctx)
        if node.matches(ctx):
            matched += 1
            assert shown(node, ctx, None) == _capped(node.hits(ctx))
    assert matched > 100


def test_units_of_offsets_are_those_of_each_offset_alone() -> None:
    # units_of fills a unit's offsets at once: each must be the unit unit_of finds for it
    # (the last starting at or before it; 0 before the first), starts repeated or not
    rng = random.Random(5)
    for _ in range(5000):
        starts = [0, *sorted(rng.choices(range(1, 300), k=rng.randrange(0, 10)))]
        offsets = sorted(rng.choices(range(320), k=rng.randrange(0, 60)))
        assert units_of(starts, offsets) == [unit_of(starts, o) for o in offsets]
    assert units_of([], [1, 2]) == [0, 0]


def test_paired_is_every_position_with_one_of_the_other_near() -> None:
    """Either list walked (the shorter one is), the positions of each near the other, or
    None when no two are near: at exactly `reach` apart, either order, one position in
    both lists."""
    assert spans.paired([3], [8], 5) == ([3], [8])
    assert spans.paired([8], [3], 5) == ([8], [3])
    assert spans.paired([3], [9], 5) is None
    assert spans.paired([4, 9], [4], 1) == ([4], [4])
    assert spans.paired([1, 20, 30], [10, 22, 23], 2) == ([20], [22])
    assert spans.paired([1, 20], [18, 19, 22, 40], 2) == ([20], [18, 19, 22])  # the last
    assert spans.paired([18, 19, 22, 40], [1, 20], 2) == ([18, 19, 22], [20])
    rng = random.Random(7)
    for _ in range(3000):
        mine = sorted(rng.sample(range(60), rng.randint(1, 20)))
        other = sorted(rng.sample(range(60), rng.randint(1, 20)))
        reach = rng.randint(1, 8)
        near = [p for p in mine if any(abs(p - o) <= reach for o in other)]
        theirs = [o for o in other if any(abs(p - o) <= reach for p in mine)]
        assert spans.paired(mine, other, reach) == ((near, theirs) if near else None)


@pytest.mark.parametrize(("title", "body", "query", "distance", "expected"), [
    ("", "alpha one two three beta", ("alpha", "beta"), 3, True),  # exactly 3 between
    ("", "alpha one two three beta", ("alpha", "beta"), 2, False),  # one too many
    ("", "beta one two three alpha", ("alpha", "beta"), 3, True),  # the other order
    ("", "alpha one two three four beta two alpha", ("alpha", "beta"), 1, True),  # twice
    ("alpha", "beta", ("alpha", "beta"), 5, False),  # the headline and the text
    ("alpha one beta", "beta", ("alpha", "beta"), 1, True),  # in the headline
    ("", "alpha gamma one two beta", ("alpha gamma", "beta"), 2, True),  # phrase, word
    ("", "alpha gamma one two three beta", ("alpha gamma", "beta"), 2, False),
    ("", "beta one two alpha gamma", ("alpha gamma", "beta"), 2, True),
    ("beta", "alpha gamma", ("alpha gamma", "beta"), 5, False),
    ("", "beta one two three alpha gamma beta", ("beta", "alpha gamma"), 0, True),
])
def test_near_at_the_edges_as_its_spans_say(title: str, body: str, query: tuple[str, str],
                                             distance: int, expected: bool) -> None:
    """NEAR of two words (told from their positions) and of a phrase and a word (from the
    phrase's places and the word's positions) at exactly the distance and one more, in
    either order, a word twice, the terms in the headline and the text: what the spans of
    every pair say."""
    from monitor.matching.lexicon import Lexicon

    doc = Document(id="d", source="s", title=title, body=body, language="en")
    analysis = analyze(doc, ["en"])
    leaves = tuple(nodes.TermLeaf(t, ("title", "body"), tuple(t.split()), frozenset({"en"}))
                   for t in query)
    fast, slow = nodes.NearNode(leaves, distance), nodes.NearNode(leaves, distance)
    slow._words["en"] = slow._placed["en"] = None  # the spans of every pair
    words = {w for t in query for w in t.split()}
    ctx = nodes.Context(analysis, doc, Lexicon("en", words, set(), set()).read(analysis))
    assert fast.matches(ctx) is expected
    assert slow.matches(ctx) is expected


def test_apart_pairs_as_paired_in() -> None:
    """The prefilter's test of a document's NEARs of two words in one pass (the body's
    pairs made inline) keeps the rules whose words pair, and the same pairs, as
    `paired_in` asked rule by rule: words in the title, the body or both, once or often,
    one word carried twice, some rules sharing their words and distance."""
    from monitor.matching.lexicon import Lexicon
    from monitor.matching.near import apart, paired_in

    rng = random.Random(11)
    vocabulary = ["alpha", "beta", "gamma", "delta", "omega"]
    scopes = [("title", "body"), ("body",), ("title",)]

    def text(size: int) -> str:
        return " ".join(rng.choice([*vocabulary, "x", "y", "z", "w"]) for _ in range(size))

    kept = 0
    for _ in range(300):
        doc = Document(id="d", source="s", title=text(rng.randrange(8)),
                       body=text(rng.randrange(60)), language="en")
        analysis = analyze(doc, ["en"])
        nears = {}
        for i in range(8):
            a, b = rng.choice(vocabulary), rng.choice(vocabulary)
            leaves = tuple(nodes.TermLeaf(w, rng.choice(scopes), (w,), frozenset({"en"}))
                           for w in (a, b))
            words = nodes.NearNode(leaves, rng.randrange(4)).words_in("en")
            assert words is not None
            nears[i] = words
        features = Lexicon("en", set(vocabulary), set(), set()).read(analysis)
        fast = nodes.Context(analysis, doc, features)
        slow = nodes.Context(analysis, doc, features)
        away = apart(fast, list(nears), nears)
        assert away == [i for i, words in nears.items() if not paired_in(slow, words)]
        assert fast.pairs == slow.pairs
        kept += len(nears) - len(away)
    assert kept > 300
