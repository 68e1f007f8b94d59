"""Events published by the portfolio service on `tandem.portfolio`."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from tandem_shared.events import EventData, event_type


@event_type("portfolio.project.created.v1")
class ProjectCreated(EventData):
    """A project entered the portfolio (stage proposed)."""

    id: uuid.UUID
    name: str
    category: str
    stage: str
    sponsor: str | None
    start_date: date | None
    go_live_date: date | None
    created_by: str


class ResourceDemand(BaseModel):
    """Hours per week a project wants for a role over a range of days, for a named person or as an open request."""

    id: uuid.UUID = Field(description="Stable id of this demand line across re-plans.")
    role: str
    skill: str | None = Field(None, description="Skill the role needs, matched against capacity's skills.")
    min_proficiency: int = Field(1, ge=1, le=5)
    person_id: uuid.UUID | None = Field(None, description="A named person; none leaves an open role request.")
    hours_per_week: float = Field(gt=0)
    start: date
    end: date = Field(description="Last day of the demand (inclusive).")
    kind: Literal["soft", "hard"] = Field("soft", description="Soft: planned. Hard: confirmed.")


@event_type("portfolio.project.demand_planned.v1")
class ProjectDemandPlanned(EventData):
    """A project's resource demand was planned or re-planned; `demands` replaces every earlier line."""

    subject_field: ClassVar[str] = "project_id"  # keyed by the project, so it stays ordered with its deferral
    project_id: uuid.UUID
    project_name: str
    demands: list[ResourceDemand]
    planned_by: str


@event_type("portfolio.project.deferred.v1")
class ProjectDeferred(EventData):
    """A project was put on hold; its demand no longer holds capacity."""

    id: uuid.UUID
    reason: str | None
    deferred_by: str


@event_type("portfolio.project.terminated.v1")
class ProjectTerminated(EventData):
    """A project was stopped for good; its demand is released."""

    id: uuid.UUID
    reason: str | None
    terminated_by: str
