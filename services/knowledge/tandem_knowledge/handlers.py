"""Events the knowledge service consumes: event type → the packages that keep it.

Change's CMDB events keep the CMDB projection (and a changed CI flags the published runbooks and handovers that
document it); a failed change drafts its review; portfolio's project events keep the projects projection, and a
project entering transition drafts its handovers, one closing its lessons learned.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tandem_shared.consumer import Handler
from tandem_shared.contracts.change import (
    ChangeImplemented,
    CICreated,
    CIRelationshipCreated,
    CIRelationshipDeleted,
    CIRetired,
    CIUpdated,
    MaintenanceWindowCreated,
    MaintenanceWindowDeleted,
)
from tandem_shared.contracts.portfolio import (
    BusinessCaseUpdated,
    GoLiveScheduled,
    MilestoneCompleted,
    ProjectCreated,
    ProjectScopeChanged,
    ProjectStageChanged,
    ProjectStatusReported,
    ProjectUpdated,
    RiskClosed,
    RiskRaised,
    RiskUpdated,
)
from tandem_shared.events import CloudEvent, EventData
from tandem_shared.uow import UnitOfWork

from tandem_knowledge.articles import service as articles
from tandem_knowledge.articles.change_review import needs_review
from tandem_knowledge.cmdb import service as cmdb
from tandem_knowledge.drafts import service as drafts
from tandem_knowledge.projects import service as projects


async def on_change_implemented(uow: UnitOfWork, event: CloudEvent, data: ChangeImplemented) -> None:
    """Keep the outcome for the project's lessons; draft a post-implementation review when it failed or backed out."""
    await projects.change_implemented(uow, data)
    if needs_review(data.outcome):
        await drafts.draft_change_review(uow, data=data, event_id=event.id, triggered_by=event.actor)


async def on_ci_updated(uow: UnitOfWork, event: CloudEvent, data: CIUpdated) -> None:
    """Keep the CI; flag the published runbooks and handovers documenting it for refresh."""
    await cmdb.ci_updated(uow, data)
    fields = ", ".join(data.changed_fields) or "no field named"
    await articles.flag_for_refresh(
        uow, ci_id=data.id, reason=f"CI {data.name} was updated by {data.updated_by} ({fields})",
        event_id=event.id, triggered_by=event.actor)


async def on_ci_retired(uow: UnitOfWork, event: CloudEvent, data: CIRetired) -> None:
    """Mark the CI retired; flag the published runbooks and handovers documenting it for refresh."""
    await cmdb.ci_retired(uow, data)
    await articles.flag_for_refresh(
        uow, ci_id=data.id, reason=f"CI {data.name} was retired by {data.retired_by}",
        event_id=event.id, triggered_by=event.actor)


async def on_stage_changed(uow: UnitOfWork, event: CloudEvent, data: ProjectStageChanged) -> None:
    """Keep the stage; draft the handovers on transition, the lessons learned on closure."""
    await projects.stage_changed(uow, data)
    await drafts.on_stage_changed(uow, project_id=data.id, to_stage=data.to_stage, event_id=event.id,
                                  triggered_by=event.actor or data.by)


def _keep(apply: Callable[[UnitOfWork, Any], Awaitable[object]]) -> Handler:
    """A handler that only keeps a projection: it applies the event's data."""

    async def handler(uow: UnitOfWork, _event: CloudEvent, data: EventData) -> None:
        await apply(uow, data)

    handler.__doc__ = apply.__doc__
    handler.__name__ = f"on_{apply.__name__}"
    return handler


HANDLERS: dict[str, Handler] = {
    ChangeImplemented.event_type: on_change_implemented,
    CICreated.event_type: _keep(cmdb.ci_created),
    CIUpdated.event_type: on_ci_updated,
    CIRetired.event_type: on_ci_retired,
    CIRelationshipCreated.event_type: _keep(cmdb.relationship_created),
    CIRelationshipDeleted.event_type: _keep(cmdb.relationship_deleted),
    MaintenanceWindowCreated.event_type: _keep(cmdb.window_created),
    MaintenanceWindowDeleted.event_type: _keep(cmdb.window_deleted),
    ProjectCreated.event_type: _keep(projects.created),
    ProjectUpdated.event_type: _keep(projects.updated),
    ProjectStageChanged.event_type: on_stage_changed,
    GoLiveScheduled.event_type: _keep(projects.go_live_scheduled),
    MilestoneCompleted.event_type: _keep(projects.milestone_completed),
    ProjectScopeChanged.event_type: _keep(projects.scope_changed),
    RiskRaised.event_type: _keep(projects.risk_changed),
    RiskUpdated.event_type: _keep(projects.risk_changed),
    RiskClosed.event_type: _keep(projects.risk_changed),
    BusinessCaseUpdated.event_type: _keep(projects.business_case_updated),
    ProjectStatusReported.event_type: _keep(projects.status_reported),
}
