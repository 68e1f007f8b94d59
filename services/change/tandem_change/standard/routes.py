"""Routes of the standard change catalogue."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status
from tandem_shared.api import PageDep, SessionDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_change.standard import service
from tandem_change.standard.repository import ChangeModelRepository
from tandem_change.standard.schemas import ChangeModelCreate, ChangeModelPage, ChangeModelRead, ChangeModelUpdate

router = APIRouter(tags=["change models"], responses=PROBLEM_RESPONSES)
ADMIN = require_roles("admin", "change_manager")


@router.post("/change-models", status_code=status.HTTP_201_CREATED, response_model=ChangeModelRead,
             dependencies=[ADMIN], summary="Add a standard change model (admin, change_manager)")
async def create_model(body: ChangeModelCreate, session: SessionDep, actor: CurrentActor,
                       response: Response) -> ChangeModelRead:
    model = await service.create_model(session, actor=actor, body=body)
    response.headers["Location"] = location("/change/v1/change-models/{}", model.id)
    response.headers["ETag"] = etag(model.version)
    return ChangeModelRead.model_validate(model)


@router.get("/change-models", response_model=ChangeModelPage, summary="The standard change catalogue (by name)")
async def list_models(session: SessionDep, _actor: CurrentActor, page: PageDep,
                      active: bool | None = None) -> ChangeModelPage:
    rows, cursor = await ChangeModelRepository(session).page(page, active=active)
    return ChangeModelPage(items=[ChangeModelRead.model_validate(m) for m in rows], next_cursor=cursor,
                           limit=page.limit)


@router.get("/change-models/{model_id}", response_model=ChangeModelRead, summary="Read a change model")
async def get_model(model_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                    response: Response) -> ChangeModelRead:
    model = await ChangeModelRepository(session).get_or_404(model_id)
    response.headers["ETag"] = etag(model.version)
    return ChangeModelRead.model_validate(model)


@router.get("/change-models/{model_id}/history", response_model=AuditPage, summary="Who changed a change model",
            description=HISTORY_DESCRIPTION)
async def model_history(model_id: uuid.UUID, session: SessionDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    await ChangeModelRepository(session).exists_or_404(model_id)
    return await audit_page(session, "change_model", model_id, page)


@router.patch("/change-models/{model_id}", response_model=ChangeModelRead, dependencies=[ADMIN],
              summary="Edit or deactivate a change model")
async def update_model(model_id: uuid.UUID, body: ChangeModelUpdate, request: Request, response: Response,
                       session: SessionDep, actor: CurrentActor) -> ChangeModelRead:
    model = await ChangeModelRepository(session).get_or_404(model_id)
    check_if_match(request, model.version)
    model = await service.update_model(session, actor=actor, model=model, body=body)
    response.headers["ETag"] = etag(model.version)
    return ChangeModelRead.model_validate(model)
