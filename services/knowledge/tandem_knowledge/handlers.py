"""Events the knowledge service consumes: failed changes ask for a review, changed CIs for runbook refreshes."""

from __future__ import annotations

from tandem_shared.consumer import Handler
from tandem_shared.contracts.change import ChangeImplemented, CIRetired, CIUpdated
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_knowledge.articles import service
from tandem_knowledge.articles.change_review import needs_review


async def on_change_implemented(uow: UnitOfWork, event: CloudEvent, data: ChangeImplemented) -> None:
    """Draft a post-implementation review when a change failed or was backed out."""
    if needs_review(data.outcome):
        await service.draft_change_review(uow.session, data=data, event_id=event.id, triggered_by=event.actor)


async def on_ci_updated(uow: UnitOfWork, event: CloudEvent, data: CIUpdated) -> None:
    """Flag the published runbooks of a changed configuration item for refresh."""
    fields = ", ".join(data.changed_fields) or "no field named"
    await service.flag_runbooks_for_refresh(
        uow.session, ci_id=data.id, reason=f"CI {data.name} was updated by {data.updated_by} ({fields})",
        event_id=event.id, triggered_by=event.actor)


async def on_ci_retired(uow: UnitOfWork, event: CloudEvent, data: CIRetired) -> None:
    """Flag the published runbooks of a retired configuration item for refresh."""
    await service.flag_runbooks_for_refresh(
        uow.session, ci_id=data.id, reason=f"CI {data.name} was retired by {data.retired_by}",
        event_id=event.id, triggered_by=event.actor)


HANDLERS: dict[str, Handler] = {
    ChangeImplemented.event_type: on_change_implemented,
    CIUpdated.event_type: on_ci_updated,
    CIRetired.event_type: on_ci_retired,
}
