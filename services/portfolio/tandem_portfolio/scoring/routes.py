"""Routes of /portfolio/v1/scoring-models (CRUD and ranking) and /projects/{id}/scoring-inputs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from tandem_shared.api import PageDep, UnitOfWorkDep, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_portfolio.business_cases.routes import if_match
from tandem_portfolio.projects.lifecycle import ProjectCategory, ProjectStage
from tandem_portfolio.scoring import service
from tandem_portfolio.scoring.models import ScoringModel
from tandem_portfolio.scoring.repository import ScoringModelRepository, ScoringRepository
from tandem_portfolio.scoring.schemas import (
    RankingItem,
    RankingPage,
    ScoringInputsRead,
    ScoringInputsWrite,
    ScoringModelPage,
    ScoringModelRead,
    ScoringModelWrite,
)

router = APIRouter(tags=["scoring"], responses=PROBLEM_RESPONSES)
PMO = [require_roles("pmo")]


def _read(model: ScoringModel, response: Response | None = None) -> ScoringModelRead:
    if response is not None:
        response.headers["ETag"] = etag(model.version)
    return ScoringModelRead.model_validate({**{k: getattr(model, k) for k in (
        "id", "name", "kind", "description", "weights", "version", "created_by", "created_at", "updated_at")},
        "formula": service.FORMULAS[model.kind]})


@router.post("/scoring-models", status_code=status.HTTP_201_CREATED, response_model=ScoringModelRead,
             dependencies=PMO, summary="Add a scoring model (weighted, WSJF or RICE)",
             description="Scores every project with inputs at once; "
             "each score publishes `portfolio.project.scored.v1`.")
async def create_model(body: ScoringModelWrite, uow: UnitOfWorkDep, actor: CurrentActor,
                       response: Response) -> ScoringModelRead:
    model = await service.create_model(uow, actor=actor, body=body)
    response.headers["Location"] = location("/portfolio/v1/scoring-models/{}", model.id)
    return _read(model, response)


@router.get("/scoring-models", response_model=ScoringModelPage, summary="List scoring models by name")
async def list_models(uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep) -> ScoringModelPage:
    rows, cursor = await uow.repo(ScoringModelRepository).page(page)
    return ScoringModelPage(items=[_read(m) for m in rows], next_cursor=cursor, limit=page.limit)


@router.get("/scoring-models/{model_id}", response_model=ScoringModelRead, summary="Read a scoring model")
async def get_model(model_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                    response: Response) -> ScoringModelRead:
    return _read(await uow.repo(ScoringModelRepository).get_or_404(model_id), response)


@router.get("/scoring-models/{model_id}/history", response_model=AuditPage, summary="Who changed a scoring model",
            description=HISTORY_DESCRIPTION)
async def model_history(model_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    await uow.repo(ScoringModelRepository).exists_or_404(model_id)
    return await audit_page(uow.session, "scoring_model", model_id, page)


@router.put("/scoring-models/{model_id}", response_model=ScoringModelRead, dependencies=PMO,
            summary="Replace a scoring model", description="If-Match takes the model's ETag. Rescores every project.")
async def update_model(model_id: uuid.UUID, body: ScoringModelWrite, request: Request, uow: UnitOfWorkDep,
                       actor: CurrentActor, response: Response) -> ScoringModelRead:
    model = await service.update_model(uow, actor=actor, model_id=model_id, body=body, precondition=if_match(request))
    return _read(model, response)


@router.delete("/scoring-models/{model_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=PMO,
               summary="Remove a scoring model and its scores", description="If-Match takes the model's ETag.")
async def delete_model(model_id: uuid.UUID, request: Request, uow: UnitOfWorkDep, actor: CurrentActor) -> Response:
    await service.delete_model(uow, actor=actor, model_id=model_id, precondition=if_match(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/scoring-models/{model_id}/recompute", dependencies=PMO,
             summary="Rescore every project under a model",
             description="Scores follow inputs and model changes by themselves; strategic alignment follows the "
             "objectives, which change elsewhere: this brings it up to date.")
async def recompute_scores(model_id: uuid.UUID, uow: UnitOfWorkDep, actor: CurrentActor) -> dict[str, int]:
    scored, changed = await service.recompute(uow, actor=actor, model_id=model_id)
    return {"scored": scored, "changed": changed}


@router.get("/scoring-models/{model_id}/ranking", response_model=RankingPage,
            summary="Projects ranked by their stored score under a model, with each score's explanation")
async def ranking(
    model_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
    stage: Annotated[list[ProjectStage], Query(description="Repeat for several stages.")] = [],  # noqa: B006
    category: Annotated[list[ProjectCategory], Query(description="Repeat for several categories.")] = [],  # noqa: B006
) -> RankingPage:
    model = await uow.repo(ScoringModelRepository).get_or_404(model_id)
    rows, cursor = await uow.repo(ScoringRepository).ranking(
        model_id, page, stages=[s.value for s in stage], categories=[c.value for c in category])
    return RankingPage(items=[RankingItem(**vars(row)) for row in rows], next_cursor=cursor, limit=page.limit,
                       model_id=model.id, model_name=model.name, kind=model.kind)


async def _inputs_read(uow: UnitOfWorkDep, project_id: uuid.UUID, response: Response) -> ScoringInputsRead:
    repo = uow.repo(ScoringRepository)
    inputs = await repo.inputs(project_id)
    if inputs is not None:
        response.headers["ETag"] = etag(inputs.version)
    return ScoringInputsRead(
        **{name: getattr(inputs, name) for name in ScoringInputsWrite.model_fields} if inputs else {},
        project_id=project_id, strategic_alignment=await service.alignment_of(uow, project_id),
        version=inputs.version if inputs else None, updated_by=inputs.updated_by if inputs else None,
        updated_at=inputs.updated_at if inputs else None,
        scores=[{"model_id": s.model_id, "model_name": m.name, "kind": m.kind, "score": s.score,
                 "explanation": s.explanation, "computed_at": s.computed_at}
                for s, m in await repo.scores_with_models(project_id)])


@router.put("/projects/{project_id}/scoring-inputs", response_model=ScoringInputsRead,
            summary="Set a project's scoring inputs",
            description="The project's sponsor, project manager or creator, or pmo/admin. Replaces every input "
            "(left out: unknown) and rescores the project under every model. If-Match takes the inputs' ETag.")
async def put_inputs(project_id: uuid.UUID, body: ScoringInputsWrite, request: Request, uow: UnitOfWorkDep,
                     actor: CurrentActor, response: Response) -> ScoringInputsRead:
    await service.set_inputs(uow, actor=actor, project_id=project_id, body=body, precondition=if_match(request))
    return await _inputs_read(uow, project_id, response)


@router.get("/projects/{project_id}/scoring-inputs", response_model=ScoringInputsRead,
            summary="A project's scoring inputs, strategic alignment and scores")
async def get_inputs(project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                     response: Response) -> ScoringInputsRead:
    await service.project_exists(uow, project_id)
    return await _inputs_read(uow, project_id, response)
