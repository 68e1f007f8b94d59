"""Request and response bodies of the change API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from tandem_shared.api import Page, UTCDatetime

from tandem_change.domain.lifecycle import ChangeState, ChangeType

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]


class ChangeCreate(BaseModel):
    """A new change request."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "Patch the payment gateway cluster", "type": "normal",
        "planned_start": "2026-12-01T22:00:00+00:00", "planned_end": "2026-12-02T02:00:00+00:00",
        "assignee_id": "6f1c1b7e-3f5a-4a59-9a57-1f5d8c0b2c11", "effort_hours": 6,
        "affected_cis": ["0b5f3a52-8a53-4a5e-9f37-7a2e5d1c9e01"], "justification": "CVE-2026-1234",
    }]})

    title: Title
    type: ChangeType
    planned_start: UTCDatetime
    planned_end: UTCDatetime
    assignee_id: uuid.UUID | None = Field(None, description="A person id known to capacity.")
    effort_hours: float = Field(0, ge=0, le=10_000, description="Implementer hours, booked on approval.")
    affected_cis: list[uuid.UUID] = Field(default_factory=list, max_length=500,
                                          description="Ids of active configuration items the change touches.")
    description: str | None = Field(None, max_length=20_000)
    justification: str | None = Field(None, max_length=20_000)
    project_id: uuid.UUID | None = None

    @field_validator("planned_end")
    @classmethod
    def _ends_after_start(cls, end: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("planned_start")
        if start is not None and end <= start:
            raise ValueError("must be after planned_start")
        return end

    @field_validator("effort_hours")
    @classmethod
    def _effort_needs_assignee(cls, hours: float, info: ValidationInfo) -> float:
        if hours > 0 and info.data.get("assignee_id") is None:
            raise ValueError("needs an assignee_id to book the hours against")
        return hours


class TransitionRequest(BaseModel):
    """An optional comment or reason for a transition."""

    model_config = ConfigDict(extra="forbid")

    comment: str | None = Field(None, max_length=5_000)


class ChangeRead(BaseModel):
    """A change request as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    type: ChangeType
    state: ChangeState
    description: str | None
    justification: str | None
    requested_by: str
    assignee_id: uuid.UUID | None
    effort_hours: float
    planned_start: datetime
    planned_end: datetime
    affected_cis: list[str]
    project_id: uuid.UUID | None
    approved_by: str | None
    approved_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[str] = Field(default_factory=list, description="Transitions possible now.")


class ChangePage(Page[ChangeRead]):
    """A page of change requests."""

