"""Request and response bodies of actual costs and the budget view."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator
from tandem_shared.api import Page

from tandem_portfolio.months import normalise_month

Month = Annotated[str, AfterValidator(normalise_month), Field(description="A month, YYYY-MM.", examples=["2027-03"])]
Category = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=50)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
CENT = Decimal("0.01")


class CostCreate(BaseModel):
    """An amount spent in a month; a credit or correction is negative."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "month": "2027-03", "category": "licences", "amount": "12500.00", "currency": "EUR",
        "note": "Portal CMS, first year."}]})

    month: Month
    category: Category = Field(description="What it was spent on, e.g. licences, hardware, services, travel.")
    amount: Money = Field(description="A decimal string, not zero.")
    currency: Currency = Field(description="ISO 4217: the budget's (or the business case's) currency.")
    note: str | None = Field(None, max_length=5000)

    @field_validator("amount")
    @classmethod
    def _not_zero(cls, amount: Decimal) -> Decimal:
        if amount == 0:
            raise ValueError("must not be zero")
        return amount.quantize(CENT)


class CostUpdate(BaseModel):
    """Fields of an entry to correct (leave out what stays)."""

    model_config = ConfigDict(extra="forbid")

    month: Month | None = None
    category: Category | None = None
    amount: Money | None = None
    note: str | None = Field(None, max_length=5000)

    @field_validator("amount")
    @classmethod
    def _not_zero(cls, amount: Decimal | None) -> Decimal | None:
        if amount is not None and amount == 0:
            raise ValueError("must not be zero")
        return None if amount is None else amount.quantize(CENT)


class CostRead(BaseModel):
    """An entered cost."""

    id: uuid.UUID
    project_id: uuid.UUID
    month: str
    category: str
    amount: Decimal
    currency: str
    note: str | None
    entered_by: str
    version: int
    created_at: datetime
    updated_at: datetime


class CostPage(Page[CostRead]):
    """A page of entered costs, by month."""


class BudgetMonthRead(BaseModel):
    """One month: planned, actual (entered costs + labour) and variance = actual − planned, and running totals."""

    month: str
    planned: Decimal
    actual_costs: Decimal
    actual_labour: Decimal = Field(description="Labour cost from capacity's bookings × cost rate (0 until fed).")
    actual: Decimal
    variance: Decimal
    cumulative_planned: Decimal
    cumulative_actual: Decimal
    cumulative_variance: Decimal


class BudgetRead(BaseModel):
    """A project's budget against actual, month by month."""

    project_id: uuid.UUID
    currency: str | None
    plan_source: Literal["business_case", "budget_spread", "none"] = Field(
        description="business_case: its capex + opex lines; budget_spread: the project's budget spread evenly "
        "over its days from start to go-live; none: neither is known.")
    planned_total: Decimal
    actual_total: Decimal
    variance_total: Decimal
    months: list[BudgetMonthRead]
