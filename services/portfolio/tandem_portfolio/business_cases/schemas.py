"""Request and response bodies of business cases and the cash-flow projection."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from tandem_portfolio.months import normalise_month

Month = Annotated[str, AfterValidator(normalise_month), Field(description="A month, YYYY-MM.", examples=["2027-01"])]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), Field(description="ISO 4217 code, e.g. EUR.")]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Kind = Literal["capex", "opex", "benefit"]


class LineWrite(BaseModel):
    """An amount planned in one month: a cost (capex, opex) or a benefit."""

    model_config = ConfigDict(extra="forbid")

    month: Month
    kind: Kind
    amount: Money = Field(description="Decimal with at most two places, not negative, e.g. \"1200.00\".")
    description: str | None = Field(None, max_length=200)


class BusinessCaseWrite(BaseModel):
    """A whole business case; it replaces the earlier one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "currency": "EUR", "discount_rate": 0.08, "horizon_start": "2027-01", "lines": [
            {"month": "2027-01", "kind": "capex", "amount": "120000.00", "description": "Licences"},
            {"month": "2027-02", "kind": "opex", "amount": "5000.00"},
            {"month": "2027-07", "kind": "benefit", "amount": "30000.00", "description": "Call deflection"}]}]})

    currency: Currency
    discount_rate: float = Field(ge=0, le=1, description="Annual discount rate as a fraction (0.08 = 8 %).")
    horizon_start: Month = Field(description="Month 0 of the cash flow (not discounted); no line before it.")
    lines: list[LineWrite] = Field(max_length=5000, description="Lines within 600 months of horizon_start.")


class LineRead(BaseModel):
    """A planned line as stored."""

    month: str
    kind: Kind
    amount: Decimal
    description: str | None


class Irr(BaseModel):
    """Internal rate of return: the monthly rate i where Σ CF_t / (1+i)^t = 0, annualised as (1+i)^12 − 1."""

    annual: float | None = Field(description="The IRR a year; null when there is none or more than one.")
    monthly: float | None
    roots: list[float] = Field(description="Every annual rate found where NPV = 0 (−99 % … 1000 %).")
    ambiguous: bool = Field(description="True when several rates make the NPV zero: no single IRR is reported.")
    reason: str | None = Field(description="Why `annual` is null.")


class MonthFigures(BaseModel):
    """One month of the case: planned amounts, the net flow and its running sums."""

    month: str
    t: int = Field(description="Months after the horizon start.")
    capex: Decimal
    opex: Decimal
    benefits: Decimal
    net: Decimal = Field(description="benefits − capex − opex")
    cumulative_net: Decimal
    discounted_net: Decimal = Field(description="net / (1 + i)^t")


class Figures(BaseModel):
    """What the case adds up to (formulas in docs/portfolio.md)."""

    total_capex: Decimal
    total_opex: Decimal
    total_costs: Decimal
    total_benefits: Decimal
    net: Decimal = Field(description="total_benefits − total_costs (undiscounted)")
    monthly_discount_rate: float = Field(description="i = (1 + annual rate)^(1/12) − 1")
    npv: Decimal = Field(description="Σ CF_t / (1 + i)^t, t in months from the horizon start, CF_0 undiscounted")
    irr: Irr
    roi: float | None = Field(description="(total_benefits − total_costs) / total_costs")
    roi_reason: str | None
    payback_months: float | None = Field(
        description="Months until the cumulative net stays non-negative, interpolated within the month.")
    payback_reason: str | None
    discounted_payback_months: float | None = Field(description="The same on the discounted flows.")
    discounted_payback_reason: str | None
    months: list[MonthFigures]


class BusinessCaseRead(BaseModel):
    """A business case with its lines and figures."""

    project_id: uuid.UUID
    currency: str
    discount_rate: float
    horizon_start: str
    version: int = Field(description="The case's version (its ETag).")
    updated_by: str
    updated_at: datetime
    lines: list[LineRead]
    figures: Figures


class CashFlowPeriod(BaseModel):
    """Sums of one period over the selected projects, in one currency."""

    period: str = Field(description="YYYY-MM, or YYYY-Qn by quarter.")
    capex: Decimal
    opex: Decimal
    costs: Decimal
    benefits: Decimal
    net: Decimal
    cumulative_net: Decimal = Field(description="opening_net plus every net up to this period.")


class CurrencyCashFlow(BaseModel):
    """The projection in one currency (currencies are never added together)."""

    currency: str
    projects: int = Field(description="Selected projects whose business case is in this currency.")
    opening_net: Decimal = Field(description="Net of every month before `from`.")
    periods: list[CashFlowPeriod]


class CashFlowRead(BaseModel):
    """The portfolio's planned cash flow per period, grouped by currency."""

    granularity: Literal["month", "quarter"]
    from_month: str | None = Field(description="First month shown (a quarter's first month by quarter).")
    to_month: str | None
    stages: list[str] | None = Field(description="Stages selected; null when projects were named instead.")
    currencies: list[CurrencyCashFlow]
