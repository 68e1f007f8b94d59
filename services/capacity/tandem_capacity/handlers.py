"""Events the capacity service consumes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import SYSTEM_ACTOR
from tandem_shared.consumer import Handler
from tandem_shared.contracts.change import ChangeApproved, ChangeCanceled
from tandem_shared.events import CloudEvent

from tandem_capacity import service
from tandem_capacity.repository import BookingRepository, PersonRepository

CHANGE_CANCELED = "change canceled"


class UnknownPerson(LookupError):
    """An event names a person capacity does not know."""


async def on_change_approved(session: AsyncSession, event: CloudEvent, data: ChangeApproved) -> None:
    """Book the assignee's effort as one hard booking over the planned window."""
    if data.assignee_id is None or data.effort_hours <= 0:
        return
    source_id = str(data.id)
    # The inbox drops redelivered envelopes; this also drops a re-sent approval with a new event id.
    if await BookingRepository(session).active_for_source("change", source_id):
        return
    if not await PersonRepository(session).exists(data.assignee_id):
        # Change only accepts assignees it learned from our PersonCreated events, so an unknown one
        # means the two databases disagree (e.g. a restore). Raising makes the consumer retry and then
        # dead-letter the event: the booking is kept for a replay after repair instead of being lost.
        raise UnknownPerson(f"change {data.id} is assigned to person {data.assignee_id}, unknown to capacity")
    await service.book(
        session, actor=event.actor or SYSTEM_ACTOR, person_id=data.assignee_id, source="change", source_id=source_id,
        kind="hard", start=data.planned_start, end=data.planned_end, hours=data.effort_hours,
    )


async def on_change_canceled(session: AsyncSession, event: CloudEvent, data: ChangeCanceled) -> None:
    """Release the booking made for a canceled change (none: nothing to do)."""
    for booking in await BookingRepository(session).active_for_source("change", str(data.id)):
        await service.release_booking(session, actor=event.actor or SYSTEM_ACTOR, booking=booking,
                                      reason=CHANGE_CANCELED)


HANDLERS: dict[str, Handler] = {
    ChangeApproved.event_type: on_change_approved,
    ChangeCanceled.event_type: on_change_canceled,
}
