"""Use cases of the capacity pool: people, teams and the skill catalogue, each audited in the caller's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.capacity import PersonCostRateChanged, PersonCreated, Skill
from tandem_shared.errors import Conflict, NotFound
from tandem_shared.repository import record_audit
from tandem_shared.uow import record_event

from tandem_capacity.people.catalogue import catalogue
from tandem_capacity.people.models import CatalogueSkill, Person, PersonSkill, Team
from tandem_capacity.people.repository import PersonRepository, SkillRepository, TeamRepository
from tandem_capacity.people.schemas import PersonCreate, SkillCreate, TeamCreate, TeamUpdate


async def get_person(session: AsyncSession, person_id: uuid.UUID) -> Person:
    """The person, or 404."""
    return await PersonRepository(session).get_or_404(person_id)


async def create_person(session: AsyncSession, *, actor: Actor, body: PersonCreate) -> Person:
    """Add a person to the capacity pool and announce them to the other services."""
    people = PersonRepository(session)
    await catalogue(session, team=body.team, skills=[s.name for s in body.skills])
    taken = Conflict(f"a person with email {body.email} already exists",
                     errors=[{"field": "email", "message": "already used by another person"}])
    if body.email and await people.email_taken(body.email):
        raise taken
    try:
        person = await people.add(Person(
            name=body.name, email=body.email, team=body.team, weekly_hours=body.weekly_hours, created_by=actor.sub,
            location=body.location, cost_rate=body.cost_rate.amount if body.cost_rate else None,
            cost_currency=body.cost_rate.currency if body.cost_rate else None,
            skills=[PersonSkill(name=s.name, proficiency=s.proficiency)
                    for s in sorted(body.skills, key=lambda s: s.name.casefold())],
        ))
    except IntegrityError as exc:
        # A concurrent create took the email between the check and the insert.
        raise taken from exc
    await record_audit(session, actor=actor.sub, action="create", entity_type="person", entity_id=person.id,
                       detail={"team": person.team, "weekly_hours": person.weekly_hours})
    await record_event(session, PersonCreated(
        id=person.id, name=person.name, email=person.email, team=person.team,
        skills=[Skill(name=s.name, proficiency=s.proficiency) for s in person.skills],
        weekly_hours=person.weekly_hours,
    ), actor=actor.sub)
    if person.cost_rate is not None:
        await record_event(session, PersonCostRateChanged(
            person_id=person.id, rate=person.cost_rate, currency=person.cost_currency, changed_by=actor.sub,
        ), actor=actor.sub)
    return person


async def create_team(session: AsyncSession, *, actor: Actor, body: TeamCreate) -> Team:
    """Add a team; names are unique."""
    teams = TeamRepository(session)
    taken = Conflict(f"a team named {body.name!r} already exists",
                     errors=[{"field": "name", "message": "already used by another team"}])
    if await teams.by_name(body.name):
        raise taken
    try:
        async with session.begin_nested():
            team = await teams.add(Team(name=body.name, description=body.description, manager=body.manager))
    except IntegrityError as exc:
        raise taken from exc
    await record_audit(session, actor=actor.sub, action="create", entity_type="team", entity_id=team.id,
                       detail={"name": team.name})
    return team


async def get_team(session: AsyncSession, name: str) -> Team:
    """The team of that name, or 404."""
    team = await TeamRepository(session).by_name(name)
    if team is None:
        raise NotFound(f"no team named {name!r}")
    return team


async def update_team(session: AsyncSession, *, actor: Actor, team: Team, body: TeamUpdate) -> Team:
    """Change a team's description or manager."""
    changes = body.model_dump(exclude_unset=True)
    before = history.snapshot(team, changes)
    for name, value in changes.items():
        setattr(team, name, value)
    await session.flush()
    await record_audit(session, actor=actor.sub, action="update", entity_type="team", entity_id=team.id,
                       detail=changes, changes=history.changes(before, history.snapshot(team, before)))
    return team


async def create_skill(session: AsyncSession, *, actor: Actor, body: SkillCreate) -> CatalogueSkill:
    """Add a skill to the catalogue; names are unique regardless of case."""
    skills = SkillRepository(session)
    key = body.name.casefold()
    taken = Conflict(f"the skill {body.name!r} is already in the catalogue",
                     errors=[{"field": "name", "message": "already in the catalogue (names ignore case)"}])
    if await skills.by_key(key):
        raise taken
    try:
        async with session.begin_nested():
            skill = await skills.add(CatalogueSkill(name=body.name, key=key, category=body.category,
                                                    description=body.description))
    except IntegrityError as exc:
        raise taken from exc
    await record_audit(session, actor=actor.sub, action="create", entity_type="skill", entity_id=skill.id,
                       detail={"name": skill.name, "category": skill.category})
    return skill
