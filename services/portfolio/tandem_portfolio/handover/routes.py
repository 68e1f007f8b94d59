"""Routes of /portfolio/v1/projects/{id}/readiness and /handover/accept."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from tandem_shared.api import UnitOfWorkDep
from tandem_shared.auth import CurrentActor
from tandem_shared.db import utcnow
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.handover import service
from tandem_portfolio.handover.schemas import AcceptanceCreate, AcceptanceRead, FactRead, ReadinessRead
from tandem_portfolio.projects.models import Project
from tandem_portfolio.projects.repository import ProjectRepository
from tandem_portfolio.projects.service import get_project

router = APIRouter(tags=["handover"], responses=PROBLEM_RESPONSES)
BASE = "/projects/{project_id}"


async def _readiness(uow: UnitOfWork, project: Project) -> ReadinessRead:
    found = await service.readiness(uow, project)
    return ReadinessRead(
        project_id=project.id, stage=project.stage, go_live=found.go_live, service_owner=project.service_owner,
        support_team=project.support_team, ready=found.ready,
        facts=[FactRead(name=f.name, met=f.met, why=f.why, since=f.since, details=f.details) for f in found.facts],
        acceptance=AcceptanceRead.model_validate(found.acceptance) if found.acceptance else None)


@router.get(BASE + "/readiness", response_model=ReadinessRead, summary="A project's operational readiness",
            description="The facts the handover gate checks, each measured from another service's events (never "
            "ticked by hand): CIs and services registered in the CMDB (change), runbooks or known errors published "
            "(knowledge), run work or on-call booked for the support team from the go-live date (capacity), the "
            "go-live change approved (change). Each says whether it is met, why, and since when; `acceptance` is the "
            "service owner's. docs/portfolio.md, \"Operational readiness and handover\".")
async def get_readiness(project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor) -> ReadinessRead:
    return await _readiness(uow, await uow.repo(ProjectRepository).get_or_404(project_id))


@router.post(BASE + "/handover/accept", status_code=status.HTTP_201_CREATED, response_model=AcceptanceRead,
             summary="Accept the handover (the named service owner)",
             description="Only the project's named service owner (403 for anyone else, admins included), while the "
             "project is in transition (409 otherwise, and for a second acceptance). Measures the transition time "
             "from the go-live change's implementation and publishes `portfolio.project.handover_completed.v1`; the "
             "closure gate's `service_owner_accepted` criterion is then met.")
async def accept_handover(project_id: uuid.UUID, uow: UnitOfWorkDep, actor: CurrentActor,
                          body: AcceptanceCreate | None = None) -> AcceptanceRead:
    project = await get_project(uow, project_id)
    acceptance = await service.accept_handover(uow, actor=actor, project=project,
                                               comment=body.comment if body else None, now=utcnow())
    return AcceptanceRead.model_validate(acceptance)
