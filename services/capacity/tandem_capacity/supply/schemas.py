"""Request and response bodies of supply: schedules, time off, holidays, person updates, availability."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema
from tandem_shared.api import Page
from tandem_shared.bounds import PlanDate

from tandem_capacity.people.schemas import CostRate, Skill, Team

Location = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Hours = Annotated[float, Field(ge=0, le=24, strict=True)]  # strict: `false` is not 0 hours
TimeOffKind = Literal["vacation", "sick", "training", "other"]


class PersonUpdate(BaseModel):
    """Changes to a person; fields left out stay as they are (null clears location and cost rate)."""

    model_config = ConfigDict(extra="forbid")

    # SkipJsonSchema: team, weekly_hours and skills refuse null; the document does not offer it.
    team: Team | SkipJsonSchema[None] = Field(None, description="A team not known yet is added to the teams.")
    weekly_hours: Annotated[float, Field(gt=0, le=80)] | SkipJsonSchema[None] = None
    location: Location | None = Field(None, description="Where the person works: public holidays of it apply.")
    cost_rate: CostRate | None = None
    skills: Annotated[list[Skill], Field(max_length=100)] | SkipJsonSchema[None] = Field(
        None, description="Replaces the skills; unknown ones join the catalogue.")

    @field_validator("skills")
    @classmethod
    def _skills_unique(cls, skills: list[Skill] | None) -> list[Skill] | None:
        names = [s.name.casefold() for s in skills or []]
        if len(names) != len(set(names)):
            raise ValueError("a skill is listed twice")
        return skills

    @model_validator(mode="after")
    def _not_null(self) -> PersonUpdate:
        for name in ("team", "weekly_hours", "skills"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ScheduleIn(BaseModel):
    """Hours worked on each weekday from `effective_from` until the next schedule."""

    model_config = ConfigDict(extra="forbid", from_attributes=True, json_schema_extra={"examples": [{
        "effective_from": "2027-01-04", "mon": 8, "tue": 8, "wed": 4, "thu": 0, "fri": 0, "sat": 0, "sun": 0}]})

    effective_from: PlanDate
    mon: Hours
    tue: Hours
    wed: Hours
    thu: Hours
    fri: Hours
    sat: Hours = 0
    sun: Hours = 0


class Schedules(BaseModel):
    """A person's working schedules, oldest first; before the first, `weekly_hours` spread Monday to Friday."""

    model_config = ConfigDict(extra="forbid")

    schedules: list[ScheduleIn] = Field(max_length=200)

    @field_validator("schedules")
    @classmethod
    def _distinct_dates(cls, schedules: list[ScheduleIn]) -> list[ScheduleIn]:
        dates = [s.effective_from for s in schedules]
        if len(dates) != len(set(dates)):
            raise ValueError("two schedules take effect on the same day")
        return sorted(schedules, key=lambda s: s.effective_from)


class TimeOffCreate(BaseModel):
    """Days off, both ends included; `hours_per_day` left out means whole days."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "start_date": "2027-08-02", "end_date": "2027-08-13", "kind": "vacation", "approved": True,
        "note": "Summer holiday"}]})

    start_date: PlanDate
    end_date: PlanDate
    hours_per_day: float | None = Field(None, gt=0, le=24)
    kind: TimeOffKind = "vacation"
    approved: bool = Field(True, strict=True, description="Only approved time off reduces available hours.")
    note: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _ordered(self) -> TimeOffCreate:
        if self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        if (self.end_date - self.start_date).days > 366:
            raise ValueError("time off spans more than a year; split it")
        return self


class TimeOffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    start_date: date
    end_date: date
    hours_per_day: float | None
    kind: TimeOffKind
    approved: bool
    note: str | None
    created_by: str
    created_at: datetime


class TimeOffPage(Page[TimeOffRead]):
    """A page of a person's time off, by start."""


class HolidayIn(BaseModel):
    """A public holiday at a location."""

    model_config = ConfigDict(extra="forbid")

    location: Location
    date: PlanDate
    name: str = Field(min_length=1, max_length=200)


class HolidayImport(BaseModel):
    """Holidays to add; one already known for its location and date gets the new name."""

    model_config = ConfigDict(extra="forbid")

    holidays: list[HolidayIn] = Field(min_length=1, max_length=5000)


class HolidayRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    location: str
    date: date
    name: str


class HolidayPage(Page[HolidayRead]):
    """A page of holidays, by date."""


class ImportResult(BaseModel):
    created: int
    updated: int


class WeekAvailability(BaseModel):
    week: str
    week_start: date
    available_hours: float


class Availability(BaseModel):
    """Available hours of a person per ISO week."""

    person_id: uuid.UUID
    weeks: list[WeekAvailability]
