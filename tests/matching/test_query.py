"""The query parser: precedence, phrases, terms, and errors with their position."""

from __future__ import annotations

import re

import pytest

from monitor.errors import QuerySyntaxError
from monitor.matching.query import (
    And,
    Filter,
    Near,
    Not,
    Or,
    Phrase,
    Ref,
    Scoped,
    Word,
    parse_query,
    parse_query_names,
    parse_term,
)


def test_precedence_not_near_and_or() -> None:
    assert parse_query("a OR b AND NOT c") == Or((Word("a"), And((Word("b"), Not(Word("c"))))))
    assert parse_query("a b NEAR/3 c") == And((Word("a"), Near((Word("b"), Word("c")), 3)))
    assert parse_query("(a OR b) c") == And((Or((Word("a"), Word("b"))), Word("c")))


def test_lower_case_operators_are_words() -> None:
    assert parse_query("China and drones") == And((Word("China"), Word("and"), Word("drones")))


def test_phrases_prefixes_fields_filters_refs() -> None:
    q = parse_query('title:"x y"~2 body:(w*) source:seeds lang:ru url:a.org/b @t @country:cn')
    assert q == And((
        Scoped("title", Phrase("x y", 2)), Scoped("body", Word("w", prefix=True)),
        Filter("source", "seeds"), Filter("lang", "ru"), Filter("url", "a.org/b"),
        Ref("t", 57), Ref("country:cn", 60, country="CN"),
    ))
    assert parse_query("«оборонная промышленность»") == Phrase("оборонная промышленность")


def test_a_plain_term_is_a_phrase_and_syntax_makes_it_a_query() -> None:
    assert parse_term("arms sales") == Phrase("arms sales")
    assert parse_term("China") == Word("China")
    assert parse_term("drone* NOT toy") == And((Word("drone", prefix=True), Not(Word("toy"))))
    assert parse_term("@space") == Ref("space", 0)


@pytest.mark.parametrize(
    ("query", "message", "position"),
    [
        ("", "empty", 0),
        ("(a OR b", "unclosed '('", 0),
        ("a OR b)", "unexpected ')'", 6),
        ('a "b c', "unclosed quote", 2),
        ("a AND", "a term is missing at the end", 5),
        ("a NEAR b", "NEAR needs a distance", 2),
        ("a NEAR/2 b NEAR/3 c", "NEAR/2 and NEAR/3 in a row need parentheses", 11),
        ("de*f", "'*' goes at the end", 0),
        ("@ x", "@ needs a name", 0),
        ("@country:China", "two-letter country code", 0),
        ("source: x", "source: needs a value", 0),
        ('""', "empty quotes", 0),
    ],
)
def test_errors_say_what_and_where(query: str, message: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError, match=re.escape(message)) as info:
        parse_query(query)
    assert info.value.position == position


def test_parse_query_names_lists_references_and_filters_in_order() -> None:
    query = "(@china OR lang:RU) AND NOT title:@usa source:seeds x"
    node, named = parse_query_names(query)
    assert node == parse_query(query)
    assert named == [Ref("china", 1), Filter("lang", "ru"), Ref("usa", 34),
                     Filter("source", "seeds")]
    assert [n.position for n in named] == [1, 11, 34, 39]  # lang:RU is lang:ru
