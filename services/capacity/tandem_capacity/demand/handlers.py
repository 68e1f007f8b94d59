"""Project events that book: a demand plan books its named lines and opens role requests; deferral releases all."""

from __future__ import annotations

from tandem_shared.auth import SYSTEM_ACTOR
from tandem_shared.contracts.portfolio import ProjectDeferred, ProjectDemandPlanned, ProjectTerminated
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_capacity.demand import service as demand


async def on_project_demand_planned(uow: UnitOfWork, event: CloudEvent, data: ProjectDemandPlanned) -> None:
    """Book named demand lines, open role requests for the rest; re-plans move, release and cancel."""
    await demand.apply_plan(uow, actor=event.actor or SYSTEM_ACTOR, plan=data)


async def on_project_deferred(uow: UnitOfWork, event: CloudEvent, data: ProjectDeferred) -> None:
    """A deferred project holds no capacity: release its bookings, cancel its role requests."""
    await demand.release_project(uow, actor=event.actor or SYSTEM_ACTOR, project_id=data.id,
                                 reason="project deferred")


async def on_project_terminated(uow: UnitOfWork, event: CloudEvent, data: ProjectTerminated) -> None:
    """A terminated project holds no capacity: release its bookings, cancel its role requests."""
    await demand.release_project(uow, actor=event.actor or SYSTEM_ACTOR, project_id=data.id,
                                 reason="project terminated")
