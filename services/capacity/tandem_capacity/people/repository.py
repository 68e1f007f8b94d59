"""Every query of the capacity pool: people, teams and the skill catalogue."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import NamedTuple

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page
from tandem_shared.uow import core_connection

from tandem_capacity.people.models import CatalogueSkill, Person, PersonSkill, Team

# Above this many people a query reads the whole window and filters in Python: cheaper than a huge IN list.
IN_LIST_LIMIT = 500


class PersonRow(NamedTuple):
    """The columns of a person the views and checks need (no ORM objects: thousands are read at once)."""

    id: uuid.UUID
    name: str
    team: str
    weekly_hours: float
    location: str | None


PERSON_COLUMNS = (Person.id, Person.name, Person.team, Person.weekly_hours, Person.location)
# Built once: consumer batches run it for every fetch.
_PEOPLE_BY_ID = sa.select(*PERSON_COLUMNS).where(Person.id.in_(sa.bindparam("ids", expanding=True)))
# FOR NO KEY UPDATE: another locker of the same person waits, a booking's foreign-key check (FOR KEY SHARE) does not.
_LOCK_PEOPLE = (sa.select(Person.id).where(Person.id.in_(sa.bindparam("ids", expanding=True))).order_by(Person.id)
                .with_for_update(key_share=True))


class PersonRepository(EntityRepository[Person]):
    """People and their skills."""

    model, noun = Person, "person"

    async def existing(self, person_ids: set[uuid.UUID]) -> set[uuid.UUID]:
        """Those of the ids that are known people (one query)."""
        if not person_ids:
            return set()
        found = await self.session.execute(sa.select(Person.id).where(Person.id.in_(person_ids)))
        return set(found.scalars())

    async def rows_by_id(self, person_ids: Collection[uuid.UUID]) -> list[PersonRow]:
        """Those of the ids that are known people, as rows (one prebuilt Core statement)."""
        if not person_ids:
            return []
        connection = await core_connection(self.session)
        return [PersonRow(*row) for row in await connection.execute(_PEOPLE_BY_ID, {"ids": list(person_ids)})]

    async def lock(self, person_ids: Collection[uuid.UUID]) -> None:
        """Lock the people's rows until the transaction ends, in id order (two lockers never deadlock)."""
        if not person_ids:
            return
        connection = await core_connection(self.session)
        if connection.dialect.name != "postgresql":
            return  # SQLite runs one writing transaction at a time already
        ids = sorted(person_ids)
        for first in range(0, len(ids), IN_LIST_LIMIT):
            await connection.execute(_LOCK_PEOPLE, {"ids": ids[first:first + IN_LIST_LIMIT]})

    async def at_locations(self, locations: Collection[str]) -> list[uuid.UUID]:
        """Ids of the people at any of the locations."""
        stmt = sa.select(Person.id).where(Person.location.in_(list(locations)))
        return list((await self.session.execute(stmt)).scalars())

    async def email_taken(self, email: str) -> bool:
        return (await self.session.execute(sa.select(Person.id).where(Person.email == email))).first() is not None

    async def page(
        self, page: PageParams, *, team: str | None = None, skill: str | None = None
    ) -> tuple[Sequence[Person], str | None]:
        stmt = sa.select(Person)
        if team:
            stmt = stmt.where(Person.team == team)
        if skill:
            skilled = sa.select(PersonSkill.person_id).where(sa.func.lower(PersonSkill.name) == skill.strip().lower())
            stmt = stmt.where(Person.id.in_(skilled))
        return await keyset_page(self.session, stmt, sort=Person.name, tiebreak=Person.id, descending=False, page=page)


class TeamRepository(EntityRepository[Team]):
    model, noun = Team, "team"

    async def by_name(self, name: str) -> Team | None:
        return (await self.session.execute(sa.select(Team).where(Team.name == name))).scalar_one_or_none()

    async def missing(self, names: Collection[str]) -> set[str]:
        """Which of the names are not teams yet."""
        found = await self.session.execute(sa.select(Team.name).where(Team.name.in_(list(names))))
        return set(names) - set(found.scalars())

    async def page(self, page: PageParams) -> tuple[Sequence[Team], str | None]:
        return await keyset_page(self.session, sa.select(Team), sort=Team.name, tiebreak=Team.id, descending=False,
                                 page=page)


class SkillRepository(EntityRepository[CatalogueSkill]):
    model, noun = CatalogueSkill, "skill"

    async def by_key(self, key: str) -> CatalogueSkill | None:
        stmt = sa.select(CatalogueSkill).where(CatalogueSkill.key == key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def missing_keys(self, keys: Collection[str]) -> set[str]:
        found = await self.session.execute(sa.select(CatalogueSkill.key).where(CatalogueSkill.key.in_(list(keys))))
        return set(keys) - set(found.scalars())

    async def page(self, page: PageParams, *,
                   category: str | None = None) -> tuple[Sequence[CatalogueSkill], str | None]:
        stmt = sa.select(CatalogueSkill)
        if category:
            stmt = stmt.where(CatalogueSkill.category == category)
        return await keyset_page(self.session, stmt, sort=CatalogueSkill.key, tiebreak=CatalogueSkill.id,
                                 descending=False, page=page)
