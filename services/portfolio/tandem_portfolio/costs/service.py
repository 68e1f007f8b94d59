"""Actual cost use cases, and the budget view: planned (business case, or the budget spread evenly) vs actual."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.db import new_id
from tandem_shared.errors import ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.costs.models import ActualCost
from tandem_portfolio.costs.plan import BudgetMonth, budget_months, month_number, spread_evenly
from tandem_portfolio.costs.repository import ActualCostRepository
from tandem_portfolio.costs.schemas import CostCreate, CostUpdate
from tandem_portfolio.months import parse_month
from tandem_portfolio.projects.models import Project
from tandem_portfolio.stewardship import ensure_active, ensure_steward


@dataclass(frozen=True)
class Budget:
    """What the budget view and the budget RAG rule read."""

    currency: str | None
    plan_source: str
    months: list[BudgetMonth]


async def budget_of(uow: UnitOfWork, project: Project) -> Budget:
    """Planned per month from the business case's cost lines, else the budget spread evenly; actual = costs + labour."""
    costs = uow.repo(ActualCostRepository)
    case = await costs.business_case_plan(project.id)
    if case is not None and case[1]:
        currency, planned, source = case[0], case[1], "business_case"
    elif project.budget_amount is not None and project.start_date and project.go_live_date:
        currency, source = project.budget_currency, "budget_spread"
        planned = spread_evenly(project.budget_amount, project.start_date, project.go_live_date)
    else:
        currency, planned, source = project.budget_currency, {}, "none"
    entered, labour = await costs.costs_by_month(project.id), await costs.labour_by_month(project.id)
    currency = currency or await costs.currency_in_use(project.id)
    return Budget(currency=currency, plan_source=source, months=budget_months(planned, entered, labour))


async def _check(uow: UnitOfWork, project: Project, currency: str, month: int, today: date) -> None:
    if month > month_number(today):
        raise ValidationProblem.field("month", "actual costs are for this month or earlier")
    expected = (await budget_of(uow, project)).currency
    if expected is not None and currency != expected:
        raise ValidationProblem.field("currency", f"must be the project's currency {expected}")


async def enter_cost(uow: UnitOfWork, *, actor: Actor, project: Project, body: CostCreate, today: date) -> ActualCost:
    """Enter an amount spent in a month."""
    ensure_steward(actor, project, "entering actual costs")
    ensure_active(project, "enter actual costs")
    month = parse_month(body.month)
    await _check(uow, project, body.currency, month, today)
    cost = await uow.repo(ActualCostRepository).add(ActualCost(
        id=new_id(), project_id=project.id, month=month, category=body.category, amount=body.amount,
        currency=body.currency, note=body.note, entered_by=actor.sub))
    await uow.audit(actor=actor.sub, action="enter", entity_type="actual_cost", entity_id=cost.id,
                    detail={"project_id": str(project.id), "month": body.month, "amount": str(body.amount)})
    return cost


async def correct_cost(uow: UnitOfWork, *, actor: Actor, project: Project, cost: ActualCost, body: CostUpdate,
                       today: date) -> ActualCost:
    """Correct an entry (fields left out stay)."""
    ensure_steward(actor, project, "correcting actual costs")
    ensure_active(project, "correct actual costs")
    values = {name: getattr(body, name) for name in body.model_fields_set}
    for name in ("month", "category", "amount"):
        if name in values and values[name] is None:
            raise ValidationProblem.field(name, "cannot be removed")
    if "month" in values:
        values["month"] = parse_month(values["month"])
        await _check(uow, project, cost.currency, values["month"], today)
    before = {name: str(getattr(cost, name)) for name in values}
    old = history.snapshot(cost, sorted(values))
    for name, value in values.items():
        setattr(cost, name, value)
    await uow.repo(ActualCostRepository).save(cost)
    await uow.audit(actor=actor.sub, action="correct", entity_type="actual_cost", entity_id=cost.id,
                    detail={"before": before, "after": {name: str(value) for name, value in values.items()}},
                    changes=history.changes(old, history.snapshot(cost, old)))
    return cost


async def delete_cost(uow: UnitOfWork, *, actor: Actor, project: Project, cost: ActualCost) -> None:
    """Remove an entry; the audit row keeps what it said."""
    ensure_steward(actor, project, "deleting actual costs")
    ensure_active(project, "delete actual costs")
    await uow.audit(actor=actor.sub, action="delete", entity_type="actual_cost", entity_id=cost.id, detail={
        "project_id": str(project.id), "month": cost.month, "amount": str(cost.amount), "category": cost.category})
    await uow.repo(ActualCostRepository).delete(cost)

