"""The capacity outlook as the API shows it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class SkillWeekRead(BaseModel):
    """One skill in one ISO week, as capacity last published it."""

    week: str
    free_hours: float
    supply_hours: float
    booked_hours: float
    requested_hours: float


class SkillOutlookRead(BaseModel):
    """One skill, week by week."""

    skill: str
    weeks: list[SkillWeekRead]


class CapacityOutlookRead(BaseModel):
    """The latest capacity snapshot portfolio holds: what a selection run plans against by default."""

    pool: str
    sequence: int = Field(description="Capacity's snapshot sequence; a later snapshot replaces this one whole.")
    generated_at: datetime
    received_at: datetime
    first_week: str
    week_count: int
    skills: list[SkillOutlookRead]
