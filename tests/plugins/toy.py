"""A toy source and a toy notifier, written the way docs/design.md says an installed package
writes a kind of its own: a config model, a class with `from_config(cfg, ctx)`, and one
registration (an entry point, or `SOURCES.add` / `NOTIFIERS.add`). Nothing in monitor/
names them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from monitor.config import NotifierSection, SourceSection
from monitor.config_values import RelPath
from monitor.models import Alert, Document
from monitor.registry import Resources


class ListSourceConfig(SourceSection):
    """Headlines written in config.yaml, given once each."""

    type: Literal["list"] = Field(description="Selects the list source.")
    headlines: list[str] = Field(description="One document per headline.")
    interval: float = Field(60.0, description="Seconds between polls.")


class ListSource:
    config_model = ListSourceConfig

    def __init__(self, cfg: ListSourceConfig) -> None:
        self.id, self.interval, self.cfg = cfg.id, cfg.interval, cfg

    @classmethod
    def from_config(cls, cfg: ListSourceConfig, ctx: Resources) -> ListSource:
        return cls(cfg)

    async def __aenter__(self) -> ListSource:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def poll(self) -> list[Document]:
        return [Document(id=f"{self.id}/{n}", source=self.id, title=title, body=title)
                for n, title in enumerate(self.cfg.headlines)]

    def changes(self) -> None:
        return None

    def settling(self) -> None:
        return None

    def health(self) -> dict[str, Any]:
        return {"id": self.id, "type": "list", "ok": True}


class LineNotifierConfig(NotifierSection):
    """Each alert as one line `rule: headline` appended to a file."""

    type: Literal["line"] = Field(description="Selects the line notifier.")
    path: RelPath = Field(description="The file, relative to the config file.")


class LineNotifier:
    config_model = LineNotifierConfig

    def __init__(self, cfg: LineNotifierConfig) -> None:
        self.name, self.path, self.last_answer = cfg.name, cfg.path, ""

    @classmethod
    def from_config(cls, cfg: LineNotifierConfig, ctx: Resources) -> LineNotifier:
        return cls(cfg)

    async def __aenter__(self) -> LineNotifier:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def send(self, alert: Alert) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(f"{alert.rule}: {alert.document.title}\n")
        self.last_answer = f"appended to {self.path}"

    async def send_digest(self, alerts: Sequence[Alert], title: str) -> None:
        for alert in alerts:
            await self.send(alert)
