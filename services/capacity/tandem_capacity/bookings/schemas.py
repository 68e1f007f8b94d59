"""Request and response bodies of bookings and utilisation."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from tandem_shared.api import Page
from tandem_shared.bounds import HORIZON_NOTE, PlanDatetime, not_a_number, within_horizon

from tandem_capacity.bookings.rules import MAX_WEEKS
from tandem_capacity.people.schemas import SkillName

Source = Literal["change", "project", "operations"]
ManualSource = Literal["operations"]
Kind = Literal["soft", "hard"]
BookingStatus = Literal["active", "released"]
SourceId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
MAX_SPAN_DAYS = MAX_WEEKS * 7

_AWARE = TypeAdapter(AwareDatetime)
_DATE = TypeAdapter(date)


def _date_or_aware_datetime(value: Any) -> date:
    not_a_number(value)
    for adapter in (_AWARE, _DATE):
        try:
            parsed: date = adapter.validate_python(value)
        except ValidationError:
            continue
        return within_horizon(parsed)
    raise ValueError("must be a date (2026-12-01) or a datetime with a timezone (2026-12-01T09:00:00Z)")


# One error naming the parameter, rather than one per member of a union.
DateOrDatetime = Annotated[date, PlainValidator(_date_or_aware_datetime), WithJsonSchema(
    {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}],
     "x-tandem-bounds": HORIZON_NOTE.note})]


def _check_window(start: datetime, end: datetime) -> None:
    if end <= start:
        raise ValueError("end must be after start")
    if (end - start).days > MAX_SPAN_DAYS:
        raise ValueError(f"a booking spans at most {MAX_WEEKS} weeks")


class BookingCreate(BaseModel):
    """A manual booking of a person's hours, spread over the ISO weeks of its window."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "person_id": "5f1c2f9e-3c1e-4b9b-9a55-0f5f0c1c7a10", "source": "operations", "source_id": "patch-night",
        "kind": "soft", "start": "2027-01-04T00:00:00Z", "end": "2027-01-16T00:00:00Z", "hours": 30,
        "skill": "PostgreSQL", "role": "DBA"}]})

    person_id: uuid.UUID
    source: ManualSource = Field("operations", description=(
        "What the hours are for. Only operations work is booked by hand: the bookings of changes and projects "
        "come from their events (a change's approval, a project's planned demand, a role request's assignment), "
        "so that the change's reschedule and cancel and the project's deferral act on the booking they made."))
    source_id: SourceId = Field(description="Id of the operations item (a ticket, a rota, a piece of work).")
    kind: Kind = Field("soft", description="Soft: planned. Hard: confirmed.")
    start: PlanDatetime
    end: PlanDatetime = Field(description="End of the window (exclusive); at most 104 weeks after start.")
    hours: float = Field(gt=0, le=10_000, description="Total hours, spread over the window in proportion to time.")
    skill: SkillName | None = None
    role: Label | None = None

    @model_validator(mode="after")
    def _window(self) -> BookingCreate:
        _check_window(self.start, self.end)
        return self


class BookingMove(BaseModel):
    """A booking's new window, person or hours; what is left out stays as it is."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "start": "2027-05-03T08:00:00Z", "end": "2027-05-07T17:00:00Z", "hours": 24,
        "reason": "Vendor delivery slipped a week"}]})

    person_id: uuid.UUID | None = None
    start: PlanDatetime | None = None
    end: PlanDatetime | None = None
    hours: float | None = Field(None, ge=0, le=10_000)
    reason: Reason


class BookingRelease(BaseModel):
    """Why the hours are given back."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason = "released by hand"


class WeekHours(BaseModel):
    """Hours in one ISO week."""

    model_config = ConfigDict(from_attributes=True)

    week: str = Field(description="ISO week, e.g. `2026-W49`.")
    hours: float


class BookingRead(BaseModel):
    """A booking with its hours per ISO week."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    source: Source
    source_id: str
    kind: Kind
    start: datetime
    end: datetime
    hours: float
    status: BookingStatus
    created_at: datetime
    released_at: datetime | None
    release_reason: str | None
    skill: str | None = Field(description="Skill the booked work needs (from a project's demand line).")
    role: str | None = Field(description="Role the person plays (from a project's demand line).")
    source_line: str | None = Field(
        description="The demand line (project), the person's share (run work) or the turn (rotation) it books.")
    booked_by: str | None = Field(description=(
        "Who booked it, by hand or through the event that did (null: not recorded). A project manager confirms, "
        "moves and releases only their own bookings; resource managers act on every booking."))
    version: int
    weeks: list[WeekHours]


class BookingPage(Page[BookingRead]):
    """A page of bookings, by start."""


class UtilisationWeek(BaseModel):
    """Booked against available hours of one person in one ISO week."""

    model_config = ConfigDict(from_attributes=True)

    week: str
    week_start: date
    available_hours: float
    booked_hours: float = Field(description="Hours of active bookings.")
    change_hours: float
    project_hours: float
    operations_hours: float
    soft_hours: float = Field(0.0, description="Hours of soft (planned) bookings.")
    hard_hours: float = Field(0.0, description="Hours of hard (confirmed) bookings.")
    utilisation: float = Field(description="booked_hours / available_hours, to 4 decimals.")


class Utilisation(BaseModel):
    """A person's utilisation, one row per ISO week of the window."""

    person_id: uuid.UUID
    weekly_hours: float
    weeks: list[UtilisationWeek]
