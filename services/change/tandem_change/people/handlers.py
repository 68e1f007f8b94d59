"""Capacity's person events kept as the people projection."""

from __future__ import annotations

from tandem_shared.contracts.capacity import PersonCreated
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_change.people.repository import PeopleProjection


async def on_person_created(uow: UnitOfWork, event: CloudEvent, data: PersonCreated) -> None:
    """Remember a person so changes can name them as assignee."""
    await uow.repo(PeopleProjection).upsert(data.id, name=data.name, team=data.team, email=data.email)
