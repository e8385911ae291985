"""The query language: a small boolean syntax parsed into an immutable tree.

    query   := or
    or      := and ("OR" and)*
    and     := near (["AND"] near)*          juxtaposition means AND
    near    := unary ("NEAR/n" unary)* | unary ("SENT" unary)* | unary ("PARA" unary)*
    unary   := "NOT" unary | primary
    primary := "(" or ")" | FIELD ":" primary | "source:"ID | "lang:"CODE | "url:"TEXT
             | '"' words '"' ["~" n] | word | word"*" | "@"name | "@country:"CC

Operators are upper case; lower-case "and", "or", "not" are ordinary words.
"NEAR/5", "SENT" and "PARA" bind alike; different ones in a row need parentheses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from monitor.errors import QuerySyntaxError


@dataclass(frozen=True, slots=True)
class Word:
    """A word (or a word written with a trailing * for a prefix)."""

    text: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words in order and adjacent, or with `slop` within that many words of each other."""

    text: str
    slop: int | None = None


@dataclass(frozen=True, slots=True)
class Ref:
    """@name (a topic or entity), or @country:CC when `country` is set."""

    name: str
    position: int = 0
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Filter:
    """source:ID, lang:CODE or url:TEXT: a condition on the document, not on its words."""

    kind: str
    value: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Scoped:
    """title:... or body:...: the child applies to that field only."""

    field: str
    child: Node


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Near:
    children: tuple[Node, ...]
    distance: int


@dataclass(frozen=True, slots=True)
class Same:
    """Children in one sentence (`unit` "sentence", written SENT) or one paragraph
    ("paragraph", PARA) of the same field."""

    children: tuple[Node, ...]
    unit: str


