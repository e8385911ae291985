"""The values that flow between stages: Document -> Match -> Alert.

All are frozen and keyword-only. What is stored (Document, Alert) is a pydantic model, so it
can be kept in the outbox as JSON and read back unchanged after a restart; what the matcher
makes by the hundred per document (Match, Hit) is a slotted dataclass, which costs a third
as much to make (pydantic validates a Hit when an Alert is read back).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Field_ = Literal["title", "body"]


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unsurrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    # a byte a file name held that was not UTF-8 (surrogateescape): keep it visible, unique
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "\ufffd"


def valid_text(text: str) -> str:
    """`text` without lone surrogates (they cannot be stored, encoded or sent): a byte
    escaped from a non-UTF-8 file name becomes `\\xNN`, any other one U+FFFD."""
    return _SURROGATE.sub(_unsurrogate, text) if _SURROGATE.search(text) else text


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Value(BaseModel):
    """Base of the flowing values: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Document(Value):
    """One article, whatever its source.

    `id` is stable for the same article (source id + relative path, or + feed entry id);
    `content_hash` identifies its text, so the same text under another id is a duplicate.
    """

    id: str
    source: str
    title: str
    body: str = ""
    url: str | None = None
    published: datetime | None = None
    fetched: datetime = Field(default_factory=utcnow)
    language: str | None = None  # a hint from the source; analysis detects when None
    path: str | None = None  # the file a folder document came from
    author: str | None = None  # as the article's page names it (full text)
    # for an entry whose linked page was wanted: "page" (the body is the page's main text)
    # or "summary" (the page could not be had; the body is what the feed gave)
    body_from: Literal["page", "summary"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _valid_text(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: valid_text(v) if isinstance(v, str) else v for k, v in data.items()}
        return data

    def validated(self) -> Document:
        """This document validated again (`model_copy(update=...)` skips validation)."""
        return Document.model_validate(self.model_dump())

    @property
    def content_hash(self) -> str:
        """sha256 of the normalised title and body: equal for equal text, whatever the id."""
        text = unicodedata.normalize("NFC", f"{self.title.strip()}\n{self.body.strip()}")
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """One term of a rule that fired: which term, in which field, the words as written there.

    A plain frozen dataclass, not a model: the matcher makes hundreds per document from
    values it has checked itself, and pydantic still validates hits read back as JSON
    (inside an Alert).
    """

    term: str  # the query term as the analyst wrote it, e.g. "оборонная промышленность"
    field: Field_
    text: str  # the surface text in the document, e.g. "оборонной промышленности"
    start: int  # character offsets of `text` within the field
    end: int


ScoreParts = tuple[tuple[str, float], ...]  # the relevance score's parts by name
TermCounts = tuple[tuple[str, int], ...]  # query term -> how many hits it has


class Match:
    """A rule that matched a document, with the hits that explain why and its relevance
    score (docs/rules.md), made by the matcher and never read back.

    The score is worked out when first asked for (`later`): matching costs the same whether
    or not anything looks at it, and a rule with a `min_score` gets it at once. Read-only.
    """

    __slots__ = ("_later", "_parts", "_score", "counts", "hits", "rule")

    def __init__(
        self, *, rule: str, hits: tuple[Hit, ...] = (), score: float = 1.0,
        score_parts: ScoreParts = (), later: Callable[[], tuple[float, ScoreParts]] | None = None,
        counts: TermCounts = (),
    ) -> None:
        self.rule = rule
        self.hits = hits  # the first few of each term's (matching.shown.PER_TERM, MAX_HITS)
        self.counts = counts  # how many hits each term that fired has in the document
        self._score = score
        self._parts = score_parts
        self._later = later

    def _resolve(self) -> None:
        if self._later is not None:
            self._score, self._parts = self._later()
            self._later = None

    @property
    def score(self) -> float:
        """The relevance score, 0 to 1."""
        if self._later is not None:  # read for every match (monitor test): no call when known
            self._resolve()
        return self._score

    @property
    def score_parts(self) -> ScoreParts:
        """The score's parts by name ("prominence", "mentions", ...)."""
        self._resolve()
        return self._parts

    def _key(self) -> tuple[str, tuple[Hit, ...], float, ScoreParts, TermCounts]:
        return self.rule, self.hits, self.score, self.score_parts, self.counts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Match) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Match(rule={self.rule!r}, score={self.score}, hits={len(self.hits)})"


