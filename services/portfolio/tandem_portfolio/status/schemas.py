"""Request and response bodies of project status, overrides and status reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from tandem_shared.api import Page, UTCDatetime

Colour = Literal["green", "amber", "red"]
Dimension = Literal["schedule", "budget", "scope", "resources"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Narrative = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]


class OverrideWrite(BaseModel):
    """A colour set by hand, why, and until when (at most 30 days ahead)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "colour": "amber", "reason": "Vendor confirmed the slip; forecasts follow on Monday.",
        "expires_at": "2027-03-19T17:00:00Z"}]})

    colour: Colour
    reason: Reason
    expires_at: UTCDatetime = Field(description="In the future, at most 30 days away; ignored once passed.")


class OverrideRead(BaseModel):
    """An override in force."""

    model_config = ConfigDict(from_attributes=True)

    colour: Colour
    reason: str
    expires_at: datetime
    set_by: str
    set_at: datetime


class DimensionRead(BaseModel):
    """One dimension: the colour shown, the colour its rule computed, the rule's explanation and numbers."""

    dimension: Dimension
    colour: Colour = Field(description="The override's colour while it is in force, else the computed one.")
    computed_colour: Colour
    explanation: str
    facts: dict[str, Any] = Field(description="The numbers the rule used.")
    override: OverrideRead | None = Field(description="The override in force; expired ones are not shown.")


class StatusRead(BaseModel):
    """A project's RAG status now; overall is the worst colour shown."""

    project_id: uuid.UUID
    as_of: datetime
    overall: Colour
    dimensions: list[DimensionRead]


class ReportCreate(BaseModel):
    """This week's narrative; the numbers are frozen from the project's status."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "narrative": "Build on track; the load balancer slips a week, re-plan agreed with the sponsor."}]})

    narrative: Narrative


class ReportRead(BaseModel):
    """A filed status report (immutable): RAG, milestones and top risks as they were, and the narrative."""

    id: uuid.UUID
    project_id: uuid.UUID
    week: str = Field(description="ISO week, e.g. `2027-W10`.")
    overall: Colour
    dimensions: list[dict[str, Any]] = Field(description="Each dimension as `GET .../status` showed it then.")
    overrides: dict[str, dict[str, Any]]
    milestones: list[dict[str, Any]]
    top_risks: list[dict[str, Any]] = Field(description="The five highest-scored risks and issues not closed.")
    narrative: str
    reported_by: str
    reported_at: datetime


class ReportPage(Page[ReportRead]):
    """A page of status reports, newest first."""
