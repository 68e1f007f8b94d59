"""Request and response bodies of strategic objectives."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from tandem_shared.api import Page
from tandem_shared.bounds import PlanDate

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
Weight = Annotated[float, Field(gt=0, le=1000, description="Relative weight (> 0) against the other objectives.")]
EXAMPLE = {"name": "Reduce cost to serve", "description": "Cut the cost per ticket by 20 %.", "weight": 3,
           "period_start": "2027-01-01", "period_end": "2027-12-31", "active": True}


class ObjectiveCreate(BaseModel):
    """A new strategic objective."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    name: Name
    description: str | None = Field(None, max_length=20_000)
    weight: Weight
    period_start: PlanDate
    period_end: PlanDate = Field(description="Last day of the period (inclusive); not before period_start.")
    active: bool = True

    @field_validator("period_end")
    @classmethod
    def _period(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("period_start")
        if start is not None and end < start:
            raise ValueError("must not be before period_start")
        return end


class ObjectiveUpdate(BaseModel):
    """Fields to change; the others stay (send the ETag in If-Match)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"weight": 4, "active": False}]})

    name: Name | None = None
    description: str | None = Field(None, max_length=20_000)
    weight: Weight | None = None
    period_start: PlanDate | None = None
    period_end: PlanDate | None = None
    active: bool | None = None


class ObjectiveRead(BaseModel):
    """A strategic objective as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    weight: float
    period_start: date
    period_end: date
    active: bool
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime


class ObjectivePage(Page[ObjectiveRead]):
    """A page of strategic objectives."""
