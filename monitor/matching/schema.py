"""Pydantic models of a rule file (topics, entities, rules). Unknown keys are errors."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
RULE_ID = r"^[a-z0-9][a-z0-9-]*$"
DIGESTS = ("immediate", "hourly", "daily")

Terms = list[str] | dict[str, list[str]]
Group = Literal["names", "places", "government", "people", "companies"]
GROUPS: tuple[Group, ...] = ("names", "places", "government", "people", "companies")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TopicModel(_Model):
    """A named list of terms about a subject; `@name` in a query means any of them."""

    description: str | None = Field(None, description="What the topic is about.")
    terms: Terms = Field(
        description="Terms (each a query); a list for every language, or a mapping "
        "language -> list."
    )


class EntityModel(_Model):
    """A named thing (country, person, organisation, place) and the names it goes by."""

    description: str | None = Field(None, description="Who or what it is.")
    kind: Literal["country", "person", "organization", "place", "other"] = Field(
        "other", description="country | person | organization | place | other"
    )
    country: str | None = Field(
        None, description="ISO 3166 code: adds the country's names in every language."
    )
    terms: Terms = Field(default_factory=list, description="Names and other terms.")
    include: list[Group] = Field(
        default_factory=list,
        description="Shipped vocabularies of `country` to add: names, places, government, "
        "people, companies, or all.",
    )

    @field_validator("include", mode="before")
    @classmethod
    def _include(cls, value: object) -> object:
        return list(GROUPS) if value == "all" else value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        from monitor.matching.countries import is_country

        if value is not None and not is_country(value.upper()):
            raise ValueError(f"{value!r} is not a known two-letter country code (like CN)")
        return value.upper() if value else value


class ExampleDoc(_Model):
    """An example document written out in full."""

    title: str = Field(description="The headline.")
    body: str = Field("", description="The text.")
    language: str | None = Field(None, description="Its language; detected when absent.")
    source: str | None = Field(None, description="The source id it pretends to come from.")
    url: str | None = Field(None, description="Its URL.")


Example = str | ExampleDoc


class ExamplesModel(_Model):
    """Texts the rule must match and must not match; checked at load and by `monitor check`."""

    match: list[Example] = Field(default_factory=list, description="Must match.")
    no_match: list[Example] = Field(default_factory=list, description="Must not match.")


class RuleModel(_Model):
    """One alerting rule."""

    id: Annotated[str, Field(pattern=RULE_ID, max_length=100)] = Field(
        description="Unique id across all rule files: lower-case letters, digits, hyphens."
    )
    title: str | None = Field(None, description="A human title; the id when absent.")
    description: str | None = Field(None, description="Notes for other analysts.")
    query: str = Field(description="The query (see docs/rules.md).")
    languages: list[str] | None = Field(None, description="Only documents in these languages.")
    sources: list[str] | None = Field(None, description="Only documents from these sources.")
    within: Literal["sentence", "paragraph"] | None = Field(
        None, description="The parts of the query's top-level AND in one sentence or paragraph."
    )
    min_score: float = Field(
        0.0, ge=0, le=1, description="Matches whose relevance score (0 to 1) is lower are dropped."
    )
    notify: list[str] | None = Field(None, description="Notifier names; default all.")
    digest: str = Field("immediate", description="immediate | hourly | daily | a cron line.")
    max_per_hour: int | None = Field(None, ge=1, description="At most this many alerts an hour.")
    enabled: bool = Field(True, description="false keeps the rule but never matches it.")
    stories: bool = Field(True, description="One alert per story; false alerts every copy.")
    spreading: int | None = Field(
        None, ge=2, le=200, description="Alert once more when a story reaches this many outlets."
    )
    examples: ExamplesModel = Field(default_factory=ExamplesModel, description="Checked texts.")

    @field_validator("digest")
    @classmethod
    def _digest(cls, value: str) -> str:
        value = " ".join(value.split())
        if value in DIGESTS:
            return value
        if len(value.split()) != 5 or not re.fullmatch(r"[\d\s*/,\-A-Za-z?]+", value):
            raise ValueError(
                f"{value!r} is not immediate, hourly, daily or a cron line like '0 8 * * 1-5'"
            )
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"invalid cron expression {value!r}: {exc}") from exc
        return value


TOP_LEVEL = ("topics", "entities", "rules")


def known_keys() -> set[str]:
    """Every key a rule file may contain (for "did you mean")."""
    keys = set(TOP_LEVEL)
    for model in (TopicModel, EntityModel, ExampleDoc, ExamplesModel, RuleModel):
        keys.update(model.model_fields)
    return keys
