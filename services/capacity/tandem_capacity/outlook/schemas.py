"""Bodies of the skill-gap report."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class SkillGapRow(BaseModel):
    """Demand against supply of one skill in one ISO week."""

    model_config = ConfigDict(from_attributes=True)

    skill: str = Field(description="Skill name, lower-cased.")
    week: str
    week_start: date
    required_proficiency: int = Field(
        description="1 when a booking carries the skill, else the lowest minimum of the week's open requests.")
    booked_hours: float = Field(description="Hours of active bookings carrying the skill.")
    requested_hours: float = Field(description="Hours of open role requests for the skill.")
    demand_hours: float = Field(description="booked_hours + requested_hours.")
    supply_hours: float = Field(
        description="Available hours of the people holding the skill at the required proficiency or above.")
    gap_hours: float = Field(description="demand_hours − supply_hours; positive is a shortfall.")


class SkillGapReport(BaseModel):
    """One row per skill with demand in the window (or the skill asked for) and per week."""

    first_week: str
    last_week: str
    items: list[SkillGapRow]
