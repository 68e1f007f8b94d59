"""Request and response bodies of the risk register."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from tandem_shared.api import Page

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PersonRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Level = Annotated[int, Field(ge=1, le=5)]
Kind = Literal["risk", "issue"]
Status = Literal["open", "mitigating", "closed", "occurred"]


class RiskCreate(BaseModel):
    """A new risk or issue (entered by hand; status open)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "Load balancer delivered late", "kind": "risk", "probability": 3, "impact": 4,
        "owner": "paula", "mitigation": "Order from a second vendor.", "description": "Vendor backlog."}]})

    kind: Kind = "risk"
    title: Title
    description: str | None = Field(None, max_length=20_000)
    probability: Level | None = Field(None, description="1 (rare) to 5 (almost certain); an issue defaults to 5.")
    impact: Level = Field(description="1 (negligible) to 5 (severe).")
    owner: PersonRef | None = None
    mitigation: str | None = Field(None, max_length=20_000)


class RiskUpdate(BaseModel):
    """Fields to change (leave out what stays); a status change must be allowed from the current status."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "status": "mitigating", "probability": 2, "mitigation": "Second vendor ordered."}]})

    title: Title | None = None
    description: str | None = Field(None, max_length=20_000)
    probability: Level | None = None
    impact: Level | None = None
    owner: PersonRef | None = None
    mitigation: str | None = Field(None, max_length=20_000)
    status: Status | None = None


class RiskRead(BaseModel):
    """A risk or issue as stored; score = probability × impact."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    kind: Kind
    title: str
    description: str | None
    probability: int
    impact: int
    score: int
    owner: str | None
    mitigation: str | None
    status: Status
    source: Literal["manual", "automatic"]
    source_explanation: str | None = Field(description="Why an automatic entry was raised.")
    created_by: str
    closed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class RiskPage(Page[RiskRead]):
    """A page of risks and issues."""
