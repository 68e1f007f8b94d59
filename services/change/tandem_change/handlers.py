"""Events the change service consumes: event type → the handler of the package that keeps it."""

from __future__ import annotations

from tandem_shared.consumer import Handler
from tandem_shared.contracts.capacity import (
    BookingCreated,
    BookingMoved,
    BookingRejected,
    BookingReleased,
    PersonCreated,
)
from tandem_shared.contracts.metrics import IncidentLinked, IncidentUnlinked
from tandem_shared.contracts.portfolio import (
    GoLiveScheduled,
    MilestoneCompleted,
    MilestoneForecastChanged,
    ProjectTerminated,
)
from tandem_shared.events import CloudEvent, EventData
from tandem_shared.uow import UnitOfWork

from tandem_change.bookings import handlers as bookings
from tandem_change.people.handlers import on_person_created
from tandem_change.scheduling.handlers import (
    on_booking_created,
    on_booking_moved,
    on_booking_released,
    on_go_live_scheduled,
    on_milestone_completed,
    on_milestone_forecast_changed,
    on_project_terminated,
)
from tandem_change.scores.handlers import on_incident_linked, on_incident_unlinked


def _both(first: Handler, second: Handler) -> Handler:
    """One event kept by two packages, in one transaction."""

    async def handle(uow: UnitOfWork, event: CloudEvent, data: EventData) -> None:
        await first(uow, event, data)
        await second(uow, event, data)

    handle.__doc__ = f"{first.__doc__} {second.__doc__}"
    return handle


HANDLERS: dict[str, Handler] = {
    PersonCreated.event_type: on_person_created,
    # The assignee's availability (scheduling) and the change's booking status (bookings).
    BookingCreated.event_type: _both(on_booking_created, bookings.on_booking_created),
    BookingMoved.event_type: on_booking_moved,
    BookingReleased.event_type: _both(on_booking_released, bookings.on_booking_released),
    BookingRejected.event_type: bookings.on_booking_rejected,
    IncidentLinked.event_type: on_incident_linked,
    IncidentUnlinked.event_type: on_incident_unlinked,
    # Projects' go-live windows, for project_go_live conflicts.
    GoLiveScheduled.event_type: on_go_live_scheduled,
    MilestoneForecastChanged.event_type: on_milestone_forecast_changed,
    MilestoneCompleted.event_type: on_milestone_completed,
    ProjectTerminated.event_type: on_project_terminated,
}
