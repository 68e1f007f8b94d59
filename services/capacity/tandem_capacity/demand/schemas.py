"""Bodies of the role-request API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from tandem_shared.api import Page

RoleRequestStatus = Literal["open", "filled", "canceled"]


class RoleRequestRead(BaseModel):
    """A project's demand line without a named person: who is wanted, how much, when."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    project_name: str
    line_id: uuid.UUID = Field(description="The project's demand line this request stands for.")
    role: str
    skill: str | None
    min_proficiency: int = Field(description="Lowest proficiency (1..5) in the skill a person must have.")
    hours_per_week: float
    start: date
    end: date = Field(description="Last day (inclusive).")
    kind: Literal["soft", "hard"]
    status: RoleRequestStatus
    person_id: uuid.UUID | None = Field(description="Who was assigned (filled requests).")
    booking_id: uuid.UUID | None = Field(description="The booking the assignment made (filled requests).")
    version: int
    created_at: datetime
    updated_at: datetime


class RoleRequestPage(Page[RoleRequestRead]):
    """A page of role requests, oldest first."""


class RoleRequestAssign(BaseModel):
    """The person who fills a role request."""

    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID
