"""Events the portfolio service consumes: event type → handler(uow, event, data)."""

from __future__ import annotations

from tandem_shared.consumer import Handler
from tandem_shared.contracts.capacity import (
    BookingCreated,
    BookingMoved,
    BookingReleased,
    PersonCreated,
    PersonOverallocated,
    PersonOverallocationCleared,
)

from tandem_portfolio.status import handlers as status

HANDLERS: dict[str, Handler] = {
    # The resources dimension of a project's status: who is booked on it, and who is over-allocated.
    PersonCreated.event_type: status.on_person_created,
    BookingCreated.event_type: status.on_booking_created,
    BookingMoved.event_type: status.on_booking_moved,
    BookingReleased.event_type: status.on_booking_released,
    PersonOverallocated.event_type: status.on_person_overallocated,
    PersonOverallocationCleared.event_type: status.on_overallocation_cleared,
}
