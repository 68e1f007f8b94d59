"""Budget against actual per month, without I/O: the even spread of a budget and the monthly table."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def month_number(day: date) -> int:
    """The month a day falls in, as stored: year × 12 + month − 1."""
    return day.year * 12 + day.month - 1


def _month_bounds(number: int) -> tuple[date, date]:
    year, month = divmod(number, 12)
    return date(year, month + 1, 1), date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def spread_evenly(amount: Decimal, start: date, end: date) -> dict[int, Decimal]:
    """The amount over the days from start to end (inclusive), per month, in cents; the last month takes the rest."""
    if end < start:
        raise ValueError("end must not be before start")
    total_days = (end - start).days + 1
    months = range(month_number(start), month_number(end) + 1)
    shares: dict[int, Decimal] = {}
    for number in months:
        first, last = _month_bounds(number)
        days = (min(last, end) - max(first, start)).days + 1
        shares[number] = (amount * days / total_days).quantize(CENT, rounding=ROUND_HALF_UP)
    shares[months[-1]] += amount.quantize(CENT) - sum(shares.values(), ZERO)
    return shares


@dataclass(frozen=True)
class BudgetMonth:
    """One month of budget against actual; variance = actual − planned (positive: over budget)."""

    month: int
    planned: Decimal
    actual_costs: Decimal
    actual_labour: Decimal
    actual: Decimal
    variance: Decimal
    cumulative_planned: Decimal
    cumulative_actual: Decimal
    cumulative_variance: Decimal


def budget_months(planned: dict[int, Decimal], costs: dict[int, Decimal],
                  labour: dict[int, Decimal]) -> list[BudgetMonth]:
    """Every month from the first to the last that has a plan or a cost, gaps included, with running totals."""
    known = set(planned) | set(costs) | set(labour)
    if not known:
        return []
    rows, cumulative_planned, cumulative_actual = [], ZERO, ZERO
    for number in range(min(known), max(known) + 1):
        plan = planned.get(number, ZERO)
        spent, worked = costs.get(number, ZERO), labour.get(number, ZERO)
        actual = spent + worked
        cumulative_planned += plan
        cumulative_actual += actual
        rows.append(BudgetMonth(number, plan, spent, worked, actual, actual - plan, cumulative_planned,
                                cumulative_actual, cumulative_actual - cumulative_planned))
    return rows


def to_date(rows: list[BudgetMonth], month: int) -> tuple[Decimal, Decimal]:
    """Planned and actual totals of the months up to and including `month`."""
    upto = [row for row in rows if row.month <= month]
    return (upto[-1].cumulative_planned, upto[-1].cumulative_actual) if upto else (ZERO, ZERO)
