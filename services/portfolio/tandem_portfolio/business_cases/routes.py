"""Routes of /portfolio/v1/projects/{id}/business-case and /portfolio/v1/cash-flow."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from tandem_shared.api import UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import CurrentActor
from tandem_shared.errors import PROBLEM_RESPONSES, PreconditionFailed

from tandem_portfolio.business_cases import reports, service
from tandem_portfolio.business_cases.schemas import (
    BusinessCaseRead,
    BusinessCaseWrite,
    CashFlowRead,
    Month,
)
from tandem_portfolio.projects.lifecycle import ProjectCategory, ProjectStage

router = APIRouter(tags=["business cases"], responses=PROBLEM_RESPONSES)


def if_match(request: Request) -> Callable[[int | None], None]:
    """If-Match against an entity's version; with no entity yet only `*` or no If-Match at all goes through."""

    def check(version: int | None) -> None:
        if version is not None:
            check_if_match(request, version)
        elif request.headers.get("if-match", "*").strip() != "*":
            raise PreconditionFailed("there is nothing to match yet: send no If-Match to create it")

    return check


@router.get("/projects/{project_id}/business-case", response_model=BusinessCaseRead,
            summary="Read a project's business case and its figures",
            description="Totals, NPV, IRR, ROI and paybacks are computed from the lines (docs/portfolio.md).")
async def get_business_case(project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                            response: Response) -> BusinessCaseRead:
    case, lines = await service.get_case(uow, project_id)
    response.headers["ETag"] = etag(case.version)
    return reports.case_read(project_id, case, lines)


@router.put("/projects/{project_id}/business-case", response_model=BusinessCaseRead,
            summary="Set or replace a project's business case",
            description="The project's sponsor, project manager or creator, or pmo/admin. Replaces every line; "
            "If-Match takes the case's ETag. Publishes `portfolio.project.business_case_updated.v1`. 409 for a "
            "closed or terminated project.")
async def put_business_case(project_id: uuid.UUID, body: BusinessCaseWrite, request: Request, uow: UnitOfWorkDep,
                            actor: CurrentActor, response: Response) -> BusinessCaseRead:
    case, lines = await service.set_case(uow, actor=actor, project_id=project_id, body=body,
                                         precondition=if_match(request))
    response.headers["ETag"] = etag(case.version)
    return reports.case_read(project_id, case, lines)


@router.get("/cash-flow", response_model=CashFlowRead, tags=["cash flow"],
            summary="The portfolio's planned cash flow per month or quarter, per currency",
            description="Sums capex, opex and benefits of the selected projects' business cases per period, with "
            "net and cumulative net; currencies are never added together. Without `stage` or `project_id`: "
            f"projects in {', '.join(reports.DEFAULT_STAGES)}. Months before `from` make `opening_net`.")
async def get_cash_flow(
    uow: UnitOfWorkDep, _actor: CurrentActor,
    granularity: Literal["month", "quarter"] = "month",
    from_month: Annotated[Month | None, Query(alias="from", description="First month, YYYY-MM.")] = None,
    to_month: Annotated[Month | None, Query(alias="to", description="Last month, YYYY-MM.")] = None,
    stage: Annotated[list[ProjectStage], Query(description="Repeat for several stages.")] = [],  # noqa: B006
    category: Annotated[list[ProjectCategory], Query(description="Repeat for several categories.")] = [],  # noqa: B006
    project_id: Annotated[list[uuid.UUID], Query(max_length=500, description="Named projects.")] = [],  # noqa: B006
) -> CashFlowRead:
    return await reports.cash_flow(uow, quarterly=granularity == "quarter", from_month=from_month,
                                   to_month=to_month, stages=[s.value for s in stage],
                                   categories=[c.value for c in category], project_ids=project_id)