UNITS = {"SENT": "sentence", "PARA": "paragraph"}
Node = Word | Phrase | Ref | Filter | Scoped | Not | And | Or | Near | Same

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<quote>["«“„](?P<phrase>[^"»”“]*)["»”“](?:~(?P<slop>\d+))?)
  | (?P<open_quote>["«“„])
  | (?P<near>NEAR/(?P<distance>\d+)(?![^\s()]))
  | (?P<bad_near>NEAR(?:/\S*)?(?![^\s()]))
  | (?P<same>(?:SENT|PARA)(?![^\s()]))
  | (?P<op>(?:AND|OR|NOT)(?![^\s()]))
  | (?P<field>(?:title|body):)
  | (?P<filter>(?:source|lang|url):(?P<value>[^\s()]*))
  | (?P<ref>@(?P<refname>[^\s()"]*))
  | (?P<word>[^\s()"«»“”„]+)
    """,
    re.VERBOSE,
)

_Tok = tuple[str, str, int, re.Match[str]]  # kind, text, position, match
# the groups inside a token's pattern name the token's kind
_KIND = {"phrase": "quote", "slop": "quote", "distance": "near", "value": "filter",
         "refname": "ref"}


def _lex(query: str) -> list[_Tok]:
    # every character starts some alternative (the word pattern takes anything else), so
    # the matches follow one another with no gap
    tokens = [
        (_KIND.get(kind, kind), m.group(), m.start(), m)
        for m in _TOKEN.finditer(query)
        if (kind := m.lastgroup or "") != "space"
    ]
    for kind, _, pos, _ in tokens:
        if kind == "open_quote":
            raise QuerySyntaxError(f"unclosed quote at character {pos + 1}", pos)
        if kind == "bad_near":
            raise QuerySyntaxError(
                f"NEAR needs a distance, like NEAR/5 (at character {pos + 1})", pos
            )
    return tokens


MAX_NESTING = 50  # parentheses, NOT and field: prefixes; deeper is refused, not a crash


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _lex(query)
        self.i = 0
        self.depth = 0
        self.named: list[Ref | Filter] = []  # the @references and filters met, in order

    def nest(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error(f"the query is nested more than {MAX_NESTING} levels deep", tok)

    def peek(self) -> _Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def error(self, message: str, tok: _Tok | None) -> QuerySyntaxError:
        pos = tok[2] if tok else len(self.query)
        where = f"at character {pos + 1}" if tok else "at the end"
        return QuerySyntaxError(f"{message} {where}", pos)

    def parse(self) -> Node:
        if not self.tokens:
            raise QuerySyntaxError("the query is empty", 0)
        node = self.parse_or()
        tok = self.peek()
        if tok is not None:
            raise self.error(f"unexpected {tok[1]!r}", tok)
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while (tok := self.peek()) and tok[0] == "op" and tok[1] == "OR":
            self.i += 1
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node:
        children = [self.parse_near()]
        while (tok := self.peek()) and tok[0] != "rparen" and not (
            tok[0] == "op" and tok[1] == "OR"
        ):
            if tok[0] == "op" and tok[1] == "AND":
                self.i += 1
            children.append(self.parse_near())
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_near(self) -> Node:
        children = [self.parse_unary()]
        operator: str | None = None  # "NEAR/5", "SENT" or "PARA"
        while (tok := self.peek()) and tok[0] in ("near", "same"):
            if operator is not None and tok[1] != operator:
                raise self.error(f"{operator} and {tok[1]} in a row need parentheses", tok)
            operator = tok[1]
            self.i += 1
            children.append(self.parse_unary())
        if operator is None:
            return children[0]
        if operator in UNITS:
            return Same(tuple(children), UNITS[operator])
        return Near(tuple(children), int(operator.partition("/")[2]))

    def parse_unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] == "NOT":
            self.i += 1
            self.nest(tok)
            node: Node = Not(self.parse_unary())
            self.depth -= 1
            return node
        return self.parse_primary()

    def parse_primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error("a term is missing", None)
        kind, text, pos, m = tok
        self.i += 1
        if kind == "lparen":
            self.nest(tok)
            node = self.parse_or()
            self.depth -= 1
            close = self.peek()
            if close is None or close[0] != "rparen":
                raise QuerySyntaxError(f"unclosed '(' at character {pos + 1}", pos)
            self.i += 1
            return node
        if kind == "field":
            self.nest(tok)
            scoped = Scoped(text[:-1], self.parse_primary())
            self.depth -= 1
            return scoped
        if kind == "filter":
            flt = _filter(text, pos)
            self.named.append(flt)
            return flt
        if kind == "quote":
            return _phrase(m, pos)
        if kind == "ref":
            ref = _ref(m.group("refname"), pos)
            self.named.append(ref)
            return ref
        if kind == "word":
            return _word(text, pos)
        raise self.error(f"unexpected {text!r}", tok)


def _filter(text: str, pos: int) -> Filter:
    kind, _, value = text.partition(":")
    if not value:
        raise QuerySyntaxError(f"{kind}: needs a value (at character {pos + 1})", pos)
    return Filter(kind, value.lower() if kind == "lang" else value, pos)


def _phrase(m: re.Match[str], pos: int) -> Phrase:
    words = m.group("phrase").strip()
    if not words:
        raise QuerySyntaxError(f"empty quotes at character {pos + 1}", pos)
    slop = m.group("slop")
    return Phrase(" ".join(words.split()), int(slop) if slop is not None else None)


def _ref(name: str, pos: int) -> Ref:
    if not name:
        raise QuerySyntaxError(f"@ needs a name (at character {pos + 1})", pos)
    if name.startswith("country:"):
        code = name.partition(":")[2]
        if not re.fullmatch(r"[A-Za-z]{2}", code):
            raise QuerySyntaxError(
                f"@country: needs a two-letter country code like CN (at character {pos + 1})", pos
            )
        return Ref(name, pos, country=code.upper())
    return Ref(name, pos)


def _word(text: str, pos: int) -> Word:
    prefix = text.endswith("*")
    stem = text.rstrip("*")
    if not stem or "*" in stem:
        raise QuerySyntaxError(
            f"'*' goes at the end of a word, as in defen* (at character {pos + 1})", pos
        )
    return Word(stem, prefix)


def tokens(query: str) -> list[tuple[str, str, int]]:
    """The query's tokens as (kind, text, position), spaces left out; kinds are those of the
    lexer ("word", "op", "quote", "ref", ...). Raises QuerySyntaxError like `parse_query`."""
    return [(kind, text, pos) for kind, text, pos, _ in _lex(query)]


def parse_query(query: str) -> Node:
    """Parse a query; raise QuerySyntaxError (with the 0-based `position`) when it is invalid."""
    return _Parser(query).parse()


def parse_query_names(query: str) -> tuple[Node, list[Ref | Filter]]:
    """`parse_query`, and the @references and filters of the query in order: what names
    topics, sources and languages, for the loader to check (without walking the tree)."""
    parser = _Parser(query)
    return parser.parse(), parser.named


_SYNTAX = re.compile(
    r"""["«»“”„()*@~]|(?:^|\s)(?:AND|OR|NOT|SENT|PARA|NEAR/\S*)(?:\s|$)"""
    r"""|\b(?:title|body|source|lang|url):"""
)


def parse_term(term: str) -> Node:
    """A vocabulary term: plain words are a phrase ("arms sales"); anything else is a query."""
    text = " ".join(term.split())
    if not text:
        raise QuerySyntaxError("the term is empty", 0)
    if _SYNTAX.search(text):
        return parse_query(term)
    return Phrase(text) if " " in text else Word(text)


def positive(node: Node) -> bool:
    """True when the node can only match through words that are present (not NOT-only)."""
    if isinstance(node, Not | Filter):
        return False
    if isinstance(node, And):
        return any(positive(c) for c in node.children)
    if isinstance(node, Or):
        return all(positive(c) for c in node.children)
    if isinstance(node, Scoped):
        return positive(node.child)
    return True


def proximal(node: Node) -> bool:
    """Whether a node can take part in NEAR, SENT or PARA: a word, phrase, prefix,
    @reference, field-scoped one of these, an OR-group of them, or a NEAR/SENT/PARA.
    (A topic whose terms are not of this kind is refused when the rule is compiled.)"""
    if isinstance(node, Or):
        return all(proximal(c) for c in node.children)
    if isinstance(node, Scoped):
        return proximal(node.child)
    return isinstance(node, Word | Phrase | Ref | Near | Same)


def within(node: Node, unit: str) -> Node:
    """The query with the words, @references and OR-groups of its top-level AND required in
    one sentence or paragraph (`within:` of a rule); NOT and filters stay as they are.
    Raises ValueError when the query has no such AND."""
    children = node.children if isinstance(node, And) else (node,)
    close = [c for c in children if proximal(c)]
    if len(close) < 2:
        raise ValueError(
            f"within: {unit} needs a query whose top level is an AND of two or more words, "
            "phrases, @references or OR-groups of them (like '@topic AND @entity')"
        )
    rest = [c for c in children if not proximal(c)]
    return And((Same(tuple(close), unit), *rest)) if rest else Same(tuple(close), unit)


def references(node: Node) -> list[Ref]:
    """Every @reference in the tree, in order."""
    if isinstance(node, Ref):
        return [node]
    if isinstance(node, And | Or | Near | Same):
        return [r for c in node.children for r in references(c)]
    if isinstance(node, Not | Scoped):
        return references(node.child)
    return []
