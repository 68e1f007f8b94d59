"""Bodies of the operations API: run work and on-call rotations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from tandem_shared.api import Page
from tandem_shared.bounds import PlanDate

from tandem_capacity.bookings.rules import MAX_WEEKS, iso_weeks
from tandem_capacity.bookings.schemas import Kind
from tandem_capacity.people.schemas import Team

Description = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class _Range(BaseModel):
    start: PlanDate = Field(description="First day (inclusive).")
    end: PlanDate = Field(description=f"Last day (inclusive); the range covers at most {MAX_WEEKS} ISO weeks.")

    @model_validator(mode="after")
    def _range(self) -> _Range:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        if len(iso_weeks(self.start, self.end)) > MAX_WEEKS:
            raise ValueError(f"the range covers more than {MAX_WEEKS} ISO weeks")
        return self


class RunWorkWrite(_Range):
    """Recurring run work: hours per week of a team (split evenly among its members) or of one person."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "team": "Platform", "hours_per_week": 20, "start": "2027-01-04", "end": "2027-03-26",
        "description": "Patching and ticket triage", "kind": "hard"}]})

    team: Team | None = Field(None, description="Split among the people of this team; exclusive with person_id.")
    person_id: uuid.UUID | None = None
    hours_per_week: float = Field(gt=0, le=400,
                                  description="For a full Monday–Friday week; pro rata for partial weeks.")
    description: Description
    kind: Kind = Field("hard", description="Soft: planned. Hard: confirmed (the default for run work).")

    @model_validator(mode="after")
    def _team_or_person(self) -> RunWorkWrite:
        if (self.team is None) == (self.person_id is None):
            raise ValueError("give exactly one of team and person_id")
        return self


class RunWorkRead(BaseModel):
    """Run work as stored; its bookings are `GET /capacity/v1/bookings?source=operations&source_id=<id>`."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    team: str | None
    person_id: uuid.UUID | None
    hours_per_week: float
    start: date
    end: date
    description: str
    kind: Kind
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class RunWorkPage(Page[RunWorkRead]):
    """A page of run work, oldest first."""


class RotationWrite(_Range):
    """An on-call rotation over whole ISO weeks: members take turns of `rotation_weeks` weeks, in the order given."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "team": "Platform", "members": ["5f1c2f9e-3c1e-4b9b-9a55-0f5f0c1c7a10", "0b8e5a4c-7d3e-4f7a-8c2b-2a9d4e6f1b3c"],
        "rotation_weeks": 1, "hours_per_week": 10, "start": "2027-01-04", "end": "2027-03-28",
        "description": "Primary on-call"}]})

    team: Team
    members: list[uuid.UUID] = Field(min_length=1, max_length=100, description="People in rotation order.")
    rotation_weeks: int = Field(ge=1, le=52, description="Length of one member's turn, in weeks.")
    hours_per_week: float = Field(gt=0, le=168, description="Hours booked for each on-call week.")
    description: Description
    kind: Kind = "hard"

    @field_validator("members")
    @classmethod
    def _unique(cls, members: list[uuid.UUID]) -> list[uuid.UUID]:
        if len(set(members)) != len(members):
            raise ValueError("a member is listed twice")
        return members


class RotationRead(BaseModel):
    """A rotation as stored; its bookings are `GET /capacity/v1/bookings?source=operations&source_id=<id>`."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    team: str
    members: list[uuid.UUID]
    rotation_weeks: int
    hours_per_week: float
    start: date
    end: date
    description: str
    kind: Kind
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class RotationPage(Page[RotationRead]):
    """A page of rotations, oldest first."""
