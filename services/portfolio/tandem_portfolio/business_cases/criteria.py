"""Gate criteria the business case answers: is it complete, is its NPV positive."""

from __future__ import annotations

from typing import Any

from tandem_shared.uow import UnitOfWork

from tandem_portfolio.business_cases import finance
from tandem_portfolio.business_cases.repository import BusinessCaseRepository
from tandem_portfolio.business_cases.service import case_figures
from tandem_portfolio.criteria import CriterionResult, criterion
from tandem_portfolio.projects.models import Project


async def _figures(uow: UnitOfWork, project: Project) -> tuple[Any, finance.Figures | None]:
    repo = uow.repo(BusinessCaseRepository)
    case = await repo.case(project.id)
    if case is None:
        return None, None
    return case, case_figures(case, await repo.lines(project.id))


@criterion("business_case_complete", "The project's business case has costs, benefits and a discount rate above 0.")
async def business_case_complete(uow: UnitOfWork, project: Project, _params: dict[str, Any]) -> CriterionResult:
    """Costs, benefits and a discount rate are all there."""
    case, figures = await _figures(uow, project)
    if case is None or figures is None:
        return CriterionResult(False, "the project has no business case")
    missing = [name for name, present in (("costs", figures.total_costs > 0), ("benefits", figures.total_benefits > 0),
                                          ("a discount rate above 0", case.discount_rate > 0)) if not present]
    facts = {"total_costs": str(figures.total_costs), "total_benefits": str(figures.total_benefits),
             "discount_rate": case.discount_rate, "currency": case.currency}
    if missing:
        listed = ", ".join(missing[:-1]) + " and " + missing[-1] if len(missing) > 1 else missing[0]
        return CriterionResult(False, f"the business case lacks {listed}", facts)
    return CriterionResult(True, "the business case has costs, benefits and a discount rate", facts)


@criterion("npv_positive", "The business case's net present value is above zero.")
async def npv_positive(uow: UnitOfWork, project: Project, _params: dict[str, Any]) -> CriterionResult:
    """NPV > 0 at the case's own discount rate."""
    case, figures = await _figures(uow, project)
    if case is None or figures is None:
        return CriterionResult(False, "the project has no business case")
    facts = {"npv": str(figures.npv), "currency": case.currency, "discount_rate": case.discount_rate}
    if figures.npv > 0:
        return CriterionResult(True, f"NPV is {figures.npv} {case.currency}", facts)
    return CriterionResult(False, f"NPV is {figures.npv} {case.currency}, not above zero", facts)
