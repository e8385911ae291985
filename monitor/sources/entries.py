"""Parsed feed entries -> Documents (pure). Also parses the bytes of RSS, Atom and JSON Feed.

An entry's identity is its guid, else its link, else a hash of its text, so the same entry
keeps its id across polls; when its text changes the store sees an update. A broken entry
is logged and skipped; the others are kept.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from monitor.models import Document
from monitor.sources.html import html_to_text
from monitor.sources.readers import parse_date

log = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")
_MAX_ID = 400  # longer guids are hashed, to keep ids usable as keys


@dataclass(frozen=True, kw_only=True)
class ParsedFeed:
    """What a feed's bytes held: entries, and the problem feedparser recovered from, if any."""

    entries: list[Mapping[str, Any]]
    title: str
    version: str
    problem: str | None = None  # feedparser's bozo exception, as text

    @property
    def is_feed(self) -> bool:
        """Whether the bytes looked like a feed at all (an HTML error page does not)."""
        return bool(self.entries or self.version or self.title)


def parse_feed(data: bytes, *, headers: Mapping[str, str]) -> ParsedFeed:
    """Parse feed bytes (never a URL) with the response headers; JSON Feed is handled too."""
    content_type = headers.get("content-type", "").lower()
    if "json" in content_type or data.lstrip()[:1] == b"{":
        parsed = _parse_json_feed(data)
        if parsed is not None:
            return parsed
    result = feedparser.parse(
        data,
        # no content-location: resolving every element against it costs a quarter of the
        # parse; the few links we keep are resolved against `url` in _link()
        response_headers=dict(headers),
        sanitize_html=False,  # entries become plain text; nothing is rendered as HTML
        resolve_relative_uris=False,  # links are resolved below; content becomes text
    )
    problem = None
    if result.get("bozo"):
        exc = result.get("bozo_exception")
        problem = f"{type(exc).__name__}: {exc}" if exc is not None else "ill-formed feed"
    feed = result.get("feed") or {}
    return ParsedFeed(
        entries=list(result.get("entries") or []),
        title=str(feed.get("title") or ""),
        version=str(result.get("version") or ""),
        problem=problem,
    )


def _parse_json_feed(data: bytes) -> ParsedFeed | None:
    """A JSON Feed (jsonfeed.org) mapped onto feedparser's entry keys; None if not one."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        return None
    entries: list[Mapping[str, Any]] = []
    for item in doc["items"]:
        if not isinstance(item, dict):
            continue
        html, text = item.get("content_html"), item.get("content_text")
        entries.append({
            "id": item.get("id"),
            "link": item.get("url") or item.get("external_url"),
            "title": item.get("title") or "",
            "summary": item.get("summary") or "",
            "content": [{"value": html, "type": "text/html"}] if html
            else [{"value": text or "", "type": "text/plain"}],
            "_published": item.get("date_published") or item.get("date_modified"),
            "language": item.get("language"),
        })
    return ParsedFeed(entries=entries, title=str(doc.get("title") or ""), version="json")


def entries_to_documents(
    entries: Sequence[Mapping[str, Any]],
    *,
    source: str,
    id_prefix: str | None = None,
    base_url: str,
    fetched: datetime,
    language: str | None = None,
) -> list[Document]:
    """Documents for the entries; one that cannot be converted is logged and skipped."""
    docs: list[Document] = []
    prefix = id_prefix or source
    for index, entry in enumerate(entries):
        try:
            doc = entry_to_document(entry, source=source, id_prefix=prefix, base_url=base_url,
                                    fetched=fetched, language=language)
        except Exception as exc:  # input of any shape must not stop the feed
            log.warning("feed %r: skipped entry %d: %s: %s", prefix, index + 1,
                        type(exc).__name__, exc)
            continue
        if doc is not None:
            docs.append(doc)
    return docs


def entry_to_document(
    entry: Mapping[str, Any],
    *,
    source: str,
    id_prefix: str,
    base_url: str,
    fetched: datetime,
    language: str | None = None,
) -> Document | None:
    """One entry as a Document, or None when it has neither title nor text."""
    title = _text_of(entry.get("title"), entry.get("title_detail"))
    body = _body(entry)
    if not title and not body:
        return None
    if not title:
        title, _, rest = body.partition("\n")
        body = rest.strip() if len(title) <= 300 else body
        title = title[:300]
    link = _link(entry, base_url)
    key = _identity(entry, link, title, body)
    return Document(
        id=f"{id_prefix}:{key}",
        source=source,
        title=title.strip(),
        body=body.strip(),
        url=link,
        published=_published(entry) or fetched,
        fetched=fetched,
        language=language,
    )


def _text_of(value: Any, detail: Any = None) -> str:
    if not isinstance(value, str):
        return ""
    kind = str(detail.get("type", "")) if isinstance(detail, Mapping) else ""
    if kind in _HTML_TYPES or "<" in value or "&" in value:
        return html_to_text(value)
    return value.strip()


def _body(entry: Mapping[str, Any]) -> str:
    """The longest of the entry's contents, else its summary, as plain text."""
    best = ""
    contents = entry.get("content")
    if isinstance(contents, list):
        for content in contents:
            if isinstance(content, Mapping):
                text = _text_of(content.get("value"), content)
                if len(text) > len(best):
                    best = text
    if not best:
        best = _text_of(entry.get("summary"), entry.get("summary_detail"))
    return best


def _link(entry: Mapping[str, Any], base_url: str) -> str | None:
    link = entry.get("link")
    if not isinstance(link, str) or not link.strip():
        links = entry.get("links")
        candidates = [x.get("href") for x in links or () if isinstance(x, Mapping)]
        link = next((c for c in candidates if isinstance(c, str) and c.strip()), None)
    if not link:
        return None
    try:
        return urljoin(base_url, link.strip())
    except ValueError:
        return link.strip()


def _identity(entry: Mapping[str, Any], link: str | None, title: str, body: str) -> str:
    guid = entry.get("id")
    key = str(guid).strip() if isinstance(guid, str | int) and guid is not True else ""
    key = key or link or "sha256-" + hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()
    if len(key) > _MAX_ID:
        key = "sha256-" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _published(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return parse_date(entry.get("_published"))
