"""Request and response bodies of projects."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from tandem_shared.api import Page

from tandem_portfolio.projects.lifecycle import ProjectCategory, ProjectStage

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
PersonRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
CENT = Decimal("0.01")
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class ProjectCreate(BaseModel):
    """A new project proposal."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Customer portal relaunch", "category": "transform", "sponsor": "cfo@example.com",
        "description": "Replace the legacy portal.", "start_date": "2027-01-04", "go_live_date": "2027-06-30",
        "budget_amount": "1250000.00", "budget_currency": "EUR",
    }]})

    name: Name
    description: str | None = Field(None, max_length=20_000)
    category: ProjectCategory = ProjectCategory.GROW
    sponsor: PersonRef | None = Field(None, description="Who sponsors the project (a user id or name).")
    start_date: date | None = None
    go_live_date: date | None = None
    budget_amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    budget_currency: Currency | None = Field(
        None, validate_default=True, description="ISO 4217 code, e.g. EUR; required with budget_amount.")

    @field_validator("go_live_date")
    @classmethod
    def _not_before_start(cls, go_live: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start_date")
        if go_live is not None and start is not None and go_live < start:
            raise ValueError("must not be before start_date")
        return go_live

    @field_validator("budget_amount")
    @classmethod
    def _two_places(cls, amount: Decimal | None) -> Decimal | None:
        # Stored as Numeric(14, 2): answer with the same scale the database will give back.
        return None if amount is None else amount.quantize(CENT)

    @field_validator("budget_currency")
    @classmethod
    def _currency_with_amount(cls, currency: str | None, info: ValidationInfo) -> str | None:
        if currency is None and info.data.get("budget_amount") is not None:
            raise ValueError("is required when budget_amount is given")
        return currency


class ProjectRead(BaseModel):
    """A project as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    category: ProjectCategory
    stage: ProjectStage
    sponsor: str | None
    start_date: date | None
    go_live_date: date | None
    budget_amount: Decimal | None = Field(description="A decimal string with two places, e.g. \"1250000.00\".")
    budget_currency: str | None
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime


class ProjectPage(Page[ProjectRead]):
    """A page of projects."""

