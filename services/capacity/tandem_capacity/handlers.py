"""Events the capacity service consumes: event type → the handler of the package it concerns."""

from __future__ import annotations

from tandem_shared.consumer import Handler
from tandem_shared.contracts.change import ChangeApproved, ChangeCanceled, ChangeRescheduled
from tandem_shared.contracts.portfolio import ProjectDeferred, ProjectDemandPlanned, ProjectTerminated

from tandem_capacity.bookings import handlers as bookings
from tandem_capacity.demand import handlers as demand

HANDLERS: dict[str, Handler] = {
    ChangeApproved.event_type: bookings.on_change_approved,
    ChangeCanceled.event_type: bookings.on_change_canceled,
    ChangeRescheduled.event_type: bookings.on_change_rescheduled,
    ProjectDemandPlanned.event_type: demand.on_project_demand_planned,
    ProjectDeferred.event_type: demand.on_project_deferred,
    ProjectTerminated.event_type: demand.on_project_terminated,
}
