"""Events the change service consumes."""

from __future__ import annotations

from tandem_shared.consumer import Handler
from tandem_shared.contracts.capacity import BookingCreated, BookingReleased, PersonCreated
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_change.repository import PeopleProjection
from tandem_change.scheduling.handlers import on_booking_created, on_booking_released


async def on_person_created(uow: UnitOfWork, event: CloudEvent, data: PersonCreated) -> None:
    """Remember a person so changes can name them as assignee."""
    await uow.repo(PeopleProjection).upsert(data.id, name=data.name, team=data.team, email=data.email)


HANDLERS: dict[str, Handler] = {
    PersonCreated.event_type: on_person_created,
    BookingCreated.event_type: on_booking_created,
    BookingReleased.event_type: on_booking_released,
}
