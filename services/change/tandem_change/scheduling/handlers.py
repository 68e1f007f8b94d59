"""Capacity's booking events kept as the known_bookings projection (assignee availability)."""

from __future__ import annotations

from tandem_shared.contracts.capacity import BookingCreated, BookingReleased
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_change.scheduling import service


async def on_booking_created(uow: UnitOfWork, event: CloudEvent, data: BookingCreated) -> None:
    """Remember when the person is booked; a re-sent creation refreshes the same row."""
    await service.record_booking(uow.session, booking_id=data.id, person_id=data.person_id, source=data.source,
                                 source_id=data.source_id, start=data.start, end=data.end, hours=data.hours)


async def on_booking_released(uow: UnitOfWork, event: CloudEvent, data: BookingReleased) -> None:
    """The person's hours are free again."""
    await service.release_booking(uow.session, booking_id=data.id)
