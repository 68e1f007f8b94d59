"""Routes of /portfolio/v1/projects/{id}/benefits-realised and /benefits."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from tandem_shared.api import UnitOfWorkDep
from tandem_shared.auth import CurrentActor
from tandem_shared.errors import PROBLEM_RESPONSES

from tandem_portfolio.benefits import reports, service
from tandem_portfolio.benefits.schemas import BenefitRead, BenefitsRead, BenefitWrite

# Tagged with the business case they are measured against, as they always were in the API's documentation.
router = APIRouter(tags=["business cases"], responses=PROBLEM_RESPONSES)


@router.post("/projects/{project_id}/benefits-realised", status_code=status.HTTP_201_CREATED,
             response_model=BenefitRead, summary="Record a benefit realised after delivery",
             description="Only for projects in transition or closed (409 names the stage), against their business "
             "case's currency. Publishes `portfolio.project.benefit_realised.v1`.")
async def realise_benefit(project_id: uuid.UUID, body: BenefitWrite, uow: UnitOfWorkDep,
                          actor: CurrentActor) -> BenefitRead:
    realisation, total = await service.realise_benefit(uow, actor=actor, project_id=project_id, body=body)
    return reports.benefit_read(realisation, total)


@router.get("/projects/{project_id}/benefits", response_model=BenefitsRead,
            summary="Planned against realised benefits per month, and the realised ROI")
async def get_benefits(project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor) -> BenefitsRead:
    return await reports.benefits(uow, project_id)
