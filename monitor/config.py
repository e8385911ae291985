"""The pydantic models of config.yaml and its loader.

Every field has a description: docs/configuration.md is checked against these models.
Relative paths are resolved against the folder of the config file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor import USER_AGENT
from monitor.config_nodes import NodesConfig as NodesConfig
from monitor.config_notifiers import AppriseNotifierConfig as AppriseNotifierConfig
from monitor.config_notifiers import AtomNotifierConfig as AtomNotifierConfig
from monitor.config_notifiers import EmailNotifierConfig as EmailNotifierConfig
from monitor.config_notifiers import SmtpConfig as SmtpConfig
from monitor.config_notifiers import WebhookNotifierConfig as WebhookNotifierConfig
from monitor.config_stores import POSTGRES_SCHEMES, postgres_url
from monitor.config_stores import PostgresStoreConfig as PostgresStoreConfig
from monitor.config_stores import SQLiteStoreConfig as SQLiteStoreConfig
from monitor.config_stores import StoreSection as StoreSection
from monitor.config_values import Duration, Identifier, RelPath, Size, check_web_url
from monitor.config_values import parse_duration as parse_duration
from monitor.config_values import parse_size as parse_size
from monitor.errors import ConfigError, Location
from monitor.sections import NotifierSection as NotifierSection
from monitor.sections import Section as Section
from monitor.yamlfile import (
    YamlFileError,
    read_yaml_file,
    validation_messages,
)

# ---------------------------------------------------------------- sources


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


class FeedsConfig(Section):
    """Settings shared by all feeds: politeness limits and failure handling."""

    max_concurrent: int = Field(20, ge=1, description="Feed fetches running at once, overall.")
    per_host: int = Field(2, ge=1, description="Feed fetches running at once per host.")
    backoff_max: Duration = Field(
        6 * 3600.0, description="Longest wait between attempts on a failing feed."
    )
    alert_after: Duration = Field(
        24 * 3600.0, description="A feed failing for longer than this is reported through "
        "the notifiers (once, and again when it recovers)."
    )


class PagesConfig(Section):
    """Fetching article pages (the full text of feed entries): politeness and limits."""

    user_agent: str = Field(
        USER_AGENT, description="The User-Agent of article page and robots.txt requests: "
        "the software, its version and a URL where site owners learn what it is."
    )
    per_host: int = Field(2, ge=1, le=8, description="Page fetches running at once per host.")
    min_delay: Duration = Field(
        1.0, description="Least time between the starts of two requests to one host."
    )
    short: int = Field(
        1000, ge=0, description="With `full_text: auto`, an entry whose own text is shorter "
        "than this many characters gets its page fetched."
    )
    max_size: Size = Field(5 * 1024**2, description="Pages larger than this are not read.")
    timeout: Duration = Field(30.0, description="Longest time one page fetch may take.")
    max_redirects: int = Field(5, ge=0, le=20, description="Redirects followed per page.")
    robots: bool = Field(
        True, description="Obey robots.txt (fetched once per host and cached for a day)."
    )
    site_failures: int = Field(
        3, ge=1, description="Consecutive failures after which a site is paused (backing "
        "off, doubling from 10 minutes) and reported by `monitor feeds` and the feed-health "
        "alert."
    )

# ---------------------------------------------------------------- the rest


class HttpConfig(Section):
    """The optional HTTP server: the dashboard, Atom feeds, /healthz, /metrics."""

    enabled: bool = Field(
        False, description="Serve the dashboard, feeds, health and metrics over HTTP."
    )
    bind: str = Field("127.0.0.1:8080", description="host:port to listen on.")
    password_env: str | None = Field(
        None, description="Environment variable holding the password (basic auth or bearer "
        "token) for everything but /healthz and /metrics; required off 127.0.0.1."
    )


class DeliveryConfig(Section):
    """The outbox: how failed deliveries are retried."""

    max_attempts: int = Field(12, ge=1, description="Attempts before a delivery is failed.")
    backoff: Duration = Field(30.0, description="Delay after the first failure; doubles.")
    backoff_max: Duration = Field(3600.0, description="Longest delay between attempts.")
    interval: Duration = Field(1.0, description="How often the outbox is checked.")
    timezone: str = Field(
        "UTC",
        description="Time zone of digest windows (daily = midnight there), e.g. Europe/Berlin.",
    )
    max_per_hour: int | None = Field(
        None,
        ge=1,
        description="Immediate alerts per notifier and rule per hour; the overflow is folded "
        "into the next hourly digest. Unlimited when absent.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except (KeyError, ValueError) as exc:
            from monitor.wording import unknown_zone

            raise ValueError(unknown_zone(value)) from exc
        return value


class StoriesConfig(Section):
    """Stories: copies of one news story across outlets are grouped, and a rule alerts once
    per story; later copies are attached to it (see docs/notifiers.md)."""

    enabled: bool = Field(True, description="Group copies into stories (false: every copy "
                          "alerts, as for a rule with `stories: false`).")
    window: Duration = Field(
        72 * 3600.0, description="A document joins a story only if a copy was seen within "
        "this long before it."
    )
    threshold: float = Field(
        0.4, ge=0.2, le=1.0, description="How much of the shorter text must be found in the "
        "longer one (the share of its 5-word sequences) for them to be copies; their leads "
        "must also match. Higher groups less."
    )


class LogConfig(Section):
    """Logging."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Log level."
    )
    format: Literal["text", "json"] = Field("text", description="text lines or JSON lines.")


