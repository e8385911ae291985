"""The source sections of config.yaml: what every source has, and each built-in kind's model."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from monitor.config_values import Duration, Identifier, RelPath, Size, check_web_url
from monitor.sections import Section


class SourceSection(Section):
    """What every source section has; a kind's model narrows `type` to its own tag."""

    type: str = Field(description="Selects the kind of source.")
    id: Identifier = Field(description="Unique source id; rules' `sources:` and `source:` use it.")
    enabled: bool = Field(True, description="Set to false to pause the source.")


class FolderSourceConfig(SourceSection):
    """A folder of article files (.txt, .md, .html, .json, .jsonl), rescanned and watched."""

    type: Literal["folder"] = Field(description="Selects the folder source.")
    path: RelPath = Field(description="The folder to watch, relative to the config file.")
    interval: Duration = Field(2.0, description="How often the folder is rescanned.")
    recursive: bool = Field(True, description="Also read files in subfolders.")
    max_depth: int = Field(
        32, ge=1, le=1000, description="Subfolders deeper than this many levels below "
        "`path` are not read (reported once in the log and in `monitor status`)."
    )
    watch: bool = Field(True, description="React to file events (inotify) between rescans.")
    max_size: Size = Field(10 * 1024**2, description="Files larger than this are skipped.")
    settle: Duration = Field(
        1.0, description="A file is read once it has not changed for this long "
        "(until then it may still be being written)."
    )
    language: str | None = Field(None, description="Language hint; detected when absent.")


FullTextMode = Literal["auto", "always", "never"]
_FULL_TEXT = (
    "Fetch the page each entry links to and match its main text: auto (when the entry's own "
    "text is shorter than `pages.short`), always, or never."
)


def http_url(value: str) -> str:
    """`value` stripped, when it is an http(s) URL (file: and others would read local files)."""
    if not re.match(r"^https?://[^/\s]", value.strip(), re.IGNORECASE):
        raise ValueError(f"{value!r} is not an http:// or https:// URL (it is fetched over "
                         "HTTP; for local files use a folder source)")
    return check_web_url(value)  # one the HTTP client can request


class FetchedSourceConfig(SourceSection):
    """What every source fetched over HTTP shares: its interval, request headers and the
    limits on one fetch (a size and a time cap: security settings, kept in one place)."""

    interval: Duration = Field(900.0, description="How often it is polled (±10% jitter).")
    language: str | None = Field(None, description="Language hint for its entries.")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra HTTP request headers."
    )
    max_size: Size = Field(20 * 1024**2, description="Responses larger than this are refused.")
    timeout: Duration = Field(60.0, description="Longest time one fetch may take in total.")


class FeedSourceConfig(FetchedSourceConfig):
    """An RSS, Atom or JSON feed polled over HTTP(S) with conditional GET."""

    type: Literal["feed"] = Field(description="Selects the feed source.")
    url: str = Field(description="The feed URL (http or https).")
    full_text: FullTextMode = Field("auto", description=_FULL_TEXT)

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        return http_url(value)


class OpmlSourceConfig(FetchedSourceConfig):
    """Every feed listed in an OPML file (a feed reader's export), polled like `type: feed`."""

    type: Literal["opml"] = Field(description="Selects the OPML feed list.")
    id: Identifier = Field(
        description="Source id of all its feeds' documents; each feed is shown as "
        "`<id>.<8 hex digits of its URL>` in `monitor feeds`."
    )
    path: RelPath = Field(description="The OPML file, relative to the config file.")
    full_text: FullTextMode = Field("auto", description=_FULL_TEXT)


class SitemapSourceConfig(FetchedSourceConfig):
    """A (news) sitemap or sitemap index: articles published since the last poll, read from
    their pages."""

    type: Literal["sitemap"] = Field(description="Selects the sitemap source.")
    url: str = Field(description="The sitemap or sitemap index URL (http or https; .xml or "
                     ".xml.gz).")
    max_size: Size = Field(50 * 1024**2, description="Sitemaps larger than this (once "
                           "decompressed) are refused.")

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        return http_url(value)


class PageSourceConfig(SourceSection):
    """A section or front page without a feed: links that were not on it at the previous
    poll are read as articles."""

    type: Literal["page"] = Field(description="Selects the listing-page source.")
    url: str = Field(description="The page's URL (http or https).")
    interval: Duration = Field(900.0, description="How often the page is read.")
    include: list[str] = Field(
        default_factory=list, description="Regular expressions; a link is an article when "
        "it matches one (default: any link to the page's host other than the page itself)."
    )
    exclude: list[str] = Field(
        default_factory=list, description="Regular expressions of links that are never "
        "articles (e.g. `/tag/`, `/author/`)."
    )
    language: str | None = Field(None, description="Language hint for its articles.")

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        return http_url(value)

    @field_validator("include", "exclude")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from None
        return value
