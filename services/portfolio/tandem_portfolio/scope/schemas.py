"""Request and response bodies of the scope change log."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from tandem_shared.api import Page

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
Days = Annotated[int, Field(ge=-3650, le=3650)]
CENT = Decimal("0.01")


class ScopeChangeCreate(BaseModel):
    """A proposed change of scope; impacts may be negative (a cut saves time or money)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "Add SSO for partners", "description": "Partners log in with their own IdP.",
        "schedule_impact_days": 10, "cost_impact": "45000.00", "currency": "EUR"}]})

    title: Title
    description: str | None = Field(None, max_length=20_000)
    schedule_impact_days: Days = Field(0, description="Calendar days the change adds to the schedule.")
    cost_impact: Money = Field(Decimal(0), description="What the change adds to the cost (a decimal string).")
    currency: Currency | None = Field(None, description="ISO 4217; required with a cost impact.")

    @field_validator("cost_impact")
    @classmethod
    def _two_places(cls, amount: Decimal) -> Decimal:
        return amount.quantize(CENT)

    @model_validator(mode="after")
    def _currency(self) -> ScopeChangeCreate:
        if self.cost_impact != 0 and self.currency is None:
            raise ValueError("currency is required with a cost impact")
        return self


class ScopeChangeUpdate(BaseModel):
    """Fields of a proposed change to amend (leave out what stays)."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    description: str | None = Field(None, max_length=20_000)
    schedule_impact_days: Days | None = None
    cost_impact: Money | None = None
    currency: Currency | None = None


class ScopeDecision(BaseModel):
    """Why the change was approved or rejected."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"note": "Worth a sprint."}]})

    note: Note | None = None


class ScopeChangeRead(BaseModel):
    """A scope change as logged."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    description: str | None
    schedule_impact_days: int
    cost_impact: Decimal = Field(description="A decimal string with two places.")
    currency: str | None
    status: Literal["proposed", "approved", "rejected"]
    requested_by: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class ScopeChangePage(Page[ScopeChangeRead]):
    """A page of the scope change log, oldest first."""
