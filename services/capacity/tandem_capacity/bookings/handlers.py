"""Change events that book: an approval books the assignee, a cancel releases, a reschedule moves."""

from __future__ import annotations

import uuid

from tandem_shared.auth import SYSTEM_ACTOR
from tandem_shared.bounds import horizon
from tandem_shared.contracts.change import ChangeApproved, ChangeCanceled, ChangeRescheduled
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_capacity.bookings import service
from tandem_capacity.bookings.repository import BookingRepository
from tandem_capacity.bookings.rules import unbookable
from tandem_capacity.people.repository import PersonRepository

CHANGE_CANCELED = "change canceled"
CHANGE_RESCHEDULED = "change rescheduled"
CHANGE_UNBOOKED = "change rescheduled without an assignee or effort"


# What a consumer batch's prefetch loaded (in the unit of work's cache), valid for its transaction: people never go
# away, and the handlers below keep the change bookings' entry up to date as they book and release.
KNOWN_PEOPLE = "capacity_known_people"
ACTIVE_CHANGES = "capacity_active_change_bookings"


async def _prefetch_approvals(uow: UnitOfWork, items: list[ChangeApproved]) -> None:
    """Two queries for a whole batch of approvals: changes already booked, and the assignees (known ones)."""
    ids = {str(item.id) for item in items}
    active = await uow.repo(BookingRepository).sources_with_active("change", ids)
    uow.cache[ACTIVE_CHANGES] = {source_id: source_id in active for source_id in ids}
    people = await uow.repo(PersonRepository).rows_by_id(
        {item.assignee_id for item in items if item.assignee_id is not None})
    uow.cache[KNOWN_PEOPLE] = {person.id for person in people}


async def _change_booked(uow: UnitOfWork, change_id: str) -> bool:
    cached = uow.cache.get(ACTIVE_CHANGES, {})
    if change_id in cached:
        return cached[change_id]
    return bool(await uow.repo(BookingRepository).active_for_source("change", change_id))


def _note_change(uow: UnitOfWork, change_id: str, booked: bool) -> None:
    if ACTIVE_CHANGES in uow.cache:
        uow.cache[ACTIVE_CHANGES][change_id] = booked


async def _unknown_assignee(uow: UnitOfWork, person_id: uuid.UUID) -> str | None:
    """Why a change cannot be booked for this assignee (capacity does not know them), or None."""
    if person_id in uow.cache.get(KNOWN_PEOPLE, ()) or await uow.repo(PersonRepository).exists(person_id):
        return None
    # Change only offers assignees it learned from our PersonCreated events, so an unknown one means the two
    # databases disagree (e.g. capacity restored from an older backup). Said rather than dead-lettered: the change
    # shows it, and a reschedule once the person is back books it.
    return f"assignee {person_id} is unknown to capacity"


async def on_change_approved(uow: UnitOfWork, event: CloudEvent, data: ChangeApproved) -> None:
    """Book the assignee's effort as one hard booking over the planned window."""
    if data.assignee_id is None or data.effort_hours <= 0:
        return
    source_id = str(data.id)
    # The inbox drops redelivered envelopes; this also drops a re-sent approval with a new event id.
    if await _change_booked(uow, source_id):
        return
    actor = event.actor or SYSTEM_ACTOR
    # A window capacity cannot spread, or an assignee it does not know, is published as a rejection the change
    # shows, not dead-lettered unseen.
    reason = (unbookable(data.planned_start, data.planned_end, data.effort_hours, horizon=horizon())
              or await _unknown_assignee(uow, data.assignee_id))
    if reason is not None:
        await service.reject_booking(uow, actor=actor, source="change", source_id=source_id,
                                     person_id=data.assignee_id, reason=reason)
        return
    await service.add_booking(
        uow, actor=actor, person_id=data.assignee_id, source="change", source_id=source_id, kind="hard",
        start=data.planned_start, end=data.planned_end, hours=data.effort_hours,
    )
    _note_change(uow, source_id, True)


on_change_approved.prefetch = _prefetch_approvals  # type: ignore[attr-defined]


async def on_change_canceled(uow: UnitOfWork, event: CloudEvent, data: ChangeCanceled) -> None:
    """Release the booking made for a canceled change (none: nothing to do)."""
    for booking in await uow.repo(BookingRepository).active_for_source("change", str(data.id)):
        await service.release_booking(uow, actor=event.actor or SYSTEM_ACTOR, booking=booking,
                                      reason=CHANGE_CANCELED)
    _note_change(uow, str(data.id), False)


async def on_change_rescheduled(uow: UnitOfWork, event: CloudEvent, data: ChangeRescheduled) -> None:
    """Move an authorised change's booking to its new window, assignee and effort (book or release as needed)."""
    if not data.books_capacity:
        return
    actor = event.actor or SYSTEM_ACTOR
    active = list(await uow.repo(BookingRepository).active_for_source("change", str(data.id)))
    if data.assignee_id is None or data.effort_hours <= 0:
        for booking in active:
            await service.release_booking(uow, actor=actor, booking=booking, reason=CHANGE_UNBOOKED)
        _note_change(uow, str(data.id), False)
        return
    reason = (unbookable(data.planned_start, data.planned_end, data.effort_hours, horizon=horizon())
              or await _unknown_assignee(uow, data.assignee_id))
    if reason is not None:  # the booking, if any, stays where it was: the change shows why it did not move
        await service.reject_booking(uow, actor=actor, source="change", source_id=str(data.id),
                                     person_id=data.assignee_id, reason=reason)
        return
    if not active:
        await service.add_booking(uow, actor=actor, person_id=data.assignee_id, source="change",
                                  source_id=str(data.id), kind="hard", start=data.planned_start,
                                  end=data.planned_end, hours=data.effort_hours)
        _note_change(uow, str(data.id), True)
        return
    booking, *extra = active
    for duplicate in extra:  # one booking per change; anything more is released rather than double-counted
        await service.release_booking(uow, actor=actor, booking=duplicate, reason=CHANGE_RESCHEDULED)
    wanted = (data.assignee_id, data.planned_start, data.planned_end, data.effort_hours)
    # Idempotent: a re-sent reschedule (new event id, same figures) finds the booking already there.
    if (booking.person_id, booking.start, booking.end, booking.hours) != wanted:
        await service.move_booking(uow, actor=actor, booking=booking, person_id=data.assignee_id,
                                   start=data.planned_start, end=data.planned_end, hours=data.effort_hours,
                                   reason=CHANGE_RESCHEDULED)
