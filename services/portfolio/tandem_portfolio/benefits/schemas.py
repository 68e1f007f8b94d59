"""Request and response bodies of realised benefits and their report against the plan."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tandem_portfolio.business_cases.schemas import Currency, Money, Month


class BenefitWrite(BaseModel):
    """A benefit measured in a month after delivery."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"month": "2028-03", "amount": "42000.00", "note": "Calls deflected, from the contact-centre report."}]})

    month: Month
    amount: Money
    currency: Currency | None = Field(None, description="Must be the business case's currency when given.")
    note: str | None = Field(None, max_length=5000)


class BenefitRead(BaseModel):
    """A realised benefit as recorded."""

    id: uuid.UUID
    month: str
    amount: Decimal
    currency: str
    note: str | None
    recorded_by: str
    recorded_at: datetime
    cumulative_realised: Decimal | None = Field(None, description="Every benefit realised so far (on create).")


class BenefitMonth(BaseModel):
    """Planned against realised benefits in one month."""

    month: str
    planned: Decimal
    realised: Decimal
    cumulative_planned: Decimal
    cumulative_realised: Decimal


class BenefitsRead(BaseModel):
    """Benefits planned by the business case against those realised, and the ROI realised so far."""

    project_id: uuid.UUID
    currency: str
    months: list[BenefitMonth]
    total_planned: Decimal
    total_realised: Decimal
    planned_costs: Decimal = Field(description="capex + opex of the business case.")
    costs: Decimal = Field(description="The costs the realised ROI is measured against.")
    costs_basis: Literal["actual", "planned"] = Field(
        description="actual: the project's entered and labour costs so far; planned: the business case's costs "
        "(no actual costs yet, or in another currency).")
    costs_note: str | None
    planned_roi: float | None = Field(description="(total_planned − planned_costs) / planned_costs")
    realised_roi: float | None = Field(description="(total_realised − costs) / costs")
    realised_roi_reason: str | None
    realisations: list[BenefitRead]
