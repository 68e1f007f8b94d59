"""Bodies of the project demand API."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from tandem_shared.bounds import PlanDate

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
MAX_DAYS = 104 * 7


class DemandLineWrite(BaseModel):
    """One line of demand: hours per week for a role (and skill) over days, for a named person or open."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = Field(None, description="Keep a line's id across re-plans; none makes a new line.")
    role: Label
    skill: Label | None = Field(None, description="Skill the role needs, matched against capacity's skills.")
    min_proficiency: int = Field(1, ge=1, le=5, description="Lowest proficiency (1..5) in the skill.")
    person_id: uuid.UUID | None = Field(None, description="A person of capacity; none leaves an open role request.")
    hours_per_week: float = Field(gt=0, le=80, description="Hours in a full Monday–Friday week.")
    start: PlanDate
    end: PlanDate = Field(description="Last day (inclusive); at most 104 weeks after start.")
    kind: Literal["soft", "hard"] = Field("soft", description="Soft: planned. Hard: confirmed.")

    @model_validator(mode="after")
    def _window(self) -> DemandLineWrite:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        if self.end - self.start > timedelta(days=MAX_DAYS):
            raise ValueError("a line spans at most 104 weeks")
        return self


class DemandPlan(BaseModel):
    """The whole demand of a project; it replaces every earlier line."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"lines": [
        {"role": "DBA", "skill": "PostgreSQL", "min_proficiency": 3, "hours_per_week": 16,
         "start": "2027-01-04", "end": "2027-03-26", "kind": "soft"},
        {"role": "Lead engineer", "person_id": "5f1c2f9e-3c1e-4b9b-9a55-0f5f0c1c7a10", "hours_per_week": 32,
         "start": "2027-01-04", "end": "2027-06-30", "kind": "hard"}]}]})

    lines: list[DemandLineWrite] = Field(max_length=200)

    @field_validator("lines")
    @classmethod
    def _ids_unique(cls, lines: list[DemandLineWrite]) -> list[DemandLineWrite]:
        ids = [line.id for line in lines if line.id is not None]
        if len(ids) != len(set(ids)):
            raise ValueError("a line id is listed twice")
        return lines


class DemandLineRead(BaseModel):
    """A demand line as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    role: str
    skill: str | None
    min_proficiency: int
    person_id: uuid.UUID | None
    hours_per_week: float
    start: date
    end: date
    kind: Literal["soft", "hard"]


class DemandRead(BaseModel):
    """A project's demand, in the order it was given."""

    project_id: uuid.UUID
    version: int = Field(description="The project's version (its ETag); planning demand bumps it.")
    updated_at: datetime
    lines: list[DemandLineRead]
