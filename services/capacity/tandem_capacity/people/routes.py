"""Routes of the capacity pool: people, teams and the skill catalogue."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from tandem_shared.api import PageDep, SessionDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_capacity.people import service
from tandem_capacity.people.repository import PersonRepository, SkillRepository, TeamRepository
from tandem_capacity.people.schemas import (
    PersonCreate,
    PersonPage,
    PersonRead,
    SkillCreate,
    SkillPage,
    SkillRead,
    TeamCreate,
    TeamPage,
    TeamRead,
    TeamUpdate,
)

router = APIRouter(responses=PROBLEM_RESPONSES)
WRITER_ROLES = ("resource_manager",)


@router.post("/people", status_code=status.HTTP_201_CREATED, response_model=PersonRead, tags=["people"],
             dependencies=[require_roles(*WRITER_ROLES)], summary="Add a person to the capacity pool")
async def create_person(body: PersonCreate, session: SessionDep, actor: CurrentActor, response: Response) -> PersonRead:
    person = await service.create_person(session, actor=actor, body=body)
    response.headers["Location"] = location("/capacity/v1/people/{}", person.id)
    return PersonRead.model_validate(person)


@router.get("/people", response_model=PersonPage, tags=["people"], summary="List people by name")
async def list_people(
    session: SessionDep, _actor: CurrentActor, page: PageDep,
    team: Annotated[str | None, Query(max_length=100, description="Exact team name.")] = None,
    skill: Annotated[str | None, Query(max_length=100, description="People with this skill (any case).")] = None,
) -> PersonPage:
    rows, cursor = await PersonRepository(session).page(page, team=team, skill=skill)
    return PersonPage(items=[PersonRead.model_validate(p) for p in rows], next_cursor=cursor, limit=page.limit)


@router.get("/people/{person_id}", response_model=PersonRead, tags=["people"], summary="Read a person")
async def get_person(person_id: uuid.UUID, session: SessionDep, _actor: CurrentActor, response: Response) -> PersonRead:
    person = await service.get_person(session, person_id)
    response.headers["ETag"] = etag(person.version)
    return PersonRead.model_validate(person)


@router.post("/teams", status_code=status.HTTP_201_CREATED, response_model=TeamRead, tags=["supply"],
             dependencies=[require_roles(*WRITER_ROLES)], summary="Add a team")
async def create_team(body: TeamCreate, session: SessionDep, actor: CurrentActor, response: Response) -> TeamRead:
    team = await service.create_team(session, actor=actor, body=body)
    response.headers["Location"] = location("/capacity/v1/teams/{}", team.name)
    response.headers["ETag"] = etag(team.version)
    return TeamRead.model_validate(team)


@router.get("/teams", response_model=TeamPage, tags=["supply"], summary="List teams by name")
async def list_teams(session: SessionDep, _actor: CurrentActor, page: PageDep) -> TeamPage:
    rows, cursor = await TeamRepository(session).page(page)
    return TeamPage(items=[TeamRead.model_validate(t) for t in rows], next_cursor=cursor, limit=page.limit)


@router.get("/teams/{team}", response_model=TeamRead, tags=["supply"], summary="Read a team by name")
async def get_team(team: str, session: SessionDep, _actor: CurrentActor, response: Response) -> TeamRead:
    found = await service.get_team(session, team)
    response.headers["ETag"] = etag(found.version)
    return TeamRead.model_validate(found)


@router.get("/teams/{team}/history", response_model=AuditPage, tags=["supply"], summary="Who changed a team",
            description=HISTORY_DESCRIPTION)
async def team_history(team: str, session: SessionDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    found = await service.get_team(session, team)
    return await audit_page(session, "team", found.id, page)


@router.patch("/teams/{team}", response_model=TeamRead, tags=["supply"], dependencies=[require_roles(*WRITER_ROLES)],
              summary="Change a team's description or manager (If-Match honoured)")
async def update_team(team: str, body: TeamUpdate, request: Request, session: SessionDep, actor: CurrentActor,
                      response: Response) -> TeamRead:
    found = await service.get_team(session, team)
    check_if_match(request, found.version)
    updated = await service.update_team(session, actor=actor, team=found, body=body)
    response.headers["ETag"] = etag(updated.version)
    return TeamRead.model_validate(updated)


@router.post("/skills", status_code=status.HTTP_201_CREATED, response_model=SkillRead, tags=["supply"],
             dependencies=[require_roles(*WRITER_ROLES)], summary="Add a skill to the catalogue")
async def create_skill(body: SkillCreate, session: SessionDep, actor: CurrentActor) -> SkillRead:
    return SkillRead.model_validate(await service.create_skill(session, actor=actor, body=body))


@router.get("/skills", response_model=SkillPage, tags=["supply"], summary="List the skill catalogue by name")
async def list_skills(session: SessionDep, _actor: CurrentActor, page: PageDep,
                      category: Annotated[str | None, Query(description="Only skills of this category.")] = None,
                      ) -> SkillPage:
    rows, cursor = await SkillRepository(session).page(page, category=category)
    return SkillPage(items=[SkillRead.model_validate(s) for s in rows], next_cursor=cursor, limit=page.limit)
