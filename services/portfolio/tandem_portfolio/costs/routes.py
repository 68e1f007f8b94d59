"""Routes of /portfolio/v1/projects/{id}/costs (actual costs) and /budget (budget against actual per month)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from tandem_shared.api import PageDep, UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import CurrentActor
from tandem_shared.db import utcnow
from tandem_shared.errors import PROBLEM_RESPONSES, ValidationProblem
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.costs import service
from tandem_portfolio.costs.models import ActualCost
from tandem_portfolio.costs.plan import ZERO
from tandem_portfolio.costs.repository import ActualCostRepository
from tandem_portfolio.costs.schemas import BudgetMonthRead, BudgetRead, CostCreate, CostPage, CostRead, CostUpdate
from tandem_portfolio.months import format_month, parse_month
from tandem_portfolio.projects.models import Project
from tandem_portfolio.projects.repository import ProjectRepository

router = APIRouter(tags=["costs"], responses=PROBLEM_RESPONSES)
BASE = "/projects/{project_id}/costs"
STEWARDS = "Project managers, PMO, and the project's sponsor or named manager."


def _cost(cost: ActualCost) -> CostRead:
    return CostRead(id=cost.id, project_id=cost.project_id, month=format_month(cost.month), category=cost.category,
                    amount=cost.amount, currency=cost.currency, note=cost.note, entered_by=cost.entered_by,
                    version=cost.version, created_at=cost.created_at, updated_at=cost.updated_at)


def _read(cost: ActualCost, response: Response) -> CostRead:
    response.headers["ETag"] = etag(cost.version)
    return _cost(cost)


def _month(name: str, text: str | None) -> int | None:
    try:
        return None if text is None else parse_month(text)
    except ValueError as exc:
        raise ValidationProblem.field(name, str(exc)) from exc


async def _target(uow: UnitOfWork, project_id: uuid.UUID, cost_id: uuid.UUID,
                  request: Request) -> tuple[Project, ActualCost]:
    project = await uow.repo(ProjectRepository).get_or_404(project_id)
    cost = await uow.repo(ActualCostRepository).of_project_or_404(project_id, cost_id)
    check_if_match(request, cost.version)
    return project, cost


@router.post(BASE, status_code=status.HTTP_201_CREATED, response_model=CostRead, summary="Enter an actual cost",
             description=f"{STEWARDS} For this month or earlier, in the project's currency (the business case's, "
             "else the budget's, else that of the first entry).")
async def create_cost(project_id: uuid.UUID, body: CostCreate, uow: UnitOfWorkDep, actor: CurrentActor,
                      response: Response) -> CostRead:
    project = await uow.repo(ProjectRepository).get_or_404(project_id)
    cost = await service.enter_cost(uow, actor=actor, project=project, body=body, today=utcnow().date())
    response.headers["Location"] = location("/portfolio/v1/projects/{}/costs/{}", project_id, cost.id)
    return _read(cost, response)


@router.get(BASE, response_model=CostPage, summary="List a project's actual costs by month")
async def list_costs(project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
                     from_: Annotated[str | None, Query(alias="from", description="First month, YYYY-MM.")] = None,
                     to: Annotated[str | None, Query(description="Last month, YYYY-MM.")] = None) -> CostPage:
    await uow.repo(ProjectRepository).exists_or_404(project_id)
    rows, cursor = await uow.repo(ActualCostRepository).page(project_id, page, first=_month("from", from_),
                                                             last=_month("to", to))
    return CostPage(items=[_cost(c) for c in rows], next_cursor=cursor, limit=page.limit)


@router.get(BASE + "/{cost_id}", response_model=CostRead, summary="Read an actual cost")
async def get_cost(project_id: uuid.UUID, cost_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                   response: Response) -> CostRead:
    return _read(await uow.repo(ActualCostRepository).of_project_or_404(project_id, cost_id), response)


@router.get(BASE + "/{cost_id}/history", response_model=AuditPage, summary="Who changed an actual cost",
            description=HISTORY_DESCRIPTION)
async def cost_history(project_id: uuid.UUID, cost_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                        page: PageDep) -> AuditPage:
    await uow.repo(ActualCostRepository).of_project_or_404(project_id, cost_id)
    return await audit_page(uow.session, "actual_cost", cost_id, page)


@router.patch(BASE + "/{cost_id}", response_model=CostRead, summary="Correct an actual cost",
              description=f"{STEWARDS} If-Match takes the entry's ETag.")
async def update_cost(project_id: uuid.UUID, cost_id: uuid.UUID, body: CostUpdate, request: Request,
                      uow: UnitOfWorkDep, actor: CurrentActor, response: Response) -> CostRead:
    project, cost = await _target(uow, project_id, cost_id, request)
    await service.correct_cost(uow, actor=actor, project=project, cost=cost, body=body, today=utcnow().date())
    return _read(cost, response)


@router.delete(BASE + "/{cost_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an actual cost",
               description=f"{STEWARDS} If-Match takes the entry's ETag; the audit trail keeps the amount.")
async def delete_cost(project_id: uuid.UUID, cost_id: uuid.UUID, request: Request, uow: UnitOfWorkDep,
                      actor: CurrentActor) -> Response:
    project, cost = await _target(uow, project_id, cost_id, request)
    await service.delete_cost(uow, actor=actor, project=project, cost=cost)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/projects/{project_id}/budget", response_model=BudgetRead, summary="Budget against actual per month",
            description="Planned: the business case's capex + opex lines per month when it has any, else the "
            "project's budget spread evenly over its days from start to go-live. Actual: entered costs + labour "
            "cost. Variance = actual − planned (positive: over budget); cumulative columns run from the first month.")
async def get_budget(project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor) -> BudgetRead:
    project = await uow.repo(ProjectRepository).get_or_404(project_id)
    budget = await service.budget_of(uow, project)
    months = [BudgetMonthRead(month=format_month(row.month), **{name: getattr(row, name) for name in (
        "planned", "actual_costs", "actual_labour", "actual", "variance", "cumulative_planned", "cumulative_actual",
        "cumulative_variance")}) for row in budget.months]
    last = budget.months[-1] if budget.months else None
    planned = last.cumulative_planned if last else ZERO
    actual = last.cumulative_actual if last else ZERO
    return BudgetRead(project_id=project.id, currency=budget.currency, plan_source=budget.plan_source,
                      planned_total=planned, actual_total=actual, variance_total=actual - planned, months=months)
