"""The bases of config.yaml's sections, below config.py and the kinds' config models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from monitor.config_values import Identifier


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class NotifierSection(Section):
    """What every notifier section has; a kind's model narrows `type` to its own tag."""

    type: str = Field(description="Selects the kind of notifier.")
    name: Identifier = Field(description="Name that rules' `notify:` refers to.")
