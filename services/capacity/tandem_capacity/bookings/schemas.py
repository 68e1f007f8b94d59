"""Bodies of the bookings API."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from tandem_shared.api import UTCDatetime

from tandem_capacity.domain.allocation import MAX_WEEKS
from tandem_capacity.schemas import Kind, SkillName, Source

SourceId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
MAX_SPAN_DAYS = MAX_WEEKS * 7


def _check_window(start, end) -> None:  # noqa: ANN001 - aware datetimes
    if end <= start:
        raise ValueError("end must be after start")
    if (end - start).days > MAX_SPAN_DAYS:
        raise ValueError(f"a booking spans at most {MAX_WEEKS} weeks")


class BookingCreate(BaseModel):
    """A manual booking of a person's hours, spread over the ISO weeks of its window."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "person_id": "5f1c2f9e-3c1e-4b9b-9a55-0f5f0c1c7a10", "source": "project", "source_id": "portal-relaunch",
        "kind": "soft", "start": "2027-01-04T00:00:00Z", "end": "2027-01-16T00:00:00Z", "hours": 30,
        "skill": "PostgreSQL", "role": "DBA"}]})

    person_id: uuid.UUID
    source: Source = Field(description="What the hours are for: a project, a change or operations work.")
    source_id: SourceId = Field(description="Id of the project, change or operations item in its own service.")
    kind: Kind = Field("soft", description="Soft: planned. Hard: confirmed.")
    start: UTCDatetime
    end: UTCDatetime = Field(description="End of the window (exclusive); at most 104 weeks after start.")
    hours: float = Field(gt=0, le=10_000, description="Total hours, spread over the window in proportion to time.")
    skill: SkillName | None = None
    role: Label | None = None

    @model_validator(mode="after")
    def _window(self) -> BookingCreate:
        _check_window(self.start, self.end)
        return self


class BookingMove(BaseModel):
    """A booking's new window, person or hours; what is left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID | None = None
    start: UTCDatetime | None = None
    end: UTCDatetime | None = None
    hours: float | None = Field(None, ge=0, le=10_000)
    reason: Reason


class BookingRelease(BaseModel):
    """Why the hours are given back."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason = "released by hand"
