"""Routes of /portfolio/v1/selections: runs (small ones answered at once), compare, commit, frontier."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from tandem_shared.api import PageDep, UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_MEDIA_TYPE, PROBLEM_RESPONSES, TYPE_BASE, ValidationProblem
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page
from tandem_shared.uow import unit_of_work

from tandem_portfolio.selections import service
from tandem_portfolio.selections.models import Selection
from tandem_portfolio.selections.repository import SelectionRepository
from tandem_portfolio.selections.schemas import (
    CommittedProject,
    FrontierRead,
    FrontierSpec,
    SelectionCommit,
    SelectionCommitted,
    SelectionComparison,
    SelectionCreate,
    SelectionPage,
    SelectionRead,
    SelectionSummary,
    Status,
)

router = APIRouter(tags=["selections"], responses=PROBLEM_RESPONSES)
RUNNERS = [require_roles("pmo", "resource_manager")]  # admin passes every role check
COMMITTERS = [require_roles("pmo")]
BASE = "/portfolio/v1/selections"


def _read(selection: Selection, response: Response | None = None) -> SelectionRead:
    if response is not None:
        response.headers["ETag"] = etag(selection.version)
    return SelectionRead.model_validate({
        **{k: getattr(selection, k) for k in (
            "id", "name", "description", "status", "request", "value_kind", "candidate_count", "result", "frontier",
            "error", "created_by", "created_at", "started_at", "finished_at", "committed_by", "committed_at",
            "version")},
        "weeks": selection.meta["weeks"], "currency": selection.meta.get("currency"),
        "added_back_hours": selection.meta.get("added_back_hours", 0.0),
        "conflicts": selection.conflicts or []})


def _infeasible(selection: Selection) -> JSONResponse:
    """422 naming the constraints that conflict; the run is kept (status infeasible) to be read and changed."""
    conflicts = selection.conflicts or []
    return JSONResponse(status_code=422, media_type=PROBLEM_MEDIA_TYPE, headers={
        "Location": f"{BASE}/{selection.id}"}, content={
        "type": f"{TYPE_BASE}selection-infeasible", "title": "Selection infeasible", "status": 422,
        "detail": "the hard constraints cannot all hold: " + "; ".join(conflicts),
        "conflicts": conflicts, "selection_id": str(selection.id)})


@router.post("/selections", status_code=status.HTTP_201_CREATED, response_model=SelectionRead,
             dependencies=RUNNERS, summary="Run a capacity-aware portfolio selection",
             responses={202: {"description": "Queued for the background worker; follow Location.",
                              "model": SelectionRead},
                        422: {"description": "Bad input (the field named), or infeasible: `conflicts` names the "
                              "constraints that cannot all hold (the run is kept, status infeasible)."}},
             description="pmo, resource_manager (and admin). Candidates by stage, category or id; value = a scoring "
             "model's score, NPV or a mix; capacity per skill per ISO week from capacity's snapshot (or explicit, "
             "with deltas, for a what-if); budget per year or quarter; balance shares; must-do, never-do, "
             "dependencies, exclusions. Up to `TANDEM_PORTFOLIO_SELECTION_SYNC_MAX_CANDIDATES` candidates (50) "
             "the run is solved at once (201 with the result); larger ones answer 202 with a Location and are "
             "solved in the background (status queued → running → done, failed or infeasible).")
async def create_selection(body: SelectionCreate, request: Request, uow: UnitOfWorkDep, actor: CurrentActor,
                           response: Response) -> SelectionRead | JSONResponse:
    # Read the facts and solve before the request's unit writes anything: on SQLite a writer holds the file's one
    # write lock from its first statement, and no other portfolio write should wait for a solver.
    async with unit_of_work(request.app.state.runtime.read_sessionmaker) as reads:
        built = await service.build_run(reads, body)
    solved = await service.solve_if_small(built, body)
    selection = await service.store_run(uow, actor=actor, body=body, built=built, solved=solved)
    at_once = solved is not None
    if selection.status == "infeasible":
        return _infeasible(selection)
    response.headers["Location"] = f"{BASE}/{selection.id}"
    if not at_once:
        response.status_code = status.HTTP_202_ACCEPTED
    return _read(selection, response)


@router.get("/selections", response_model=SelectionPage, summary="List selection runs, newest first")
async def list_selections(
    uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    created_by: Annotated[str | None, Query(max_length=200)] = None,
    committed: Annotated[bool | None, Query(description="Only committed runs (true) or uncommitted (false).")] = None,
) -> SelectionPage:
    rows, cursor = await uow.repo(SelectionRepository).page(page, status=status_, created_by=created_by,
                                                            committed=committed)
    return SelectionPage(items=[SelectionSummary.model_validate(row, from_attributes=True) for row in rows],
                         next_cursor=cursor, limit=page.limit)


@router.get("/selections/compare", response_model=SelectionComparison, summary="Compare two selection runs",
            description="Projects only in a, only in b and in both; value and cost of each and the difference "
            "(b − a); peak utilisation per skill. Both runs must be done (422 naming `a` or `b` otherwise).")
async def compare_selections(uow: UnitOfWorkDep, _actor: CurrentActor, a: uuid.UUID, b: uuid.UUID
                             ) -> SelectionComparison:
    repo = uow.repo(SelectionRepository)
    return SelectionComparison.model_validate(service.compare(await repo.get_or_404(a), await repo.get_or_404(b)))


@router.get("/selections/{selection_id}", response_model=SelectionRead, summary="Read a selection run")
async def get_selection(selection_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                        response: Response) -> SelectionRead:
    return _read(await uow.repo(SelectionRepository).get_or_404(selection_id), response)


@router.get("/selections/{selection_id}/history", response_model=AuditPage,
            summary="Who created, solved and committed a run", description=HISTORY_DESCRIPTION)
async def get_selection_history(selection_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                                page: PageDep) -> AuditPage:
    await uow.repo(SelectionRepository).exists_or_404(selection_id)
    return await audit_page(uow.session, service.ENTITY, selection_id, page)


@router.get("/selections/{selection_id}/frontier", response_model=FrontierRead,
            summary="The efficient frontier of a run",
            description="The best value at each budget multiple (and capacity multiple) of the run's inputs. "
            "Without factors: the frontier computed with the run, or budgets ×0.5, 0.75, 1, 1.25, 1.5. 409 until the "
            "run is done.")
async def get_frontier(
    selection_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
    budget_factor: Annotated[list[float], Query(max_length=20, description="Repeat: budget multiples.")] = [],  # noqa: B006
    capacity_factor: Annotated[list[float], Query(max_length=5, description="Repeat: capacity multiples.")] = [],  # noqa: B006
) -> FrontierRead:
    spec = None
    if budget_factor or capacity_factor:
        try:
            spec = FrontierSpec.model_validate({k: v for k, v in (("budget_factors", budget_factor),
                                                                  ("capacity_factors", capacity_factor)) if v})
        except ValidationError as exc:
            error = exc.errors()[0]
            name = "budget_factor" if error["loc"][0] == "budget_factors" else "capacity_factor"
            raise ValidationProblem.field(name, f"each factor above 0 and at most 10 ({error['msg']})") from exc
    points = await service.frontier_of(uow, selection_id, spec)
    return FrontierRead.model_validate({"selection_id": selection_id, "points": points})


@router.post("/selections/{selection_id}/commit", response_model=SelectionCommitted, dependencies=COMMITTERS,
             summary="Commit a selection: initiate what it selected, defer what it left out",
             description="pmo (and admin), once per run (409 after), only for a run that is done. If-Match takes "
             "the run's ETag. A selected project on hold is resumed; one in idea to planning gets an `initiate` "
             "decision; either way its demand is shifted to the chosen start and published "
             "(`portfolio.project.demand_planned.v1`, which capacity books). A candidate left out in a live stage "
             "is deferred (`portfolio.project.deferred.v1`, which capacity releases). Executing projects go on.")
async def commit_selection(selection_id: uuid.UUID, request: Request, uow: UnitOfWorkDep, actor: CurrentActor,
                           body: SelectionCommit | None = None) -> SelectionCommitted:
    selection = await uow.repo(SelectionRepository).get_or_404(selection_id)
    check_if_match(request, selection.version)
    selection, done = await service.commit(uow, actor=actor, selection_id=selection_id,
                                           body=body or SelectionCommit())
    assert selection.committed_by is not None and selection.committed_at is not None
    return SelectionCommitted(selection_id=selection.id, committed_by=selection.committed_by,
                              committed_at=selection.committed_at,
                              projects=[CommittedProject(project_id=c.project_id, action=c.action,  # type: ignore[arg-type]
                                                         from_stage=c.from_stage, to_stage=c.to_stage,
                                                         shift_weeks=c.shift_weeks) for c in done])
