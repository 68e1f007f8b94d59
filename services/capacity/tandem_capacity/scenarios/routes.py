"""Routes of what-if scenarios."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status
from tandem_shared.api import PageDep, SessionDep
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_capacity.scenarios import service
from tandem_capacity.scenarios.repository import ScenarioRepository
from tandem_capacity.scenarios.schemas import (
    Comparison,
    Move,
    MoveResult,
    ScenarioBookingPage,
    ScenarioBookingRead,
    ScenarioCreate,
    ScenarioPage,
    ScenarioRead,
)

router = APIRouter(responses=PROBLEM_RESPONSES)
PLANNERS = [require_roles("resource_manager", "pmo", "project_manager")]


@router.post("/scenarios", status_code=status.HTTP_201_CREATED, response_model=ScenarioRead, tags=["scenarios"],
             dependencies=PLANNERS, summary="Start a what-if scenario from the live bookings of a window")
async def create_scenario(body: ScenarioCreate, session: SessionDep, actor: CurrentActor,
                          response: Response) -> ScenarioRead:
    scenario, count = await service.create_scenario(session, actor=actor, body=body)
    response.headers["Location"] = location("/capacity/v1/scenarios/{}", scenario.id)
    return ScenarioRead.model_validate(scenario).model_copy(update={"bookings": count})


@router.get("/scenarios", response_model=ScenarioPage, tags=["scenarios"], summary="List scenarios, newest first")
async def list_scenarios(session: SessionDep, _actor: CurrentActor, page: PageDep) -> ScenarioPage:
    repo = ScenarioRepository(session)
    rows, cursor = await repo.page(page)
    counts = await repo.booking_counts([s.id for s in rows])
    return ScenarioPage(items=[ScenarioRead.model_validate(s).model_copy(update={"bookings": counts.get(s.id, 0)})
                               for s in rows], next_cursor=cursor, limit=page.limit)


@router.get("/scenarios/{scenario_id}", response_model=ScenarioRead, tags=["scenarios"], summary="Read a scenario")
async def get_scenario(scenario_id: uuid.UUID, session: SessionDep, _actor: CurrentActor) -> ScenarioRead:
    scenario = await service.get_scenario(session, scenario_id)
    counts = await ScenarioRepository(session).booking_counts([scenario.id])
    return ScenarioRead.model_validate(scenario).model_copy(update={"bookings": counts.get(scenario.id, 0)})


@router.get("/scenarios/{scenario_id}/history", response_model=AuditPage, tags=["scenarios"],
            summary="Who made a scenario and its moves", description=HISTORY_DESCRIPTION)
async def scenario_history(scenario_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                           page: PageDep) -> AuditPage:
    await ScenarioRepository(session).exists_or_404(scenario_id)
    return await audit_page(session, "scenario", scenario_id, page)


@router.delete("/scenarios/{scenario_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["scenarios"],
               dependencies=PLANNERS, summary="Delete a scenario and its bookings")
async def delete_scenario(scenario_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> Response:
    scenario = await service.get_scenario(session, scenario_id)
    await service.delete_scenario(session, actor=actor, scenario=scenario)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/scenarios/{scenario_id}/bookings", response_model=ScenarioBookingPage, tags=["scenarios"],
            summary="A scenario's bookings by start")
async def list_scenario_bookings(scenario_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                                 page: PageDep) -> ScenarioBookingPage:
    await service.get_scenario(session, scenario_id)
    rows, cursor = await ScenarioRepository(session).bookings_page(scenario_id, page)
    items = [ScenarioBookingRead.model_validate(_read(b)) for b in rows]
    return ScenarioBookingPage(items=items, next_cursor=cursor, limit=page.limit)


def _read(booking) -> dict:
    return {name: getattr(booking, name) for name in ScenarioBookingRead.model_fields if name != "weeks"} | {
        "weeks": [{"week": week, "hours": hours} for week, hours in booking.weeks]}


@router.post("/scenarios/{scenario_id}/moves", response_model=MoveResult, tags=["scenarios"], dependencies=PLANNERS,
             summary="Move, add or remove a booking inside the scenario (live bookings are untouched)")
async def add_scenario_move(scenario_id: uuid.UUID, body: Annotated[Move, Body()], session: SessionDep,
                            actor: CurrentActor) -> MoveResult:
    scenario = await service.get_scenario(session, scenario_id)
    booking = await service.apply_move(session, actor=actor, scenario=scenario, move=body)
    return MoveResult(action=body.action,
                      booking=ScenarioBookingRead.model_validate(_read(booking)) if booking else None)


@router.get("/scenarios/{scenario_id}/comparison", response_model=Comparison, tags=["scenarios"],
            summary="Utilisation per person and week, live against the scenario, with over-allocations of each")
async def compare_scenario(
    scenario_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
    team: Annotated[str | None, Query(description="Only this team's people.")] = None,
) -> Comparison:
    scenario = await service.get_scenario(session, scenario_id)
    return Comparison.model_validate(await service.compare(session, scenario, team))
