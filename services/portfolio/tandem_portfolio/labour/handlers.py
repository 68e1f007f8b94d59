"""Capacity's events kept for labour cost: cost rates, and the weekly hours of project bookings.

Each handler takes (uow, event, data). Capacity publishes a booking's events in order (keyed by the booking) and a
person's rates in order (keyed by the person), so the latest event of each is the truth.
"""

from __future__ import annotations

import uuid

from tandem_shared.contracts.capacity import BookingCreated, BookingMoved, BookingReleased, PersonCostRateChanged
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.labour import service


def _project_id(source: str, source_id: str) -> uuid.UUID | None:
    """The project a booking is for; None for other sources or ids that are not portfolio's."""
    if source != "project":
        return None
    try:
        return uuid.UUID(source_id)
    except ValueError:
        return None


async def on_cost_rate_changed(uow: UnitOfWork, event: CloudEvent, data: PersonCostRateChanged) -> None:
    """A person's rate was set, changed or cleared: their projects are costed again."""
    await service.set_rate(uow, person_id=data.person_id, rate=data.rate, currency=data.currency,
                           changed_by=data.changed_by, changed_at=event.time)


async def on_booking_created(uow: UnitOfWork, event: CloudEvent, data: BookingCreated) -> None:
    """A project booking's hours count from now on."""
    await service.keep_booking(uow, booking_id=data.id, person_id=data.person_id,
                               project_id=_project_id(data.source, data.source_id), weeks=data.weeks, live=True)


async def on_booking_moved(uow: UnitOfWork, event: CloudEvent, data: BookingMoved) -> None:
    """A project booking's hours move to its new weeks (and person)."""
    await service.keep_booking(uow, booking_id=data.id, person_id=data.person_id,
                               project_id=_project_id(data.source, data.source_id), weeks=data.weeks, live=True)


async def on_booking_released(uow: UnitOfWork, event: CloudEvent, data: BookingReleased) -> None:
    """A released booking costs nothing any more."""
    await service.keep_booking(uow, booking_id=data.id, person_id=data.person_id,
                               project_id=_project_id(data.source, data.source_id), weeks=[], live=False)
