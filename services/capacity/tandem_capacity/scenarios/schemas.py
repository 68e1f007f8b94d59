"""Request and response bodies of what-if scenarios."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from tandem_shared.api import Page
from tandem_shared.bounds import PlanDate, PlanDatetime

from tandem_capacity.bookings.schemas import Kind, Source, WeekHours
from tandem_capacity.people.schemas import Name


class ScenarioCreate(BaseModel):
    """A scenario copying the live active bookings with hours in the weeks from `from` to `to`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, json_schema_extra={"examples": [{
        "name": "Move the ERP cut-over to Q3", "from": "2027-07-05", "to": "2027-09-27"}]})

    name: Name
    from_date: PlanDate = Field(alias="from", description="A day in the first week of the window.")
    to_date: PlanDate = Field(alias="to", description="A day in the last week (at most 104 weeks).")


class ScenarioRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    from_date: date
    to_date: date
    created_by: str
    created_at: datetime
    bookings: int = Field(0, description="Bookings in the scenario.")


class ScenarioPage(Page[ScenarioRead]):
    """A page of scenarios, newest first."""


class ScenarioBookingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    live_booking_id: uuid.UUID | None = Field(description="The live booking it was copied from; null when added.")
    person_id: uuid.UUID
    source: Source
    source_id: str
    kind: Kind
    start: datetime
    end: datetime
    hours: float
    weeks: list[WeekHours]


class ScenarioBookingPage(Page[ScenarioBookingRead]):
    """A page of a scenario's bookings, by start."""


class MoveBooking(BaseModel):
    """Give a scenario booking to another person and/or another window (hours re-spread over the new window)."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["move"]
    booking_id: uuid.UUID = Field(description="A booking of the scenario (its `id`, not the live one).")
    person_id: uuid.UUID | None = None
    start: PlanDatetime | None = None
    end: PlanDatetime | None = None

    @model_validator(mode="after")
    def _something(self) -> MoveBooking:
        if self.person_id is None and self.start is None and self.end is None:
            raise ValueError("give person_id, start or end")
        return self


class AddBooking(BaseModel):
    """Add a booking to the scenario only."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["add"]
    person_id: uuid.UUID
    source: Source
    source_id: str = Field(min_length=1, max_length=100)
    kind: Kind = "soft"
    start: PlanDatetime
    end: PlanDatetime
    hours: float = Field(gt=0, le=10_000)


class RemoveBooking(BaseModel):
    """Remove a booking from the scenario only."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["remove"]
    booking_id: uuid.UUID


Move = Annotated[MoveBooking | AddBooking | RemoveBooking, Field(discriminator="action")]


class MoveResult(BaseModel):
    action: Literal["move", "add", "remove"]
    booking: ScenarioBookingRead | None = Field(description="The booking after the move; null when removed.")


class ComparisonPerson(BaseModel):
    """One person's weeks, live and in the scenario (arrays parallel to `weeks`)."""

    id: uuid.UUID
    name: str
    team: str
    available: list[float]
    live_booked: list[float]
    scenario_booked: list[float]
    live_utilisation: list[float]
    scenario_utilisation: list[float]


class Overallocation(BaseModel):
    person_id: uuid.UUID
    week: str
    utilisation: float


class Comparison(BaseModel):
    """Live against scenario utilisation per person and week, with the over-allocated weeks of each."""

    scenario_id: uuid.UUID
    weeks: list[str]
    people: list[ComparisonPerson]
    live_overallocations: list[Overallocation]
    scenario_overallocations: list[Overallocation]
