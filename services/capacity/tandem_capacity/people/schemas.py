"""Request and response bodies of the capacity pool: people, teams and the skill catalogue."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from tandem_shared.api import Page

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Team = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
SkillName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Currency = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]

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


class CostRateRead(BaseModel):
    """A person's hourly cost as stored (its own model: one schema per name in the document, not -Input/-Output)."""

    amount: Decimal = Field(description="Per hour, a decimal string, e.g. `85.50`.")
    currency: str = Field(description="ISO 4217 code.")


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
    cost_rate: CostRateRead | None = None
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


class TeamCreate(BaseModel):
    """A new team."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Platform", "description": "Runs the Kubernetes clusters and the databases.", "manager": "mia.ops"}]})

    name: Team
    description: str | None = Field(None, max_length=5000)
    manager: str | None = Field(None, max_length=200, description="Who manages the team (a user or person name).")


class TeamUpdate(BaseModel):
    """Changes to a team; the name is fixed because people name their team by it."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(None, max_length=5000)
    manager: str | None = Field(None, max_length=200)


class TeamRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    manager: str | None
    created_at: datetime


class TeamPage(Page[TeamRead]):
    """A page of teams, by name."""


class SkillCreate(BaseModel):
    """A skill of the catalogue; names are unique regardless of case."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Kubernetes", "category": "infrastructure", "description": "Operating and upgrading clusters."}]})

    name: SkillName
    category: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=5000)


class SkillRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    category: str | None
    description: str | None
    created_at: datetime


class SkillPage(Page[SkillRead]):
    """A page of skills, by name (case-insensitive)."""
