"""Capacity's booking events for changes kept on the change: booked, released, rejected (and alerted)."""

from __future__ import annotations

import uuid

from tandem_shared.auth import SYSTEM_ACTOR
from tandem_shared.contracts.capacity import BookingCreated, BookingRejected, BookingReleased
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_change.bookings import service


def _change_id(source: str, source_id: str) -> uuid.UUID | None:
    if source != "change":
        return None
    try:
        return uuid.UUID(source_id)
    except ValueError:  # a manual booking naming something else
        return None


async def on_booking_created(uow: UnitOfWork, event: CloudEvent, data: BookingCreated) -> None:
    """A change's implementer hours were booked."""
    if (change_id := _change_id(data.source, data.source_id)) is not None:
        await service.booking_changed(uow, change_id=change_id, status=service.BOOKED, as_of=event.time)


async def on_booking_released(uow: UnitOfWork, event: CloudEvent, data: BookingReleased) -> None:
    """A change's booking was released (canceled, or rescheduled without an assignee or effort)."""
    if (change_id := _change_id(data.source, data.source_id)) is not None:
        await service.booking_changed(uow, change_id=change_id, status=service.RELEASED, as_of=event.time)


async def on_booking_rejected(uow: UnitOfWork, event: CloudEvent, data: BookingRejected) -> None:
    """Capacity could not book a change: show it on the change and alert the assignee's manager."""
    if (change_id := _change_id(data.source, data.source_id)) is not None:
        await service.booking_rejected(uow, change_id=change_id, reason=data.reason, person_id=data.person_id,
                                       team=data.team, manager=data.manager, actor=event.actor or SYSTEM_ACTOR,
                                       as_of=event.time)
