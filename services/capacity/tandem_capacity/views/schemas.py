"""Response bodies of the views."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from tandem_shared.api import Page


class GroupWeek(BaseModel):
    """Available and booked hours of a group of people in one ISO week."""

    week: str
    week_start: date
    available_hours: float
    booked_hours: float
    change_hours: float
    project_hours: float
    operations_hours: float
    soft_hours: float
    hard_hours: float
    utilisation: float = Field(description="booked_hours / available_hours of the group, to 4 decimals.")
    people_overallocated: int = Field(description="People of the group booked above their available hours.")


class GroupUtilisation(BaseModel):
    """Utilisation of a team or of the holders of a skill, one row per ISO week."""

    team: str | None = None
    skill: str | None = None
    min_proficiency: int | None = None
    people: int = Field(description="How many people the rows sum.")
    weeks: list[GroupWeek]


class HeatmapPerson(BaseModel):
    """One person's row: arrays parallel to `weeks`."""

    id: uuid.UUID
    name: str
    team: str
    booked: list[float]
    available: list[float]
    utilisation: list[float] = Field(description="booked / available per week, 0 when nothing is available.")


class Heatmap(BaseModel):
    """People × weeks, compact: one object per person, one array entry per week."""

    weeks: list[str]
    people: list[HeatmapPerson]
    next_cursor: str | None
    limit: int


class EpisodeRead(BaseModel):
    """An over-allocation or burnout-risk episode."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    kind: Literal["overallocated", "burnout_risk"]
    first_week: str
    last_week: str
    peak_utilisation: float = Field(description="Highest weekly utilisation seen while it was open.")
    status: Literal["open", "cleared"]
    opened_at: datetime
    cleared_at: datetime | None


class EpisodePage(Page[EpisodeRead]):
    """A page of episodes, newest first."""


class FinderMatch(BaseModel):
    """A ranked person with the components of the ranking."""

    person_id: uuid.UUID
    name: str
    team: str
    skill_match: Literal["full", "partial", "none"] = Field(
        description="full: holds the skill at min_proficiency or above (or no skill asked); partial: below; none.")
    proficiency: int | None
    free_hours: float = Field(description="Σ over the window's weeks of max(available − booked, 0).")
    short_weeks: int = Field(description="Weeks whose free hours are below hours_per_week.")
    fits: bool = Field(description="True when every week has hours_per_week free.")


class FinderResult(BaseModel):
    """People ranked by skill match, then free hours, then name."""

    weeks: list[str]
    items: list[FinderMatch]
