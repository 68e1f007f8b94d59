"""Booking status use cases: what capacity booked, released or refused for a change; alerts on a refusal."""

from __future__ import annotations

import uuid
from datetime import datetime

from tandem_shared.uow import UnitOfWork

from tandem_change.bookings.repository import BookingStatusRepository
from tandem_change.people.repository import PeopleProjection

BOOKED, RELEASED, REJECTED = "booked", "released", "rejected"
BOOKING_REJECTED = "booking_rejected"


async def booking_changed(uow: UnitOfWork, *, change_id: uuid.UUID, status: str, as_of: datetime) -> None:
    """Capacity booked (or released) the change's implementer hours."""
    await uow.repo(BookingStatusRepository).set_status(change_id, status, None, as_of)


async def booking_rejected(uow: UnitOfWork, *, change_id: uuid.UUID, reason: str, person_id: uuid.UUID | None,
                           team: str | None, manager: str | None, actor: str, as_of: datetime) -> None:
    """Capacity could not book the change: the change shows why, and the assignee's manager gets an alert."""
    if not await uow.repo(BookingStatusRepository).set_status(change_id, REJECTED, reason, as_of):
        return  # a change this service does not hold, or a later booking already settled it
    if team is None and person_id is not None:
        # Capacity names no team when it does not know the assignee (its database disagrees with ours, e.g. after a
        # restore): the team this service learned for them is who watches the alert.
        known = await uow.repo(PeopleProjection).get(person_id)
        team = known.team if known is not None else None
    await uow.repo(BookingStatusRepository).add_alert(
        change_id=change_id, kind=BOOKING_REJECTED, recipient=manager, team=team, person_id=person_id, reason=reason)
    await uow.audit(actor=actor, action="booking_rejected", entity_type="change", entity_id=change_id,
                    detail={"reason": reason, "alerted": manager})
