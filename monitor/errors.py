"""Every error the project raises on purpose derives from `MonitorError`.

    MonitorError
    ├── ConfigError          config.yaml is unreadable or invalid (file, line, key); a
    │                        YamlFileError (not UTF-8, bad YAML) becomes one (or a RuleError)
    ├── RuleError            a rule file is invalid (file, line, column, rule id)
    │   ├── QuerySyntaxError a query does not parse (position within the query)
    │   └── RuleHint         not a problem: advice `monitor check` prints with its warnings
    ├── StoreError           the state file is corrupt, foreign, locked or unwritable
    │   ├── LockedError      another instance holds the state file
    │   └── StoreUnavailable the state cannot be reached for now (retried later)
    ├── SourceError          a source could not be read this time (source id); retried later
    ├── FetchError           no HTTP answer (refused, timeout, too large); a source turns it
    │   │                    into a SourceError naming itself
    │   └── DecodeError      an answer's content encoding cannot be decoded
    ├── DocumentError        one input file or entry could not be turned into a document
    ├── WorkerCrashed        a worker process died on every try at one item (workers.py)
    ├── DeliveryError        a notifier could not deliver (notifier name); `retryable` says if
    │                        a later attempt may succeed
    └── ClusterError         the nodes' coordination (leases, heartbeats, the document queue)
                             cannot be reached now (node name); retried at the next turn

Messages name the file, line and id involved, so a user can act on them without a traceback.
"""

from __future__ import annotations

from typing import NamedTuple


class MonitorError(Exception):
    """Base class of the project's errors."""


class Location(NamedTuple):
    """Where in a file a problem is: `file:line:column` (line and column 1-based, 0 unknown).

    A named tuple rather than a frozen dataclass: a rule file of 100,000 rules has over a
    million positions, and one of these is made in a quarter of the time.
    """

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        out = self.file
        if self.line:
            out += f":{self.line}"
            if self.column:
                out += f":{self.column}"
        return out


class LocatedError(MonitorError):
    """An error that points at a place in a file."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        self.message = message
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class ConfigError(LocatedError):
    """config.yaml is unreadable or invalid."""


class RuleError(LocatedError):
    """A rule file is invalid: bad YAML, unknown key, bad query, unknown reference, failing example.

    When the loader finds several problems it raises one RuleError whose message lists them
    all, one per line; `errors` holds each of them (a single error holds itself).
    """

    errors: list[RuleError]

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        errors: list[RuleError] | None = None,
    ) -> None:
        super().__init__(message, location)
        self.errors = list(errors) if errors else [self]


class RuleHint(RuleError):
    """Advice about rules that are valid and do what they say, e.g. how to make checking
    them faster: `monitor check` prints it, and it counts as no warning (nor for --strict)."""


class QuerySyntaxError(RuleError):
    """A query does not parse; `position` is the 0-based character offset within the query."""

    def __init__(self, message: str, position: int = 0, location: Location | None = None) -> None:
        self.position = position
        super().__init__(message, location)


class StoreError(MonitorError):
    """The state file cannot be used: corrupt, foreign, from a newer version, or unwritable."""


class LockedError(StoreError):
    """Another monitor process holds the state file."""


class StoreUnavailable(StoreError):
    """The state cannot be reached for now (a database server restarting, a full disk); what
    was being stored is kept and tried again later."""


class SourceError(MonitorError):
    """A source could not be read this time; the daemon logs it and tries again later."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        super().__init__(f"source {source!r}: {message}")


class FetchError(MonitorError):
    """No HTTP answer: connection refused, DNS failure, timeout, too large, bad URL."""


class DecodeError(FetchError):
    """An HTTP answer's content encoding is unsupported or its bytes do not decompress."""


class DocumentError(MonitorError):
    """One file or feed entry could not be turned into a document; it is skipped with a warning."""


class WorkerCrashed(MonitorError):
    """A worker process died each time it was given one item (a document, a page)."""


class DeliveryError(MonitorError):
    """A notifier could not deliver an alert.

    `retryable` is False when trying again cannot help (a 4xx answer, a rejected recipient);
    `retry_after` is a server's requested delay in seconds, when it gave one.
    """

    def __init__(
        self,
        notifier: str,
        message: str,
        *,
        retryable: bool = True,
        retry_after: float | None = None,
    ) -> None:
        self.notifier = notifier
        self.retryable = retryable
        self.retry_after = retry_after
        super().__init__(f"notifier {notifier!r}: {message}")


class ClusterError(MonitorError):
    """The coordination of several daemons (leases, heartbeats, the document queue) failed
    this time, e.g. PostgreSQL restarting; the node logs it and tries again at its next turn."""

    def __init__(self, node: str, message: str) -> None:
        self.node = node
        super().__init__(f"node {node!r}: {message}")
