"""The main text of a web page, without navigation, related-article lists and footers.

`extract_page` is the one place the extractor is chosen. trafilatura is used: on 181 real
news pages with hand-made ground truth (precision mode) it kept 0.96 of body phrases and let
4% of boilerplate phrases through, against 0.96 and 9% for readability-lxml, 0.94 and 29% for
the plain HTML reader (figures in docs/sources.md). The page's metadata (author, date,
language, canonical URL) comes along.
Pages nested deeper than any real page are reduced to their flat text (see html.too_deep).
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from monitor.sources.encoding import decode_bytes
from monitor.sources.html import extract_article, too_deep

log = logging.getLogger(__name__)
# the extractor logs every empty or odd page as an ERROR; what became of a page is
# reported by the caller, once, in the project's own words
for _name in ("trafilatura", "htmldate", "courlan", "justext"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
MIN_TEXT = 200  # characters: less than this is a consent wall, a paywall or a script page


@dataclass(frozen=True, kw_only=True, slots=True)
class Extracted:
    """What a page says: its title, main text and whatever metadata it carried."""

    title: str
    text: str
    author: str | None = None
    published: datetime | None = None
    language: str | None = None
    url: str | None = None  # the canonical URL the page names

    @property
    def substantial(self) -> bool:
        """Whether the text is long enough to be the article (not a wall or a stub)."""
        return len(self.text) >= MIN_TEXT


def extract_page(html: str | bytes, url: str | None = None) -> Extracted:
    """The title, main text and metadata of an HTML page (CPU work: call it off the loop).

    Never raises for bad markup: what cannot be extracted is an empty text.
    """
    page = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    if too_deep(page):
        title, text = extract_article(page)
        return Extracted(title=title, text=text)
    try:
        return _trafilatura(page, url)
    except Exception as exc:  # an extractor bug must cost one page, not the feed
        log.warning("page %s: the extractor failed (%s: %s); its HTML reader used instead",
                    url or "(no URL)", type(exc).__name__, exc)
        title, text = extract_article(page)
        return Extracted(title=title, text=text)


def extract_bytes(body: bytes, content_type: str, url: str | None,
                  languages: Sequence[str] = ()) -> Extracted:
    """`extract_page` of undecoded page bytes (what a worker process is handed)."""
    return extract_page(decode_page(body, content_type, languages), url)


def decode_page(body: bytes, content_type: str, languages: Sequence[str] = ()) -> str:
    """An HTML page's text: the charset of the Content-Type header, else of a <meta> tag,
    else UTF-8 or the legacy encoding of `languages` that reads best. Raises NotText."""
    declared = [m.group(1) for m in (_HEADER_CHARSET.search(content_type),
                                     _META_CHARSET.search(body[:8192])) if m]
    for name in declared:
        try:
            codec = codecs.lookup(name.decode() if isinstance(name, bytes) else name)
            return body.decode(codec.name)
        except (LookupError, UnicodeDecodeError):
            continue  # a wrong or unknown label: the next source of truth is tried
    return decode_bytes(body, languages)[0]


def _trafilatura(page: str, url: str | None) -> Extracted:
    import trafilatura  # a second of imports, paid only by those who extract

    # precision first: it lets boilerplate through on fewer pages (4% of phrases, not 6%);
    # a page it leaves nearly empty gets the balanced mode's second look
    doc = _run(trafilatura, page, url, precise=True)
    if doc is None or len(doc.text or "") < MIN_TEXT:
        doc = _run(trafilatura, page, url, precise=False) or doc
    if doc is None:
        return Extracted(title="", text="")
    title = (doc.title or "").strip()
    text = _without_title(doc.text or "", title)
    return Extracted(
        title=title, text=text, author=(doc.author or None), published=_date(doc.date),
        language=(doc.language or None), url=(doc.url or None),
    )


def _run(trafilatura: Any, page: str, url: str | None, *, precise: bool) -> Any:
    return trafilatura.bare_extraction(
        page, url=url, with_metadata=True, include_comments=False, deduplicate=False,
        favor_precision=precise)


def _without_title(text: str, title: str) -> str:
    """trafilatura may repeat the headline as the first line; the title is kept apart."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if title and lines and lines[0] == title:
        lines = lines[1:]
    return "\n\n".join(lines)  # paragraphs apart, as every other reader gives them


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