Shown = tuple[tuple[Hit, ...], float, ScoreParts, TermCounts]  # hits, score, parts, counts


_FIELDS: tuple[Field_, Field_] = ("title", "body")


class _Filled:
    """A Hit's slots without its frozen check, for `made_hits`: a Hit made from checked
    values is filled in as one of these (a plain store per field, where a frozen Hit takes
    a descriptor call) and then made a Hit, which has the same slots, so the class may be
    changed (tests/matching/test_match_workers.py holds them equal)."""

    __slots__ = Hit.__slots__
    term: str
    field: Field_
    text: str
    start: int
    end: int


def made_hits(hits: Sequence[tuple[int, int, int, str]], texts: tuple[str, str]) -> list[Hit]:
    """`hits` (field number: 0 title, 1 body, start, minus the end, term each, as the
    matcher finds them; the text is `texts[field][start:end]`) as Hit objects: for the
    matcher's results read back from a worker (hundreds a document at 10,000 rules), made
    without the keyword call and the frozen check from values the matcher has checked:
    0.2 us a hit, the constructor 0.78."""
    made: list[Any] = []
    add = made.append
    for number, start, end, term in hits:
        end = -end
        hit = _Filled()  # called (no __init__ of its own): 20 ns less than object.__new__
        hit.term = term
        hit.field = _FIELDS[number]
        hit.text = texts[number][start:end]
        hit.start = start
        hit.end = end
        hit.__class__ = Hit  # type: ignore[assignment]
        add(hit)
    return made


def made_matches(ids: Sequence[str], order: Iterable[int], shown: Sequence[Shown]
                 ) -> list[Match]:
    """The scored Matches `order` lists as [rule, row, rule, row, ...]: rule `ids[rule]`
    showing `shown[row]` (the matches of one row share its tuples). Made in one loop, not
    by a call each (hundreds a document; a call cost as much as making the Match)."""
    new = object.__new__
    out: list[Match] = []
    add = out.append
    numbers = iter(order)
    for rule, row in zip(numbers, numbers, strict=True):
        hits, score, parts, counts = shown[row]
        m = new(Match)
        m.rule = ids[rule]
        m.hits = hits
        m.counts = counts
        m._score = score
        m._parts = parts
        m._later = None
        add(m)
    return out


class Snippet(Value):
    """A short excerpt around the hits: segments of text, each flagged as a hit or not."""

    field: Field_
    segments: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.segments)


class Outlet(Value):
    """One copy of a story: which document, from which source and web host, when seen."""

    document: str
    source: str
    host: str = ""  # the web host of its URL; "" when it has none (a folder document)
    url: str | None = None
    title: str = ""
    seen: datetime

    @property
    def name(self) -> str:
        """How people call the outlet: the web host, else the source id."""
        return self.host or self.source


class Alert(Value):
    """What notifiers deliver: a document that matched a rule, with the explanation.

    `id` is stable for the same rule and text, so a resend after a crash is recognisable
    (it becomes the email Message-ID, the webhook delivery id and the Atom entry id).
    """

    id: str
    rule: str
    rule_title: str
    document: Document
    language: str | None = None  # the detected language of the document
    score: float = 1.0
    score_parts: tuple[tuple[str, float], ...] = ()  # the relevance score's parts by name
    hits: tuple[Hit, ...] = ()  # the first few of each term's
    counts: TermCounts = ()  # how many hits each term has in the document
    snippets: tuple[Snippet, ...] = ()
    created: datetime = Field(default_factory=utcnow)
    kind: Literal["match", "health", "test"] = "match"
    story: str | None = None  # the story of the document (copies of one text share it)
    attached_to: str | None = None  # a later copy: the id of the story's alert it joins
    outlets: tuple[Outlet, ...] = ()  # the story's copies, filled in when it is sent
    spreading: int = 0  # > 0: "the story is spreading", it reached this many outlets

    @property
    def other_outlets(self) -> tuple[Outlet, ...]:
        """The story's outlets other than this document's own (one per name)."""
        own = {o.name for o in self.outlets if o.document == self.document.id}
        own.add(self.document.source)
        seen: dict[str, Outlet] = {}
        for outlet in self.outlets:
            if outlet.name not in own:
                seen.setdefault(outlet.name, outlet)
        return tuple(seen.values())

    @staticmethod
    def make_id(rule: str, content_hash: str) -> str:
        """The alert id for a rule and a document text."""
        return hashlib.sha256(f"{rule}\0{content_hash}".encode()).hexdigest()[:32]
