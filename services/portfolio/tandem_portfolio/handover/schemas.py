"""Response and request bodies of operational readiness and the handover acceptance."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class FactRead(BaseModel):
    """One readiness fact, measured from another service's events."""

    name: str = Field(description="cis_registered, runbooks_published, support_capacity_booked or "
                      "go_live_change_approved (the handover gate's criteria of the same names).")
    met: bool
    why: str = Field(description="What is there, or what is missing.")
    since: datetime | None = Field(description="When the fact became true at its source; null while unmet.")
    details: dict[str, Any] = Field(description="The ids it used (registered, missing, articles, bookings, changes).")


class AcceptanceRead(BaseModel):
    """The service owner's acceptance of the handover and the transition time it measured."""

    model_config = ConfigDict(from_attributes=True)

    accepted_by: str
    accepted_at: datetime
    go_live_change_id: uuid.UUID | None = Field(description="The latest change linked to the project implemented "
                                                "successfully.")
    implemented_at: datetime | None = Field(description="When that change's implementation ended.")
    transition_hours: float | None = Field(description="accepted_at − implemented_at, in hours.")
    comment: str | None


class ReadinessRead(BaseModel):
    """A project's operational readiness for the handover gate, and operations' acceptance."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "project_id": "0b6f8a1e-8d1c-4a43-9a3e-0f6a1c2b3d4e", "stage": "executing", "go_live": "2027-06-30",
        "service_owner": "sofia", "support_team": "Service desk L2", "ready": False,
        "facts": [{"name": "cis_registered", "met": True, "why": "all 2 touched service(s) and CI(s) are registered "
                   "in the CMDB: service Customer portal, CI portal-app", "since": "2027-05-02T09:14:00Z",
                   "details": {"registered": ["…", "…"], "missing": [], "retired": []}},
                  {"name": "support_capacity_booked", "met": False, "why": "no run work or on-call is booked for "
                   "Service desk L2 from the go-live date 2027-06-30", "since": None, "details": {}}],
        "acceptance": None}]})

    project_id: uuid.UUID
    stage: str
    go_live: date | None = Field(description="The earliest open go-live milestone's forecast, else go_live_date.")
    service_owner: str | None
    support_team: str | None
    ready: bool = Field(description="Every fact is met.")
    facts: list[FactRead]
    acceptance: AcceptanceRead | None


class AcceptanceCreate(BaseModel):
    """The service owner's acceptance, with an optional comment."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "comment": "Runbooks reviewed; the service desk takes it from Monday."}]})

    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None = None
