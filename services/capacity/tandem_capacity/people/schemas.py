"""Request and response bodies of the capacity API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
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
    field_validator,
    model_validator,
)
from tandem_shared.api import Page

Source = Literal["change", "project", "operations"]
Kind = Literal["soft", "hard"]
BookingStatus = Literal["active", "released"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Team = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
SkillName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Currency = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]

_AWARE = TypeAdapter(AwareDatetime)
_DATE = TypeAdapter(date)


def _date_or_aware_datetime(value: Any) -> date:
    for adapter in (_AWARE, _DATE):
        try:
            return adapter.validate_python(value)
        except ValidationError:
            continue
    raise ValueError("must be a date (2026-12-01) or a datetime with a timezone (2026-12-01T09:00:00Z)")


# One error naming the parameter, rather than one per member of a union.
DateOrDatetime = Annotated[date, PlainValidator(_date_or_aware_datetime), WithJsonSchema(
    {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]})]


class Skill(BaseModel):
    """A skill with proficiency 1 (novice) to 5 (expert)."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    name: SkillName
    proficiency: int = Field(ge=1, le=5)


class CostRate(BaseModel):
    """Cost of one hour of a person's work."""

    model_config = ConfigDict(extra="forbid")

    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2, description="Per hour, e.g. `85.50`.")
    currency: Currency = Field(description="ISO 4217 code, e.g. `EUR`.")


class PersonCreate(BaseModel):
    """A new person in the capacity pool."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Dana Kim", "email": "dana.kim@example.org", "team": "Platform", "weekly_hours": 40,
        "skills": [{"name": "Kubernetes", "proficiency": 4}, {"name": "PostgreSQL", "proficiency": 3}],
    }]})

    name: Name
    email: Email | None = None
    team: Team
    skills: list[Skill] = Field(default_factory=list, max_length=100)
    weekly_hours: float = Field(gt=0, le=80, description="Hours available per week (0 < h <= 80).")
    location: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = Field(
        None, description="Where the person works: its public holidays apply.")
    cost_rate: CostRate | None = None

    @field_validator("skills")
    @classmethod
    def _skills_unique(cls, skills: list[Skill]) -> list[Skill]:
        seen: set[str] = set()
        for skill in skills:
            if skill.name.casefold() in seen:
                raise ValueError(f"skill {skill.name!r} is listed twice")
            seen.add(skill.name.casefold())
        return skills


class PersonRead(BaseModel):
    """A person as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    email: str | None
    team: str
    skills: list[Skill]
    weekly_hours: float
    location: str | None = Field(None, description="Where the person works: its public holidays apply.")
    cost_rate: CostRate | None = None
    created_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _cost_rate(cls, value: Any) -> Any:
        # Stored as two columns, read as one object.
        if hasattr(value, "cost_currency"):
            rate = None if value.cost_rate is None else {"amount": value.cost_rate, "currency": value.cost_currency}
            return {name: getattr(value, name) for name in
                    ("id", "name", "email", "team", "skills", "weekly_hours", "location", "created_at")} | {
                "cost_rate": rate}
        return value

    @field_validator("skills")
    @classmethod
    def _skills_by_name(cls, skills: list[Skill]) -> list[Skill]:
        # Sorted here, not by the database, whose collation differs between SQLite and PostgreSQL.
        return sorted(skills, key=lambda s: s.name.casefold())


class PersonPage(Page[PersonRead]):
    """A page of people, by name."""


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
