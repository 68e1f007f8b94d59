"""Make a source's active bookings match what it plans: book the new lines, move the changed, release the gone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from tandem_shared.uow import UnitOfWork

from tandem_capacity.bookings import service
from tandem_capacity.bookings.models import Booking
from tandem_capacity.bookings.repository import BookingRepository
from tandem_capacity.bookings.rules import WeekShare
from tandem_capacity.bookings.weekly import total


@dataclass(frozen=True)
class Planned:
    """The booking one line of a plan wants: a person's hours per ISO week over a window."""

    person_id: uuid.UUID
    start: datetime
    end: datetime
    weeks: list[WeekShare]
    kind: str
    skill: str | None = None
    role: str | None = None

    @property
    def hours(self) -> float:
        return total(self.weeks)

    def matches(self, booking: Booking) -> bool:
        """True when the booking already books exactly this."""
        return (booking.person_id, booking.start, booking.end, booking.hours, booking.kind, booking.skill,
                booking.role) == (self.person_id, self.start, self.end, self.hours, self.kind, self.skill,
                                  self.role) and [(w.week, w.hours) for w in booking.weeks] == [
                    (s.week, s.hours) for s in self.weeks]


@dataclass
class SyncResult:
    """What a sync did, booking ids by outcome."""

    booked: dict[str, Booking] = field(default_factory=dict)
    moved: dict[str, Booking] = field(default_factory=dict)
    unchanged: dict[str, Booking] = field(default_factory=dict)
    released: list[Booking] = field(default_factory=list)

    def booking(self, line: str) -> Booking | None:
        return self.booked.get(line) or self.moved.get(line) or self.unchanged.get(line)


async def sync_bookings(
    uow: UnitOfWork, *, actor: str, source: str, source_id: str, planned: dict[str, Planned],
    moved_reason: str, released_reason: str,
) -> SyncResult:
    """Book, move or release the source's line bookings so they match `planned` (keyed by source line).

    Bookings of the source without a source line (made by hand) are left alone; applying the same plan
    twice changes nothing.
    """
    result = SyncResult()
    current: dict[str, Booking] = {}
    for booking in await uow.repo(BookingRepository).active_for_source(source, source_id):
        if booking.source_line is None:
            continue
        if booking.source_line in current or booking.source_line not in planned:
            result.released.append(await service.release_booking(
                uow, actor=actor, booking=booking, reason=released_reason))
        else:
            current[booking.source_line] = booking
    for line, plan in planned.items():
        booking = current.get(line)
        if booking is None:
            result.booked[line] = await service.book(
                uow, actor=actor, person_id=plan.person_id, source=source, source_id=source_id,
                kind=plan.kind, start=plan.start, end=plan.end, hours=plan.hours, skill=plan.skill, role=plan.role,
                source_line=line, weeks=plan.weeks)
        elif plan.matches(booking):
            result.unchanged[line] = booking
        else:
            result.moved[line] = await service.move_booking(
                uow, actor=actor, booking=booking, person_id=plan.person_id, start=plan.start, end=plan.end,
                hours=plan.hours, reason=moved_reason, weeks=plan.weeks, kind=plan.kind, skill=plan.skill,
                role=plan.role)
    return result
