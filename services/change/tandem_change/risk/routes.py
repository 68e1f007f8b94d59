"""Routes of risk conditions and the risk questionnaire."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status
from tandem_shared.api import PageDep, SessionDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_change.risk import service
from tandem_change.risk.repository import QuestionnaireRepository, RiskConditionRepository
from tandem_change.risk.schemas import (
    Questionnaire,
    QuestionnaireRead,
    RiskConditionCreate,
    RiskConditionPage,
    RiskConditionRead,
    RiskConditionUpdate,
)

router = APIRouter(tags=["risk"], responses=PROBLEM_RESPONSES)
ADMIN = require_roles("admin", "change_manager")


@router.post("/risk-conditions", status_code=status.HTTP_201_CREATED, response_model=RiskConditionRead,
             dependencies=[ADMIN], summary="Add a risk condition (admin, change_manager)")
async def create_condition(body: RiskConditionCreate, session: SessionDep, actor: CurrentActor,
                           response: Response) -> RiskConditionRead:
    condition = await service.create_condition(session, actor=actor, body=body)
    response.headers["Location"] = location("/change/v1/risk-conditions/{}", condition.id)
    response.headers["ETag"] = etag(condition.version)
    return RiskConditionRead.model_validate(condition)


@router.get("/risk-conditions", response_model=RiskConditionPage, summary="Risk conditions in evaluation order",
            description="The first active condition that matches a change sets its condition risk.")
async def list_conditions(session: SessionDep, _actor: CurrentActor, page: PageDep) -> RiskConditionPage:
    rows, cursor = await RiskConditionRepository(session).page(page)
    return RiskConditionPage(items=[RiskConditionRead.model_validate(c) for c in rows], next_cursor=cursor,
                             limit=page.limit)


@router.get("/risk-conditions/{condition_id}", response_model=RiskConditionRead, summary="Read a risk condition")
async def get_condition(condition_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                        response: Response) -> RiskConditionRead:
    condition = await RiskConditionRepository(session).get_or_404(condition_id)
    response.headers["ETag"] = etag(condition.version)
    return RiskConditionRead.model_validate(condition)


@router.get("/risk-conditions/{condition_id}/history", response_model=AuditPage,
            summary="Who changed a risk condition", description=HISTORY_DESCRIPTION)
async def condition_history(condition_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                            page: PageDep) -> AuditPage:
    await RiskConditionRepository(session).exists_or_404(condition_id)
    return await audit_page(session, "risk_condition", condition_id, page)


@router.patch("/risk-conditions/{condition_id}", response_model=RiskConditionRead, dependencies=[ADMIN],
              summary="Edit a risk condition")
async def update_condition(condition_id: uuid.UUID, body: RiskConditionUpdate, request: Request,
                           response: Response, session: SessionDep, actor: CurrentActor) -> RiskConditionRead:
    condition = await RiskConditionRepository(session).get_or_404(condition_id)
    check_if_match(request, condition.version)
    condition = await service.update_condition(session, actor=actor, condition=condition, body=body)
    response.headers["ETag"] = etag(condition.version)
    return RiskConditionRead.model_validate(condition)


@router.delete("/risk-conditions/{condition_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[ADMIN],
               summary="Delete a risk condition")
async def delete_condition(condition_id: uuid.UUID, request: Request, session: SessionDep,
                           actor: CurrentActor) -> Response:
    condition = await RiskConditionRepository(session).get_or_404(condition_id)
    check_if_match(request, condition.version)
    await service.delete_condition(session, actor=actor, condition=condition)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _questionnaire_read(row) -> QuestionnaireRead:  # noqa: ANN001
    return QuestionnaireRead(questions=row.questions, moderate_from=row.moderate_from, high_from=row.high_from,
                             version=row.version, updated_at=row.updated_at)


@router.get("/risk-questionnaire", response_model=QuestionnaireRead, summary="The risk questionnaire",
            description="Answer it with `answers` {question key: answer key} on POST .../assess or .../risk.")
async def get_questionnaire(session: SessionDep, _actor: CurrentActor, response: Response) -> QuestionnaireRead:
    row = await QuestionnaireRepository(session).get()
    response.headers["ETag"] = etag(row.version)
    return _questionnaire_read(row)


@router.get("/risk-questionnaire/history", response_model=AuditPage, summary="Who changed the risk questionnaire",
            description=HISTORY_DESCRIPTION)
async def questionnaire_history(session: SessionDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    return await audit_page(session, "risk_questionnaire", 1, page)


@router.put("/risk-questionnaire", response_model=QuestionnaireRead, dependencies=[ADMIN],
            summary="Replace the risk questionnaire (admin, change_manager)")
async def replace_questionnaire(body: Questionnaire, request: Request, response: Response, session: SessionDep,
                                actor: CurrentActor) -> QuestionnaireRead:
    row = await QuestionnaireRepository(session).get()
    check_if_match(request, row.version)
    row = await service.replace_questionnaire(session, actor=actor, body=body)
    response.headers["ETag"] = etag(row.version)
    return _questionnaire_read(row)
