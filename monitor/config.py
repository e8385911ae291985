"""The pydantic models of config.yaml and its loader.

Every field has a description: docs/configuration.md is checked against these models.
Relative paths are resolved against the folder of the config file.
"""

from __future__ import annotations

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
from monitor.config_sources import FeedSourceConfig as FeedSourceConfig
from monitor.config_sources import FetchedSourceConfig as FetchedSourceConfig
from monitor.config_sources import FolderSourceConfig as FolderSourceConfig
from monitor.config_sources import FullTextMode as FullTextMode
from monitor.config_sources import OpmlSourceConfig as OpmlSourceConfig
from monitor.config_sources import PageSourceConfig as PageSourceConfig
from monitor.config_sources import SitemapSourceConfig as SitemapSourceConfig
from monitor.config_sources import SourceSection as SourceSection
from monitor.config_sources import http_url as http_url
from monitor.config_stores import POSTGRES_SCHEMES, postgres_url
from monitor.config_stores import PostgresStoreConfig as PostgresStoreConfig
from monitor.config_stores import SQLiteStoreConfig as SQLiteStoreConfig
from monitor.config_stores import StoreSection as StoreSection
from monitor.config_values import Duration, RelPath, Size
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

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


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
