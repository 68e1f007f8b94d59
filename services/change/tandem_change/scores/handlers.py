"""Metrics' incident links kept per change: the incidents a change caused, for its team's success score."""

from __future__ import annotations

from tandem_shared.contracts.metrics import IncidentLinked, IncidentUnlinked
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_change.scores import service
from tandem_change.scores.rules import priority_number


async def on_incident_linked(uow: UnitOfWork, event: CloudEvent, data: IncidentLinked) -> None:
    """The incident's cause is this change (or only a project: then no change); re-score what it moved from and to."""
    await service.link_incident(
        uow.session, incident_id=data.incident_id, change_id=data.change_id, project_id=data.project_id,
        source_system=data.source_system, external_id=data.external_id, priority=priority_number(data.priority),
        explanation=data.explanation, as_of=event.time)


async def on_incident_unlinked(uow: UnitOfWork, event: CloudEvent, data: IncidentUnlinked) -> None:
    """The incident has no known cause any more: the change it was linked to is re-scored without it."""
    await service.link_incident(
        uow.session, incident_id=data.incident_id, change_id=None, project_id=None, source_system=data.source_system,
        external_id=data.external_id, priority=priority_number(data.previous_priority),
        explanation=f"unlinked: {data.reason}", as_of=event.time)
