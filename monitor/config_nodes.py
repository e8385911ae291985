"""The `nodes:` section: several daemons sharing one PostgreSQL state; `monitor.config`
re-exports it."""

from __future__ import annotations

from pydantic import Field, model_validator

from monitor.config_values import Duration
from monitor.sections import Section


class NodesConfig(Section):
    """Several daemons on one PostgreSQL state (ignored with SQLite: one daemon per file)."""

    name: str | None = Field(
        None, min_length=1, max_length=100,
        description="This daemon's name among the nodes (`monitor run --node` overrides it); "
        "the host name and process id when absent.",
    )
    lease: Duration = Field(
        30.0, gt=0,
        description="How long a node's claim on a source, a notifier or documents lasts "
        "unless renewed: a node that dies or hangs is taken over after this.",
    )
    heartbeat: Duration = Field(
        5.0, gt=0, description="How often a node says it is alive and renews its leases."
    )

    @model_validator(mode="after")
    def _renewed_in_time(self) -> NodesConfig:
        if self.heartbeat * 2 > self.lease:
            raise ValueError("nodes.heartbeat must be at most half of nodes.lease, or leases "
                             "expire between renewals")
        return self
