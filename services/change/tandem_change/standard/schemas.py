"""Bodies of the change model API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema
from tandem_shared.api import Page

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]


class ChangeModelCreate(BaseModel):
    """A standard change model: a pre-authorised, low-risk, repeatable change."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Rotate a TLS certificate", "description": "Replace an expiring certificate on a load balancer",
        "implementation_plan": "Upload, bind, verify the chain.", "backout_plan": "Re-bind the previous certificate.",
        "default_effort_hours": 1}]})

    name: Name
    description: LongText | None = None
    implementation_plan: LongText | None = None
    backout_plan: LongText | None = None
    default_effort_hours: float = Field(0, ge=0, le=10_000)
    active: bool = True


class ChangeModelUpdate(BaseModel):
    """Fields to change; deactivating a model stops new standard changes from it."""

    model_config = ConfigDict(extra="forbid")

    # SkipJsonSchema: name, default_effort_hours and active refuse null; the document does not offer it.
    name: Name | SkipJsonSchema[None] = None
    description: LongText | None = None
    implementation_plan: LongText | None = None
    backout_plan: LongText | None = None
    default_effort_hours: Annotated[float, Field(ge=0, le=10_000)] | SkipJsonSchema[None] = None
    active: bool | SkipJsonSchema[None] = None


class ChangeModelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    implementation_plan: str | None
    backout_plan: str | None
    default_effort_hours: float
    risk: Literal["low"] = Field("low", description="Standard changes are always low risk.")
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class ChangeModelPage(Page[ChangeModelRead]):
    """A page of change models."""
