"""Every query of the people projection."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from tandem_change.people.models import KnownPerson


class PeopleProjection:
    """Capacity's people as this service knows them from events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, person_id: uuid.UUID) -> KnownPerson | None:
        """The person, or None when capacity never announced them."""
        return await self.session.get(KnownPerson, person_id)

    async def exists(self, person_id: uuid.UUID) -> bool:
        """True when capacity announced the person."""
        return await self.get(person_id) is not None

    async def upsert(self, person_id: uuid.UUID, *, name: str, team: str, email: str | None = None) -> None:
        """Remember the person, or refresh what is known of them (a re-sent event changes nothing)."""
        person = await self.get(person_id)
        if person is None:
            self.session.add(KnownPerson(id=person_id, name=name, team=team, email=email))
        else:
            person.name, person.team, person.email = name, team, email
