"""Business-case arithmetic without I/O: discounting, NPV, IRR, ROI and payback of a monthly cash flow.

A cash flow is CF_0, CF_1, …: the net amount (benefits − capex − opex) of each month, t months after the horizon
start. Money is summed as Decimal; rates are floats.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import TypeVar

CENT = Decimal("0.01")
ZERO = Decimal("0.00")  # money with two places, as stored
COST_KINDS = ("capex", "opex")
KINDS = (*COST_KINDS, "benefit")
# The IRR is searched between these annual rates on a grid evenly spaced in ln(1 + monthly rate); two roots closer
# together than one step (about 0.12 % a month) or a root where the NPV only touches zero can be missed.
IRR_LOWEST, IRR_HIGHEST, IRR_GRID = -0.99, 10.0, 500
Flow = TypeVar("Flow", Decimal, float)  # a cash flow is all money (Decimal) or all discounted (float)


def monthly_rate(annual: float) -> float:
    """The monthly rate equivalent to an annual one: (1 + r)^(1/12) − 1."""
    growth: float = (1.0 + annual) ** (1.0 / 12.0)
    return growth - 1.0


def annualised(monthly: float) -> float:
    """The annual rate equivalent to a monthly one: (1 + i)^12 − 1."""
    return (1.0 + monthly) ** 12 - 1.0


def npv(flows: Sequence[Decimal | float], rate: float) -> float:
    """Σ CF_t / (1 + rate)^t for t = 0, 1, …: the flow of month 0 is not discounted."""
    return _npv_at([float(flow) for flow in flows], 1.0 / (1.0 + rate))


def _npv_at(flows: Sequence[float], x: float) -> float:
    # Horner's rule in x = 1 / (1 + rate): CF_0 + x·(CF_1 + x·(CF_2 + …)), one multiplication per month.
    total = 0.0
    for flow in reversed(flows):
        total = total * x + flow
    return total


@dataclass(frozen=True)
class Irr:
    """The internal rate of return: the monthly rate where NPV = 0, reported annualised."""

    annual: float | None
    monthly: float | None
    roots: tuple[float, ...] = ()  # every annual rate found where NPV = 0, ascending
    ambiguous: bool = False  # several roots: no single IRR is reported
    reason: str | None = None  # why `annual` is None


def sign_changes(flows: Iterable[Decimal | float]) -> int:
    """How often the cash flow changes sign, zeros skipped (Descartes: at most this many IRRs)."""
    signs = [flow > 0 for flow in flows if flow != 0]
    return sum(1 for before, after in pairwise(signs) if before != after)


def irr(flows: Sequence[Decimal | float]) -> Irr:
    """Every monthly rate in the search range where NPV = 0; a single one is the IRR, several are ambiguous."""
    changes = sign_changes(flows)
    if changes == 0:
        return Irr(None, None, reason="no sign change: the cash flow is never both a cost and a benefit")
    monthly = _roots([float(flow) for flow in flows])
    annual = tuple(annualised(rate) for rate in monthly)
    if not monthly:
        return Irr(None, None, reason=f"no sign change of the NPV between {IRR_LOWEST:.0%} and {IRR_HIGHEST:.0%} "
                   "a year: no IRR in that range")
    if len(monthly) > 1:
        return Irr(None, None, roots=annual, ambiguous=True,
                   reason=f"{len(monthly)} rates make the NPV zero (the cash flow changes sign {changes} times): "
                   "no single IRR")
    return Irr(annual[0], monthly[0], roots=annual)


def _roots(flows: list[float]) -> list[float]:
    """Monthly rates where NPV = 0: sign changes on the grid, each narrowed down by bisection."""
    low, high = math.log1p(monthly_rate(IRR_LOWEST)), math.log1p(monthly_rate(IRR_HIGHEST))
    grid = [low + (high - low) * k / IRR_GRID for k in range(IRR_GRID + 1)]
    values = [_npv_at(flows, math.exp(-u)) for u in grid]
    found = [u for u, value in zip(grid, values, strict=True) if value == 0]
    for k in range(IRR_GRID):
        if values[k] != 0 and values[k + 1] != 0 and (values[k] < 0) != (values[k + 1] < 0):
            found.append(_bisect(flows, grid[k], grid[k + 1], values[k]))
    return sorted(math.expm1(u) for u in found)


def _bisect(flows: list[float], a: float, b: float, value_a: float) -> float:
    """The u = ln(1 + rate) in [a, b] where the NPV changes sign, to float precision."""
    while True:
        middle = (a + b) / 2
        if middle in (a, b):
            return middle
        value = _npv_at(flows, math.exp(-middle))
        if value == 0:
            return middle
        if (value < 0) == (value_a < 0):
            a, value_a = middle, value
        else:
            b = middle


def roi(benefits: Decimal, costs: Decimal) -> tuple[float | None, str | None]:
    """(benefits − costs) / costs, or None and why when there are no costs."""
    if costs == 0:
        return None, "no costs: ROI is undefined"
    return float((benefits - costs) / costs), None


def payback(flows: Sequence[Flow]) -> tuple[float | None, str | None]:
    """Months until the cumulative cash flow is non-negative for good, interpolated within the month.

    Month t's flow accrues evenly over the month ending at t (month 0's at the horizon start), so when the
    cumulative sum turns non-negative in month t the payback is t − 1 + (what was still owed) / CF_t. 0 when the
    cumulative sum is never negative; None when it is negative at the end.
    """
    cumulative: Flow | int = 0
    months: float | None = 0.0
    for t, flow in enumerate(flows):
        owed, cumulative = -cumulative, cumulative + flow
        if cumulative < 0:
            months = None
        elif months is None:  # turned non-negative during month t (t ≥ 1, flow > 0)
            months = t - 1 + float(owed / flow)
    if months is None:
        return None, "the cumulative cash flow is still negative at the end of the horizon"
    return months, None


def discounted_payback(flows: Sequence[Decimal | float], rate: float) -> tuple[float | None, str | None]:
    """The payback of the discounted flows CF_t / (1 + rate)^t."""
    return payback([float(flow) / (1.0 + rate) ** t for t, flow in enumerate(flows)])


@dataclass(frozen=True)
class MonthFlow:
    """One month of a business case: t months after the horizon start, its amounts by kind."""

    t: int
    capex: Decimal = ZERO
    opex: Decimal = ZERO
    benefit: Decimal = ZERO

    @property
    def costs(self) -> Decimal:
        return self.capex + self.opex

    @property
    def net(self) -> Decimal:
        return self.benefit - self.capex - self.opex


def monthly_flows(lines: Iterable[tuple[int, str, Decimal]]) -> list[MonthFlow]:
    """Lines (t, kind, amount) summed per month, every month from 0 to the last line's (empty ones zero)."""
    sums: dict[int, dict[str, Decimal]] = {}
    for t, kind, amount in lines:
        if t < 0 or kind not in KINDS:
            raise ValueError(f"a line needs t ≥ 0 and a kind of {', '.join(KINDS)}; got {t}, {kind!r}")
        month = sums.setdefault(t, {})
        month[kind] = month.get(kind, ZERO) + amount
    last = max(sums, default=-1)
    return [MonthFlow(t, **sums.get(t, {})) for t in range(last + 1)]


