"""Labour cost per month from booked hours and cost rates, without I/O.

A booking's hours come per ISO week; a week that spans two months counts whole in the month of its Thursday (the
day ISO 8601 assigns a week to its year by), so a week is never split and every week has exactly one month. Hours
are costed at the person's current rate in the rate's currency: hours of people without a rate, or with a rate in
another currency than the project's, are left out (Tandem keeps no exchange rates). Each month's sum is rounded to
the cent once, half up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def month_of_week(week: str) -> int:
    """The month an ISO week (`2027-W09`) counts in, as stored (year × 12 + month − 1): its Thursday's."""
    year, number = week.split("-W")
    thursday = date.fromisocalendar(int(year), int(number), 4)
    return thursday.year * 12 + thursday.month - 1


@dataclass(frozen=True)
class LabourLine:
    """Hours a person is booked on the project in one ISO week, and that person's rate (None without one)."""

    week: str
    hours: float
    rate: Decimal | None
    currency: str | None


@dataclass(frozen=True)
class LabourMonth:
    """The labour cost of a month and the hours it costs."""

    month: int
    amount: Decimal
    hours: float


def labour_currency(project_currency: str | None, lines: Iterable[LabourLine]) -> str | None:
    """The project's currency; without one, the currency of the most costed hours (ties: alphabetical)."""
    if project_currency:
        return project_currency
    hours: dict[str, float] = {}
    for line in lines:
        if line.rate is not None and line.currency:
            hours[line.currency] = hours.get(line.currency, 0.0) + line.hours
    return min(hours, key=lambda currency: (-hours[currency], currency)) if hours else None


def labour_by_month(lines: Iterable[LabourLine], currency: str | None) -> list[LabourMonth]:
    """Σ hours × rate per month in `currency`, by month; months without costed hours are left out."""
    amounts: dict[int, Decimal] = {}
    hours: dict[int, float] = {}
    for line in lines:
        if line.rate is None or line.currency != currency or line.hours <= 0:
            continue
        month = month_of_week(line.week)
        amounts[month] = amounts.get(month, Decimal(0)) + Decimal(str(line.hours)) * line.rate
        hours[month] = hours.get(month, 0.0) + line.hours
    return [LabourMonth(month, amounts[month].quantize(CENT, rounding=ROUND_HALF_UP), round(hours[month], 4))
            for month in sorted(amounts)]