class Config(Section):
    """config.yaml."""

    languages: list[str] = Field(
        default_factory=lambda: ["en", "ru", "uk", "de", "fr", "es", "zh"],
        description="ISO 639-1 codes of the languages documents may be written in.",
        min_length=1,
    )
    state: RelPath = Field(
        Path("out/state.db"), description="The SQLite state file, or a PostgreSQL database "
        "as postgresql://user@host:port/dbname (the password in PGPASSWORD or ~/.pgpass)."
    )
    rules: RelPath = Field(Path("rules"), description="Folder of rule files (*.yaml).")
    store: StoreSection | None = Field(
        None, description="Where the state is kept; the SQLite file `state` when absent."
    )
    sources: list[SourceSection] = Field(default_factory=list, description="What to watch.")
    notifiers: list[NotifierSection] = Field(
        default_factory=list, description="Where alerts go."
    )
    http: HttpConfig = Field(default_factory=HttpConfig, description="The HTTP server.")
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig, description="The outbox.")
    nodes: NodesConfig = Field(
        default_factory=NodesConfig, description="Several daemons on one PostgreSQL state."
    )
    feeds: FeedsConfig = Field(
        default_factory=FeedsConfig, description="Limits and failure handling for all feeds."
    )
    pages: PagesConfig = Field(
        default_factory=PagesConfig, description="Fetching article pages: politeness, limits."
    )
    log: LogConfig = Field(default_factory=LogConfig, description="Logging.")
    stories: StoriesConfig = Field(
        default_factory=StoriesConfig, description="Grouping copies of a story."
    )
    retention: Duration = Field(90 * 86400.0, description="How long documents are kept.")
    workers: Annotated[int, Field(ge=1)] | Literal["auto"] = Field(
        "auto", description="Processes matching documents: `auto` one per core, 1 matches in "
        "the daemon's own process (docs/operations.md, Workers)."
    )
    templates: RelPath | None = Field(
        None, description="Folder of templates overriding the shipped ones."
    )
    cache: RelPath | None = Field(
        None, description="Folder for what is expensive to rebuild (the compiled rules); "
        "`cache/` beside the state file when absent. Safe to delete at any time."
    )
    path: Path | None = Field(None, exclude=True, description="(set by the loader)")

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        from monitor.text.languages import SUPPORTED
        from monitor.wording import unknown

        for code in value:
            if code not in SUPPORTED:
                raise ValueError(unknown("language", code, SUPPORTED, "the monitor knows"))
        return value

    @model_validator(mode="before")
    @classmethod
    def _state_url(cls, data: Any) -> Any:
        """`state: postgresql://...` selects the PostgreSQL store."""
        state = data.get("state") if isinstance(data, dict) else None
        if not (isinstance(state, str) and state.startswith(POSTGRES_SCHEMES)):
            return data
        if data.get("store") is not None:
            raise ValueError("state: a PostgreSQL URL and a `store:` section; keep one")
        try:
            postgres_url(state)
        except ValueError as exc:
            raise ValueError(f"state: {exc}") from None
        rest = {k: v for k, v in data.items() if k != "state"}
        return {**rest, "store": {"type": "postgresql", "url": state}}

    @property
    def state_url(self) -> str | None:
        """The PostgreSQL URL the state is kept at, or None (the SQLite file `state`)."""
        url = getattr(self.store, "url", None)
        return url if isinstance(url, str) and url.startswith(POSTGRES_SCHEMES) else None

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        for what, names in (
            ("source id", [s.id for s in self.sources]),
            ("notifier name", [n.name for n in self.notifiers]),
        ):
            seen: set[str] = set()
            for name in names:
                if name in seen:
                    raise ValueError(f"duplicate {what} {name!r}")
                seen.add(name)
        return self

    @property
    def cache_dir(self) -> Path | None:
        """`cache`, else `cache/` beside the state file; None for a config made in code."""
        return self.cache or (self.state.parent / "cache" if self.path else None)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def source(self, source_id: str) -> SourceSection:
        for s in self.sources:
            if s.id == source_id:
                return s
        from monitor.wording import unknown

        raise ConfigError(unknown("source", source_id, [s.id for s in self.sources],
                                  "in config.yaml"))


def load_config(path: Path | str) -> Config:
    """Read and validate config.yaml. Raises ConfigError naming the file and line."""
    path = Path(path).absolute()
    file = str(path)
    try:
        _, data, positions = read_yaml_file(path)
    except YamlFileError as exc:
        raise ConfigError(exc.message, exc.location) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read the config file: {exc.strerror or exc}",
                          Location(file=file)) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("the config file must be a mapping of keys", Location(file=file, line=1))
    # the kinds (and the config models of installed plug-ins) are wired above this module
    from monitor.kinds import config_model, known_keys, union_tags

    try:
        config = config_model().model_validate(data, context={"base_dir": path.parent})
    except ValidationError as exc:
        messages = validation_messages(exc, positions, file, known_keys(), union_tags(),
                                       config_model())
        where, first = messages[0]
        more = "".join(f"\n{loc}: {msg}" for loc, msg in messages[1:])
        raise ConfigError(first + more, where) from exc
    return config.model_copy(update={"path": path})
