"""Capacity's booking events kept as the known_bookings projection (assignee availability).

Each booking's events share a partition, so they arrive in order; the inbox skips redeliveries. What is left —
a dead letter replayed after later events, a creation re-sent after a move — is settled by the event's time
(an older creation or move changes nothing) and by release being final.
"""

from __future__ import annotations

from tandem_change.scheduling import service
from tandem_shared.contracts.capacity import BookingCreated, BookingMoved, BookingReleased
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork


async def on_booking_created(uow: UnitOfWork, event: CloudEvent, data: BookingCreated) -> None:
    """Remember when the person is booked; a re-sent creation refreshes the same row."""
    await service.record_booking(uow.session, booking_id=data.id, person_id=data.person_id, source=data.source,
                                 source_id=data.source_id, start=data.start, end=data.end, hours=data.hours,
                                 as_of=event.time)


async def on_booking_moved(uow: UnitOfWork, event: CloudEvent, data: BookingMoved) -> None:
    """The booking's new person, window and hours replace the old (a move never seen created creates the row)."""
    await service.record_booking(uow.session, booking_id=data.id, person_id=data.person_id, source=data.source,
                                 source_id=data.source_id, start=data.start, end=data.end, hours=data.hours,
                                 as_of=event.time)


async def on_booking_released(uow: UnitOfWork, event: CloudEvent, data: BookingReleased) -> None:
    """The person's hours are free again."""
    await service.release_booking(uow.session, booking_id=data.id, person_id=data.person_id, source=data.source,
                                  source_id=data.source_id, hours=data.hours, as_of=event.time)