@dataclass(frozen=True)
class Figures:
    """What a business case adds up to."""

    months: tuple[MonthFlow, ...]
    total_capex: Decimal
    total_opex: Decimal
    total_benefits: Decimal
    monthly_rate: float
    npv: Decimal
    irr: Irr
    roi: float | None
    roi_reason: str | None
    payback_months: float | None
    payback_reason: str | None
    discounted_payback_months: float | None
    discounted_payback_reason: str | None

    @property
    def total_costs(self) -> Decimal:
        return self.total_capex + self.total_opex

    @property
    def net(self) -> Decimal:
        return self.total_benefits - self.total_costs


def figures(lines: Iterable[tuple[int, str, Decimal]], annual_rate: float) -> Figures:
    """Totals, NPV at the annual discount rate, IRR, ROI and both paybacks of a business case's lines."""
    months = monthly_flows(lines)
    flows = [month.net for month in months]
    rate = monthly_rate(annual_rate)
    capex = sum((m.capex for m in months), ZERO)
    opex = sum((m.opex for m in months), ZERO)
    benefits = sum((m.benefit for m in months), ZERO)
    roi_value, roi_reason = roi(benefits, capex + opex)
    back, back_reason = payback(flows)
    discounted, discounted_reason = discounted_payback(flows, rate)
    return Figures(
        months=tuple(months), total_capex=capex, total_opex=opex, total_benefits=benefits, monthly_rate=rate,
        npv=Decimal(npv(flows, rate)).quantize(CENT), irr=irr(flows), roi=roi_value, roi_reason=roi_reason,
        payback_months=back, payback_reason=back_reason, discounted_payback_months=discounted,
        discounted_payback_reason=discounted_reason,
    )
