"""Planned against realised benefits per month, and the ROI realised against actual (or planned) costs."""

from __future__ import annotations

import uuid
from decimal import Decimal

from tandem_shared.uow import UnitOfWork

from tandem_portfolio.benefits.schemas import BenefitMonth, BenefitRead, BenefitsRead
from tandem_portfolio.business_cases import finance
from tandem_portfolio.business_cases.models import BenefitRealisation
from tandem_portfolio.business_cases.repository import BusinessCaseRepository
from tandem_portfolio.business_cases.service import get_case
from tandem_portfolio.costs.repository import ActualCostRepository
from tandem_portfolio.months import format_month

ZERO = finance.ZERO


def benefit_read(realisation: BenefitRealisation, cumulative: Decimal | None = None) -> BenefitRead:
    """A realisation as the API shows it (with the running total when it was just recorded)."""
    return BenefitRead(id=realisation.id, month=format_month(realisation.month), amount=realisation.amount,
                       currency=realisation.currency, note=realisation.note, recorded_by=realisation.recorded_by,
                       recorded_at=realisation.recorded_at, cumulative_realised=cumulative)


async def benefits(uow: UnitOfWork, project_id: uuid.UUID) -> BenefitsRead:
    """Benefits planned per month against those realised, and the ROI realised so far (on actual or planned costs)."""
    case, lines = await get_case(uow, project_id)
    realisations = await uow.repo(BusinessCaseRepository).realisations(project_id)
    planned: dict[int, Decimal] = {}
    for line in lines:
        if line.kind == "benefit":
            planned[line.month] = planned.get(line.month, ZERO) + line.amount
    realised: dict[int, Decimal] = {}
    for row in realisations:
        realised[row.month] = realised.get(row.month, ZERO) + row.amount
    months, cumulative_planned, cumulative_realised = [], ZERO, ZERO
    for month in sorted(planned.keys() | realised.keys()):
        cumulative_planned += planned.get(month, ZERO)
        cumulative_realised += realised.get(month, ZERO)
        months.append(BenefitMonth(month=format_month(month), planned=planned.get(month, ZERO),
                                   realised=realised.get(month, ZERO), cumulative_planned=cumulative_planned,
                                   cumulative_realised=cumulative_realised))
    planned_costs = sum((line.amount for line in lines if line.kind in finance.COST_KINDS), ZERO)
    currencies, spent, any_actual = await uow.repo(ActualCostRepository).spent(project_id)
    basis, note, costs = "planned", "no actual costs recorded yet: measured against planned costs", planned_costs
    if any_actual and currencies - {case.currency}:
        note = f"actual costs are in {', '.join(sorted(currencies))}, not {case.currency}: planned costs used"
    elif any_actual:
        basis, note, costs = "actual", None, spent
    realised_roi, reason = finance.roi(cumulative_realised, costs)
    return BenefitsRead(
        project_id=project_id, currency=case.currency, months=months, total_planned=cumulative_planned,
        total_realised=cumulative_realised, planned_costs=planned_costs, costs=costs, costs_basis=basis,
        costs_note=note, planned_roi=finance.roi(cumulative_planned, planned_costs)[0], realised_roi=realised_roi,
        realised_roi_reason=reason, realisations=[benefit_read(row) for row in realisations])
