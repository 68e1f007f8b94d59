"""Metrics' incident links kept for the projects whose go-live caused them."""

from __future__ import annotations

from tandem_shared.contracts.change import ChangeApproved, ChangeCanceled, ChangeImplemented
from tandem_shared.contracts.metrics import IncidentLinked, IncidentUnlinked
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.disruption import service


async def on_incident_linked(uow: UnitOfWork, event: CloudEvent, data: IncidentLinked) -> None:
    """An incident was linked (or re-linked) to the change or project that caused it."""
    await service.keep_link(uow, incident_id=data.incident_id, external_id=data.external_id,
                            change_id=data.change_id, project_id=data.project_id, priority=data.priority,
                            explanation=data.explanation, opened_at=data.opened_at, linked_at=event.time)


async def on_incident_unlinked(uow: UnitOfWork, event: CloudEvent, data: IncidentUnlinked) -> None:
    """An incident no longer has a cause."""
    await service.drop_link(uow, incident_id=data.incident_id, reason=data.reason)


async def on_change_of_project(uow: UnitOfWork, event: CloudEvent,
                               data: ChangeApproved | ChangeImplemented | ChangeCanceled) -> None:
    """A change names its project (after handover kept the link): an incident linked to the change before portfolio
    knew whose it was now counts for the project, so its issue follows."""
    if data.project_id is not None:
        await service.sync_project(uow, data.project_id)
