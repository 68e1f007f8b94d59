"""What business cases read as: a case with its figures, and the portfolio cash flow."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal
from itertools import accumulate

from tandem_shared.errors import ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.business_cases import finance
from tandem_portfolio.business_cases.models import BusinessCase, BusinessCaseLine
from tandem_portfolio.business_cases.repository import CashFlowRepository, Selection, cents_to_money
from tandem_portfolio.business_cases.schemas import (
    BusinessCaseRead,
    CashFlowPeriod,
    CashFlowRead,
    CurrencyCashFlow,
    Figures,
    Irr,
    LineRead,
    MonthFigures,
)
from tandem_portfolio.business_cases.service import case_figures
from tandem_portfolio.months import format_month, format_quarter, parse_month

ZERO = finance.ZERO
# Projects whose money is committed or about to be: what the portfolio's cash flow shows unless told otherwise.
DEFAULT_STAGES = ("approved", "planning", "executing", "transition")


def case_read(project_id: uuid.UUID, case: BusinessCase, lines: Sequence[BusinessCaseLine]) -> BusinessCaseRead:
    """The case, its lines and figures."""
    figures = case_figures(case, lines)
    rate = figures.monthly_rate
    cumulative = list(accumulate(m.net for m in figures.months))
    months = [MonthFigures(month=format_month(case.horizon_start + m.t), t=m.t, capex=m.capex, opex=m.opex,
                           benefits=m.benefit, net=m.net, cumulative_net=total,
                           discounted_net=Decimal(float(m.net) / (1 + rate) ** m.t).quantize(finance.CENT))
              for m, total in zip(figures.months, cumulative, strict=True)]
    irr = figures.irr
    return BusinessCaseRead(
        project_id=project_id, currency=case.currency, discount_rate=case.discount_rate,
        horizon_start=format_month(case.horizon_start), version=case.version, updated_by=case.updated_by,
        updated_at=case.updated_at,
        lines=[LineRead(month=format_month(line.month), kind=line.kind, amount=line.amount,
                        description=line.description) for line in lines],
        figures=Figures(
            total_capex=figures.total_capex, total_opex=figures.total_opex, total_costs=figures.total_costs,
            total_benefits=figures.total_benefits, net=figures.net, monthly_discount_rate=rate, npv=figures.npv,
            irr=Irr(annual=irr.annual, monthly=irr.monthly, roots=list(irr.roots), ambiguous=irr.ambiguous,
                    reason=irr.reason),
            roi=figures.roi, roi_reason=figures.roi_reason, payback_months=figures.payback_months,
            payback_reason=figures.payback_reason, discounted_payback_months=figures.discounted_payback_months,
            discounted_payback_reason=figures.discounted_payback_reason, months=months),
    )


async def cash_flow(uow: UnitOfWork, *, quarterly: bool, from_month: str | None, to_month: str | None,
                    stages: Collection[str], categories: Collection[str],
                    project_ids: Collection[uuid.UUID]) -> CashFlowRead:
    """Planned capex, opex, benefits, net and cumulative net per period and currency over the selected projects."""
    start = parse_month(from_month) if from_month else None
    end = parse_month(to_month) if to_month else None
    if quarterly:  # whole quarters only: a partial quarter would read as a full one
        start = None if start is None else start - start % 3
        end = None if end is None else end - end % 3 + 2
    if start is not None and end is not None and start > end:
        raise ValidationProblem.field("from", "must not be after to")
    selected = list(stages) or ([] if project_ids else list(DEFAULT_STAGES))
    selection = Selection(stages=selected, categories=categories, project_ids=project_ids)
    repo = uow.repo(CashFlowRepository)
    sums = await repo.sums(selection, to_year=None if end is None else end // 12)
    counts = await repo.projects_per_currency(selection)
    step = 3 if quarterly else 1
    currencies = assemble(per_period(sums, start, end, step), counts, quarterly=quarterly,
                          first=None if start is None else start // step, last=None if end is None else end // step)
    return CashFlowRead(granularity="quarter" if quarterly else "month",
                        from_month=None if start is None else format_month(start),
                        to_month=None if end is None else format_month(end),
                        stages=selected or None, currencies=currencies)


def per_period(sums: Iterable[tuple[str, int, tuple[int, ...]]], start: int | None, end: int | None,
                step: int) -> list[tuple[str, int | None, Decimal, Decimal, Decimal]]:
    """The database's sums per currency and year spread back to months and added up per period (None: before
    `start`); the few rows the database returned, not the portfolio's lines."""
    cents: dict[tuple[str, int | None], list[int]] = {}
    for currency, year, columns in sums:
        for index in range(12):
            month = year * 12 + index
            capex, opex, benefit = columns[index], columns[12 + index], columns[24 + index]
            if not (capex or opex or benefit) or (end is not None and month > end):
                continue
            period = None if start is not None and month < start else month // step
            total = cents.setdefault((currency, period), [0, 0, 0])
            total[0], total[1], total[2] = total[0] + capex, total[1] + opex, total[2] + benefit
    return [(currency, period, *(cents_to_money(value) for value in total))
            for (currency, period), total in cents.items()]


def assemble(sums: Iterable[tuple[str, int | None, Decimal, Decimal, Decimal]], projects: dict[str, int], *,
             quarterly: bool, first: int | None, last: int | None) -> list[CurrencyCashFlow]:
    """Periods first..last (the range of the sums when not given) per currency, empty periods zero; period None
    sums the months before the range into the opening balance."""
    opening: dict[str, Decimal] = {}
    cells: dict[str, dict[int, tuple[Decimal, Decimal, Decimal]]] = {}
    for currency, period, capex, opex, benefits_ in sums:
        if period is None:
            opening[currency] = opening.get(currency, ZERO) + benefits_ - capex - opex
        else:
            cells.setdefault(currency, {})[period] = (capex, opex, benefits_)
    seen = [period for periods in cells.values() for period in periods]
    first = min(seen, default=last) if first is None else first
    last = max(seen, default=first) if last is None else last
    label = format_quarter if quarterly else format_month
    result = []
    for currency in sorted(projects.keys() | cells.keys() | opening.keys()):
        cumulative = opening.get(currency, ZERO)
        periods = []
        for period in range(first, last + 1) if first is not None and last is not None else ():
            capex, opex, benefits_ = cells.get(currency, {}).get(period, (ZERO, ZERO, ZERO))
            net = benefits_ - capex - opex
            cumulative += net
            periods.append(CashFlowPeriod(period=label(period), capex=capex, opex=opex, costs=capex + opex,
                                          benefits=benefits_, net=net, cumulative_net=cumulative))
        result.append(CurrencyCashFlow(currency=currency, projects=projects.get(currency, 0),
                                       opening_net=opening.get(currency, ZERO), periods=periods))
    return result
