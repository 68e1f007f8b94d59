"""Events the portfolio service consumes: event type → handler(uow, event, data)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tandem_shared.consumer import Handler
from tandem_shared.contracts.capacity import (
    BookingCreated,
    BookingMoved,
    BookingReleased,
    CapacitySnapshotPublished,
    PersonCostRateChanged,
    PersonCreated,
    PersonOverallocated,
    PersonOverallocationCleared,
)
from tandem_shared.contracts.change import (
    ChangeApproved,
    ChangeCanceled,
    ChangeImplemented,
    CICreated,
    CIRetired,
    CIUpdated,
    TeamSuccessScoreChanged,
)
from tandem_shared.contracts.knowledge import ArticlePublished, ArticleRetired
from tandem_shared.contracts.metrics import IncidentLinked, IncidentUnlinked
from tandem_shared.events import CloudEvent, EventData
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.capacity_outlook import handlers as capacity_outlook
from tandem_portfolio.disruption import handlers as disruption
from tandem_portfolio.handover import handlers as handover
from tandem_portfolio.labour import handlers as labour
from tandem_portfolio.status import handlers as status
from tandem_portfolio.teams import handlers as teams


def _each(*handlers: Handler, wants: Callable[[Any], bool] | None = None) -> Handler:
    """One handler applying the event to several packages' projections, in order, in the same transaction.

    `wants`: which events of the type concern them at all (tandem_shared.consumer.Handler); the others are ignored.
    """

    async def handle(uow: UnitOfWork, event: CloudEvent, data: EventData) -> None:
        for handler in handlers:
            await handler(uow, event, data)

    handle.__doc__ = "; ".join(h.__doc__ or h.__name__ for h in handlers)
    if wants is not None:
        handle.wants = wants  # type: ignore[attr-defined]
    return handle


def _project_or_operations(data: BookingCreated | BookingMoved | BookingReleased) -> bool:
    """A booking of a project or of operations work: a change's booking (its source never changes) concerns no
    projection here, and most bookings are changes'."""
    return data.source != "change"


def _of_a_project(data: ChangeApproved | ChangeImplemented) -> bool:
    """A change that names its project, or an event recorded before these carried `project_id` (its absence says
    nothing, so the change's row decides). Most changes name none: approved or implemented, they touch no project.
    A cancellation is always looked up: it may end a change its project had before it was unlinked."""
    return data.project_id is not None or "project_id" not in data.model_fields_set


HANDLERS: dict[str, Handler] = {
    # The resources dimension of a project's status: who is booked on it, and who is over-allocated; labour cost
    # (booked hours × cost rates); the handover's support capacity (run work and on-call bookings).
    PersonCreated.event_type: status.on_person_created,
    BookingCreated.event_type: _each(status.on_booking_created, labour.on_booking_created, handover.on_booking_created,
                                     wants=_project_or_operations),
    BookingMoved.event_type: _each(status.on_booking_moved, labour.on_booking_moved, handover.on_booking_moved,
                                   wants=_project_or_operations),
    BookingReleased.event_type: _each(status.on_booking_released, labour.on_booking_released,
                                      handover.on_booking_released, wants=_project_or_operations),
    PersonOverallocated.event_type: status.on_person_overallocated,
    PersonOverallocationCleared.event_type: status.on_overallocation_cleared,
    PersonCostRateChanged.event_type: labour.on_cost_rate_changed,
    # Operational readiness for the handover gate: the CMDB, published runbooks, the go-live change.
    CICreated.event_type: handover.on_ci_created,
    CIUpdated.event_type: handover.on_ci_updated,
    CIRetired.event_type: handover.on_ci_retired,
    ArticlePublished.event_type: handover.on_article_published,
    ArticleRetired.event_type: handover.on_article_retired,
    # (Then the disruption of the change's project: incidents linked to the change before portfolio knew it.)
    ChangeApproved.event_type: _each(handover.on_change_approved, disruption.on_change_of_project,
                                     wants=_of_a_project),
    ChangeImplemented.event_type: _each(handover.on_change_implemented, disruption.on_change_of_project,
                                        wants=_of_a_project),
    ChangeCanceled.event_type: _each(handover.on_change_canceled, disruption.on_change_of_project),
    # Delivery risk from the delivering team's change success score.
    TeamSuccessScoreChanged.event_type: teams.on_team_score_changed,
    # Implementation-caused disruption: incidents metrics links to a project's go-live (status and an issue).
    IncidentLinked.event_type: disruption.on_incident_linked,
    IncidentUnlinked.event_type: disruption.on_incident_unlinked,
    # Free hours per skill per ISO week: what selection runs plan against by default.
    CapacitySnapshotPublished.event_type: capacity_outlook.on_snapshot_published,
}
